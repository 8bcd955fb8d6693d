// CLV (analytics/clv.h): the undiscounted and weekly-discounted formulas
// computed by hand from the two models, and the error paths.
#include "analytics/clv.h"

#include <gtest/gtest.h>

#include <cmath>

namespace patron::analytics {
namespace {

const BgnbdParameters kPurchases{0.243, 4.414, 0.793, 2.426};
const GammaGammaParameters kSpend{6.25, 3.74, 1544.0};
const BgnbdCustomer kCustomer{2, 30.43, 38.86};
const GammaGammaCustomer kCustomerSpend{2, 2 * 2235};  // two repeat orders of $22.35

TEST(Clv, UndiscountedIsExpectedPurchasesTimesOrderValue) {
  const double purchases = *bgnbd_expected_purchases(kPurchases, kCustomer, 52.0);
  const double order_value = *gamma_gamma_expected_order_value(kSpend, kCustomerSpend);
  auto clv = customer_lifetime_value(kPurchases, kSpend, kCustomer, kCustomerSpend, 52, 0.0);
  ASSERT_TRUE(clv.has_value());
  EXPECT_NEAR(*clv, purchases * order_value, 1e-9 * *clv);
}

TEST(Clv, DiscountsEachWeeksPurchasesFromTheEndOfThatWeek) {
  const double d = 0.01;
  const double e1 = *bgnbd_expected_purchases(kPurchases, kCustomer, 1.0);
  const double e2 = *bgnbd_expected_purchases(kPurchases, kCustomer, 2.0);
  const double order_value = *gamma_gamma_expected_order_value(kSpend, kCustomerSpend);
  const double expected = (e1 / (1 + d) + (e2 - e1) / ((1 + d) * (1 + d))) * order_value;
  auto clv = customer_lifetime_value(kPurchases, kSpend, kCustomer, kCustomerSpend, 2, d);
  ASSERT_TRUE(clv.has_value());
  EXPECT_NEAR(*clv, expected, 1e-9 * expected);
  // Over a year, discounting lowers the value, and a new customer (x = 0)
  // gets the population's order value.
  const double plain =
      *customer_lifetime_value(kPurchases, kSpend, kCustomer, kCustomerSpend, 52, 0);
  const double discounted =
      *customer_lifetime_value(kPurchases, kSpend, kCustomer, kCustomerSpend, 52, d);
  EXPECT_LT(discounted, plain);
  EXPECT_GT(discounted, plain / (1 + d) / 2);
  EXPECT_GT(*customer_lifetime_value(kPurchases, kSpend, {0, 0, 10.0}, {0, 0}, 52, d), 0.0);
}

TEST(Clv, ZeroHorizonIsWorthNothing) {
  EXPECT_EQ(*customer_lifetime_value(kPurchases, kSpend, kCustomer, kCustomerSpend, 0, 0.0), 0.0);
  EXPECT_EQ(*customer_lifetime_value(kPurchases, kSpend, kCustomer, kCustomerSpend, 0, 0.1), 0.0);
}

TEST(Clv, RejectsBadArguments) {
  const auto field = [](int64_t horizon, double rate, GammaGammaCustomer spend) {
    return customer_lifetime_value(kPurchases, kSpend, kCustomer, spend, horizon, rate)
        .error()
        .field;
  };
  EXPECT_EQ(field(-1, 0.0, kCustomerSpend), "horizon_weeks");
  EXPECT_EQ(field(kHorizonWeeksMax + 1, 0.0, kCustomerSpend), "horizon_weeks");
  EXPECT_EQ(field(52, -0.01, kCustomerSpend), "weekly_discount_rate");
  EXPECT_EQ(field(52, NAN, kCustomerSpend), "weekly_discount_rate");
  EXPECT_EQ(field(52, 0.0, {3, 6000}), "repeat_transactions");  // 3 != 2 repeat purchases
  EXPECT_EQ(customer_lifetime_value({0.2, 4, 1.0, 2}, kSpend, kCustomer, kCustomerSpend, 52, 0)
                .error()
                .code,
            ErrorCode::kFailedPrecondition);  // a = 1
}

}  // namespace
}  // namespace patron::analytics
