#include "core/money.h"

#include <gtest/gtest.h>

namespace patron {
namespace {

TEST(Money, ScaleRoundsAsAsked) {
  EXPECT_EQ(scale(999, 5, 100, Rounding::kFloor), 49);
  EXPECT_EQ(scale(999, 5, 100, Rounding::kCeil), 50);
  EXPECT_EQ(scale(990, 5, 100, Rounding::kHalfUp), 50);  // 49.5 -> 50
  EXPECT_EQ(scale(989, 5, 100, Rounding::kHalfUp), 49);  // 49.45 -> 49
  EXPECT_EQ(scale(-999, 5, 100, Rounding::kFloor), -50);
  EXPECT_EQ(scale(INT64_MAX, 3, 2, Rounding::kFloor), std::nullopt);
  EXPECT_EQ(scale(INT64_MAX, 2, 2, Rounding::kFloor), INT64_MAX);  // 128-bit intermediate
  EXPECT_EQ(scale(1, 1, 0, Rounding::kFloor), std::nullopt);
}

TEST(Money, CheckedArithmeticReportsOverflow) {
  EXPECT_EQ(checked_add(INT64_MAX, 1), std::nullopt);
  EXPECT_EQ(checked_add(2, 3), 5);
  EXPECT_EQ(checked_mul(INT64_MAX / 2 + 1, 2), std::nullopt);
}

TEST(Money, PositiveAmountRejectsZeroNegativeAndHuge) {
  EXPECT_TRUE(positive_amount(1, "amount"));
  EXPECT_EQ(positive_amount(0, "amount").error().field, "amount");
  EXPECT_EQ(positive_amount(-5, "amount").error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(positive_amount(2'000'000'000'000'000, "amount"));
}

TEST(Money, ParsesMajorUnitsExactly) {
  EXPECT_EQ(parse_major_units("2.55", 2, "p"), 255);
  EXPECT_EQ(parse_major_units("2.5", 2, "p"), 250);
  EXPECT_EQ(parse_major_units("100", 0, "p"), 100);
  EXPECT_EQ(parse_major_units("100.00", 0, "p"), 100);
  EXPECT_EQ(parse_major_units("-3.10", 2, "p"), -310);
  EXPECT_EQ(parse_major_units(".5", 2, "p"), 50);
  EXPECT_FALSE(parse_major_units("100.5", 0, "p"));
  EXPECT_FALSE(parse_major_units("1e3", 2, "p"));
  EXPECT_FALSE(parse_major_units("", 2, "p"));
  EXPECT_FALSE(parse_major_units("99999999999999999999", 2, "p"));
  EXPECT_EQ(parse_major_units("abc", 2, "unit_price").error().field, "unit_price");
}

TEST(Money, FormatsMajorUnits) {
  EXPECT_EQ(format_major_units(255, 2), "2.55");
  EXPECT_EQ(format_major_units(5, 2), "0.05");
  EXPECT_EQ(format_major_units(-310, 2), "-3.10");
  EXPECT_EQ(format_major_units(1234, 0), "1234");
}

TEST(FormatMoney, SymbolsAndThousands) {
  EXPECT_EQ(format_money(1234, "TWD", 0, "zh-TW"), "NT$1,234");
  EXPECT_EQ(format_money(100, "TWD", 0, "en"), "NT$100");
  EXPECT_EQ(format_money(1250, "GBP", 2, "en"), "£12.50");
  EXPECT_EQ(format_money(123456789, "GBP", 2, "en"), "£1,234,567.89");
  EXPECT_EQ(format_money(-1000000, "TWD", 0, "en"), "-NT$1,000,000");
  EXPECT_EQ(format_money(999, "TWD", 0, "en"), "NT$999");
  EXPECT_EQ(format_money(1250, "CHF", 2, "en"), "CHF 12.50");
  EXPECT_EQ(format_money(0, "GBP", 2, "en"), "£0.00");
}

TEST(FormatMoney, PointsByLocale) {
  EXPECT_EQ(format_money(1500, "points", 0, "zh-TW"), "1,500 點");
  EXPECT_EQ(format_money(1500, "points", 0, "en"), "1,500 points");
}

}  // namespace
}  // namespace patron
