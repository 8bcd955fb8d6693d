// Program configuration files: what parses, what is refused and how the
// error names file, line, column and key; printing and parsing round-trips.
#include "config/program_file.h"

#include <gtest/gtest.h>

#include "app/programs.h"

namespace patron {
namespace {

constexpr const char* kGood = R"(# a shop
[program]
currency = "GBP"
minor_digits = 2
time_zone = "Europe/London"

[wallets.credit]
hold_ttl_s = 600
debt_policy = "write_off"

[wallets.credit.expiry_by_source]
signup = "60d"
goodwill = "end_of_quarter"

[wallets.points]
default_expiry = "end_of_year+1"
)";

Error parse_error(const std::string& text) {
  auto p = config::parse_program(text, "shop.toml", "shop");
  EXPECT_FALSE(p) << "parsed: " << text;
  return p ? Error{} : p.error();
}

TEST(ProgramFile, ParsesProgramAndWalletsWithDefaults) {
  auto p = config::parse_program(kGood, "shop.toml", "shop");
  ASSERT_TRUE(p) << p.error().field << ": " << p.error().message;
  EXPECT_EQ(p->id, "shop");
  EXPECT_EQ(p->currency, "GBP");
  EXPECT_EQ(p->minor_digits, 2);
  EXPECT_EQ(p->time_zone, "Europe/London");
  ASSERT_EQ(p->wallets.size(), 2u);
  const auto& credit = p->wallets[0];
  EXPECT_EQ(credit.name, "credit");
  EXPECT_EQ(credit.unit, "GBP");      // a credit wallet is in the program's currency
  EXPECT_EQ(credit.minor_digits, 2);  // ... and its minor digits
  EXPECT_EQ(credit.hold_ttl_s, 600);
  EXPECT_EQ(credit.debt, ledger::DebtPolicy::kWriteOff);
  EXPECT_EQ(credit.expiry_by_source.size(), 2u);
  EXPECT_EQ(credit.expiry_by_source.at("goodwill"),
            ledger::ExpiryRule::end_of(CalendarUnit::kQuarter));
  const auto& points = p->wallets[1];
  EXPECT_EQ(points.unit, "points");
  EXPECT_EQ(points.default_expiry, ledger::ExpiryRule::end_of(CalendarUnit::kYear, 1));
}

TEST(ProgramFile, PrintedTomlParsesBackToTheSameProgram) {
  auto p = config::parse_program(kGood, "shop.toml", "shop");
  ASSERT_TRUE(p);
  std::string text = config::to_toml(*p);
  auto again = config::parse_program(text, "printed.toml", "shop");
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
  EXPECT_EQ(*again, *p);
  EXPECT_TRUE(app::setting_changes(*p, *again).empty());
  // The default program round-trips too (what `program show --toml` prints).
  app::Program def = app::default_program();
  auto parsed = config::parse_program(config::to_toml(def), "default.toml", "default");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, def);
}

TEST(ProgramFile, AnUnknownKeyIsAnErrorNamingLineColumnAndKey) {
  Error e = parse_error(
      "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n\n[wallets.credit]\nhold_ttl = 5\n");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.field, "shop.toml:6:1: wallets.credit.hold_ttl");
  EXPECT_NE(e.message.find("hold_ttl_s"), std::string::npos) << e.message;  // lists the known keys
  e = parse_error(
      "[program]\ncurrency = \"TWD\"\nminor_digits = 0\ncolour = 1\n[wallets.credit]\n");
  EXPECT_EQ(e.field, "shop.toml:4:1: program.colour");
  e = parse_error("[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[earn]\n");
  EXPECT_NE(e.field.find(": earn"), std::string::npos) << e.field;
}

TEST(ProgramFile, WrongTypesAndValuesNameTheKey) {
  const std::string head = "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n";
  EXPECT_EQ(parse_error(head + "hold_ttl_s = \"900\"\n").field,
            "shop.toml:5:14: wallets.credit.hold_ttl_s");
  EXPECT_EQ(parse_error(head + "hold_ttl_s = 0\n").field,
            "shop.toml:5:14: wallets.credit.hold_ttl_s");
  EXPECT_EQ(parse_error(head + "hold_ttl_s = 604801\n").field,
            "shop.toml:5:14: wallets.credit.hold_ttl_s");
  EXPECT_EQ(parse_error(head + "default_expiry = \"someday\"\n").field,
            "shop.toml:5:18: wallets.credit.default_expiry");
  EXPECT_EQ(parse_error(head + "debt_policy = \"forgive\"\n").field,
            "shop.toml:5:15: wallets.credit.debt_policy");
  EXPECT_EQ(parse_error(head + "minor_digits = 5\n").field,
            "shop.toml:5:16: wallets.credit.minor_digits");
  EXPECT_EQ(parse_error(head + "[wallets.credit.expiry_by_source]\nSignUp = \"60d\"\n").field,
            "shop.toml:6:10: wallets.credit.expiry_by_source.SignUp");
  EXPECT_EQ(
      parse_error("[program]\ncurrency = \"twd\"\nminor_digits = 0\n[wallets.credit]\n").field,
      "shop.toml:2:12: program.currency");
  EXPECT_EQ(
      parse_error("[program]\ncurrency = \"TWD\"\nminor_digits = 0\ntime_zone = \"Mars/Olympus\"\n"
                  "[wallets.credit]\n")
          .field,
      "shop.toml:4:13: program.time_zone");
}

TEST(ProgramFile, MissingPartsAndBrokenTomlAreRefused) {
  EXPECT_NE(parse_error("[wallets.credit]\n").field.find("program"), std::string::npos);
  EXPECT_NE(
      parse_error("[program]\nminor_digits = 0\n[wallets.credit]\n").field.find("program.currency"),
      std::string::npos);
  EXPECT_NE(parse_error("[program]\ncurrency = \"TWD\"\nminor_digits = 0\n").field.find("wallets"),
            std::string::npos);
  EXPECT_NE(parse_error("[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.Credit]\n")
                .field.find("wallets.Credit"),
            std::string::npos);
  Error broken = parse_error("[program]\ncurrency = \"TWD\nminor_digits = 0\n");
  EXPECT_EQ(broken.field.rfind("shop.toml:2:", 0), 0u) << broken.field;
  EXPECT_NE(broken.message.find("not valid TOML"), std::string::npos);
}

TEST(ProgramFile, WalletsAndSourcesAreBounded) {
  std::string text = "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n";
  for (int i = 0; i < 17; ++i) text += "[wallets.w" + std::to_string(i) + "]\n";
  EXPECT_NE(parse_error(text).message.find("16"), std::string::npos);
  std::string sources =
      "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit.expiry_by_source]\n";
  for (int i = 0; i < 65; ++i) sources += "s" + std::to_string(i) + " = \"30d\"\n";
  EXPECT_NE(parse_error(sources).message.find("64"), std::string::npos);
}

TEST(ProgramSettings, ChangesListAddedRemovedAndChangedKeys) {
  auto a = config::parse_program(kGood, "a.toml", "shop");
  ASSERT_TRUE(a);
  app::Program b = *a;
  b.wallets[0].hold_ttl_s = 300;
  b.wallets[0].expiry_by_source.erase("goodwill");
  b.wallets[0].expiry_by_source["review"] = ledger::ExpiryRule::days(90);
  auto changes = app::setting_changes(*a, b);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].key, "wallets.credit.expiry_by_source.goodwill");
  EXPECT_FALSE(changes[0].after);
  EXPECT_EQ(changes[1].key, "wallets.credit.expiry_by_source.review");
  EXPECT_FALSE(changes[1].before);
  EXPECT_EQ(*changes[1].after, "90d");
  EXPECT_EQ(changes[2].key, "wallets.credit.hold_ttl_s");
  EXPECT_EQ(*changes[2].before, "600");
  EXPECT_EQ(*changes[2].after, "300");
}

}  // namespace
}  // namespace patron
