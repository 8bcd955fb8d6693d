// Redemption rules ([wallets.<name>.redeem]) in program files: every key,
// the defaults, what is refused (file:line:column and key), printing back,
// the settings diff and the examples.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-4; a test's redeem table starts on line 5.
constexpr const char* kHead = "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n";

std::string redeem(const std::string& keys) {
  return std::string(kHead) + "[wallets.credit.redeem]\n" + keys;
}

TEST(ProgramFileRedemption, ParsesEveryKey) {
  std::string text = std::string(kHead) + R"([wallets.points]
unit = "points"
[wallets.points.redeem]
enabled = true
unit_value = "0.1"
min_order = 500
max_amount = 100
max_percent = "12.5%"
step = 10
exclude_categories = ["gift_cards"]
exclude_brands = ["luxe"]
exclude_skus = ["SKU-9"]
pays_shipping = true
with_coupons = false
)";
  app::Program p = parse_ok(text);
  const rules::RedeemRule* r = p.rules.redeem_rule("points");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->value_num, 1);
  EXPECT_EQ(r->value_den, 10);
  EXPECT_EQ(r->min_order, 500);
  EXPECT_EQ(r->max_amount, 100);
  EXPECT_EQ(r->max_percent_bp, 1250);
  EXPECT_EQ(r->step, 10);
  EXPECT_EQ(r->exclude_categories, std::vector<std::string>{"gift_cards"});
  EXPECT_EQ(r->exclude_brands, std::vector<std::string>{"luxe"});
  EXPECT_EQ(r->exclude_skus, std::vector<std::string>{"SKU-9"});
  EXPECT_TRUE(r->pays_shipping);
  EXPECT_FALSE(r->with_coupons);
  EXPECT_EQ(p.rules.redeem_rule("credit"), nullptr);  // no table: 1:1, no limits
}

TEST(ProgramFileRedemption, UnitValueIsARatioOfMinorUnits) {
  // GBP points worth a penny each: one point (0 digits) pays 1 pence.
  std::string gbp =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.points]\nunit = \"points\"\n"
      "[wallets.points.redeem]\nunit_value = \"0.01\"\n";
  const app::Program gbp_program = parse_ok(gbp);  // the rule points into it
  const rules::RedeemRule* pence = gbp_program.rules.redeem_rule("points");
  ASSERT_NE(pence, nullptr);
  EXPECT_EQ(pence->value_num, 1);
  EXPECT_EQ(pence->value_den, 1);
  // The default for a GBP credit wallet (2 digits) is 1:1 too; an empty table keeps it.
  std::string credit =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
      "[wallets.credit.redeem]\nmax_percent = \"10%\"\n";
  const app::Program credit_program = parse_ok(credit);
  const rules::RedeemRule* c = credit_program.rules.redeem_rule("credit");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->value_num, 1);
  EXPECT_EQ(c->value_den, 1);
  EXPECT_EQ(c->step, 1);
}

TEST(ProgramFileRedemption, BadKeysAreRefusedWithTheirLine) {
  struct Case {
    std::string keys;
    std::string field;
    std::string says;
  };
  std::vector<Case> cases = {
      {"colour = 1\n", "wallets.credit.redeem.colour", ""},
      {"unit_value = 0\n", "wallets.credit.redeem.unit_value", "more than 0"},
      {"unit_value = 0.5\n", "wallets.credit.redeem.unit_value", "decimal string"},
      {"unit_value = \"0.0000001\"\n", "wallets.credit.redeem.unit_value", ""},
      {"min_order = -5\n", "wallets.credit.redeem.min_order", "negative"},
      {"max_percent = \"101%\"\n", "wallets.credit.redeem.max_percent", "100%"},
      {"max_percent = 10\n", "wallets.credit.redeem.max_percent", "percent"},
      {"step = 0\n", "wallets.credit.redeem.step", "more than 0"},
      {"tiers = [\"gold\"]\n", "wallets.credit.redeem.tiers[0]", "[tiers]"},
      {"exclude_categories = [\"a\", \"a\"]\n", "wallets.credit.redeem.exclude_categories[1]",
       "twice"},
      {"pays_shipping = \"yes\"\n", "wallets.credit.redeem.pays_shipping", "true or false"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.keys);
    Error e = parse_error(redeem(c.keys));
    EXPECT_NE(e.field.find("shop.toml:6"), std::string::npos) << e.field;
    EXPECT_NE(e.field.find(c.field), std::string::npos) << e.field;
    EXPECT_NE(e.message.find(c.says), std::string::npos) << e.message;
  }
  Error not_table = parse_error(std::string(kHead) + "[wallets.credit]\n");
  EXPECT_FALSE(not_table.message.empty());
}

TEST(ProgramFileRedemption, TiersMustBeLevelsOfTheProgram) {
  std::string text = std::string(kHead) + R"([wallets.credit.redeem]
tiers = ["vip"]
[tiers]
[[tiers.levels]]
id = "regular"
name = "一般"
entry = 0
[[tiers.levels]]
id = "vip"
name = "VIP"
entry = 1000
)";
  const app::Program p = parse_ok(text);
  ASSERT_NE(p.rules.redeem_rule("credit"), nullptr);
  EXPECT_EQ(p.rules.redeem_rule("credit")->tiers, std::vector<std::string>{"vip"});
  std::string wrong = text;
  wrong.replace(wrong.find("[\"vip\"]"), 7, "[\"gold\"]");
  Error e = parse_error(wrong);
  EXPECT_NE(e.message.find("regular, vip"), std::string::npos) << e.message;
}

TEST(ProgramFileRedemption, PrintedRulesParseBackToTheSameProgram) {
  for (const std::string& keys :
       {std::string("min_order = 500\nmax_amount = 100\nmax_percent = \"10%\"\n"),
        std::string("unit_value = \"0.25\"\nstep = 4\nexclude_skus = [\"X\"]\n"),
        std::string("enabled = false\n"),
        std::string("pays_shipping = true\nwith_coupons = false\n")}) {
    SCOPED_TRACE(keys);
    app::Program p = parse_ok(redeem(keys));
    std::string text = config::to_toml(p);
    auto again = config::parse_program(text, "printed.toml", "shop");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
    EXPECT_EQ(again->rules, p.rules);
    EXPECT_TRUE(app::setting_changes(p, *again).empty());
  }
}

TEST(ProgramSettings, UnitValueIsListedAsTheFileWritesIt) {
  app::Program a = parse_ok(redeem("unit_value = \"0.1\"\n"));
  app::Program b = parse_ok(redeem("unit_value = \"0.25\"\n"));
  auto diff = app::setting_changes(a, b);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].key, "wallets.credit.redeem.unit_value");
  EXPECT_EQ(diff[0].before, "0.1");
  EXPECT_EQ(diff[0].after, "0.25");
  // GBP pence per point: "0.01" of a pound.
  app::Program gbp = parse_ok(
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.points]\nunit = \"points\"\n"
      "[wallets.points.redeem]\nunit_value = \"0.01\"\n");
  EXPECT_EQ(app::program_settings(gbp).at("wallets.points.redeem.unit_value"), "0.01");
}

TEST(ProgramSettings, RedemptionChangesAreListed) {
  app::Program a = parse_ok(redeem("max_amount = 100\n"));
  app::Program b = parse_ok(redeem("max_amount = 150\nexclude_categories = [\"gift_cards\"]\n"));
  std::vector<std::string> keys;
  for (const auto& c : app::setting_changes(a, b)) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"wallets.credit.redeem.exclude_categories",
                                            "wallets.credit.redeem.max_amount"}));
  EXPECT_EQ(app::setting_changes(parse_ok(kHead), a).size(), 12u);  // every key appears
}

TEST(ProgramFileRedemption, TheExamplesParse) {
  for (const char* name : {"taiwan-fashion.toml", "points-store.toml"}) {
    std::ifstream in(std::string(PATRON_EXAMPLES) + "/" + name);
    std::stringstream text;
    text << in.rdbuf();
    auto p = config::parse_program(text.str(), name, "x");
    ASSERT_TRUE(p) << name << ": " << p.error().field << ": " << p.error().message;
    EXPECT_NE(p->rules.redeem_rule("points"), nullptr) << name;
  }
}

}  // namespace
}  // namespace patron
