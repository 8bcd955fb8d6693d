// Program configuration files: what parses, what is refused and how the
// error names file, line, column and key; printing and parsing round-trips.
#include "config/program_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/programs.h"
#include "config/parse_support.h"
#include "core/time.h"

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

// ---- Earn rules and member days ----

// Lines 1-5; what a test appends starts on line 6.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n";

// A rule with everything set (line 6 on), and two member days.
constexpr const char* kRules = R"([earning]
earn_on = "fulfilled"
return_window_days = 10

[[earning.rules]]
id = "rebate"
wallet = "credit"
source = "purchase_tw"
every = 1000
get = 50
tier_rates = { silver = "3%", gold = "0.5%", vip = { every = 500, get = 40 }, "金卡" = "12.25%" }
include_shipping = true
exclude_paid_with_value = false
exclude_categories = ["gift_card", "deposit"]
exclude_brands = ["consignment"]
exclude_skus = ["FEE-1"]
multipliers = [ { category = "new_arrivals", factor = "2x" }, { brand = "acme", factor = "1.5x" },
                { sku = "SAMPLE", factor = "0x" } ]
min_base = 100
per_order_max = 500
member_days = false
member_caps = { per_day = 500, per_month = 2000, per_year = 10000 }
budget = { value = 100000, count = 1000 }

[[earning.rules]]
id = "points"
wallet = "points"
rate = "1%"

[[member_days]]
id = "day8"
day_of_month = 8
multiplier = "2x"

[[member_days]]
id = "vip_saturday"
weekday = "sat"
multiplier = "1.25x"
tiers = ["gold", "vip"]
)";

// The error of kHead + `tail`, which must fail.
Error rule_error(const std::string& tail) {
  return parse_error(kHead + tail);
}

// A rule "r" with a credit rate, plus `more` lines (line 10 on).
std::string rule_with(const std::string& more) {
  return "[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"3%\"\n" + more;
}

std::string read_example(const std::string& name) {
  // The source tree, found from this file: tests/config/ -> examples/.
  auto path = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "examples" / name;
  std::ifstream in(path);
  EXPECT_TRUE(in) << path;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ProgramFileRules, ParsesEveryRuleKey) {
  app::Program p = parse_ok(std::string(kHead) + kRules);
  EXPECT_EQ(p.rules.earn_on, rules::EarnTrigger::kFulfilled);
  EXPECT_EQ(p.rules.return_window_days, 10);
  ASSERT_EQ(p.rules.earn.size(), 2u);
  const rules::EarnRule& r = p.rules.earn[0];
  EXPECT_EQ(r.id, "rebate");
  EXPECT_EQ(r.wallet, "credit");
  EXPECT_EQ(r.source, "purchase_tw");
  EXPECT_EQ(r.rate.kind, rules::Rate::Kind::kSteps);
  EXPECT_EQ(r.rate.every, 1000);
  EXPECT_EQ(r.rate.get, 50);
  // A TOML table is ordered by key, so tier rates come back sorted by tier name.
  ASSERT_EQ(r.tier_rates.size(), 4u);
  EXPECT_EQ(r.tier_rates[0].tier, "gold");
  EXPECT_EQ(r.tier_rates[0].rate.bp, 50);
  EXPECT_EQ(r.tier_rates[1].tier, "silver");
  EXPECT_EQ(r.tier_rates[1].rate.bp, 300);
  EXPECT_EQ(r.tier_rates[2].tier, "vip");
  EXPECT_EQ(r.tier_rates[2].rate.kind, rules::Rate::Kind::kSteps);
  EXPECT_EQ(r.tier_rates[2].rate.every, 500);
  EXPECT_EQ(r.tier_rates[2].rate.get, 40);
  EXPECT_EQ(r.tier_rates[3].tier, "金卡");
  EXPECT_EQ(r.tier_rates[3].rate.bp, 1225);
  EXPECT_TRUE(r.base.include_shipping);
  EXPECT_FALSE(r.base.exclude_paid_with_value);
  EXPECT_EQ(r.base.exclude_categories, (std::vector<std::string>{"gift_card", "deposit"}));
  EXPECT_EQ(r.base.exclude_brands, std::vector<std::string>{"consignment"});
  EXPECT_EQ(r.base.exclude_skus, std::vector<std::string>{"FEE-1"});
  ASSERT_EQ(r.multipliers.size(), 3u);
  EXPECT_EQ(r.multipliers[0].category, "new_arrivals");
  EXPECT_EQ(r.multipliers[0].factor_bp, 20000);
  EXPECT_EQ(r.multipliers[1].brand, "acme");
  EXPECT_EQ(r.multipliers[1].factor_bp, 15000);
  EXPECT_EQ(r.multipliers[2].sku, "SAMPLE");
  EXPECT_EQ(r.multipliers[2].factor_bp, 0);
  EXPECT_EQ(r.min_base, 100);
  EXPECT_EQ(r.per_order_max, 500);
  EXPECT_FALSE(r.member_days);
  EXPECT_EQ(r.member_caps, (rules::MemberCaps{500, 2000, 10000}));
  EXPECT_EQ(r.budget, (rules::Budget{100000, 1000}));
  // Defaults of a minimal rule.
  const rules::EarnRule& points = p.rules.earn[1];
  EXPECT_EQ(points.source, "purchase");
  EXPECT_EQ(points.rate.kind, rules::Rate::Kind::kPercent);
  EXPECT_EQ(points.rate.bp, 100);
  EXPECT_TRUE(points.tier_rates.empty());
  EXPECT_EQ(points.base, rules::EarnBase{});
  EXPECT_TRUE(points.multipliers.empty());
  EXPECT_EQ(points.min_base, 0);
  EXPECT_EQ(points.per_order_max, 0);
  EXPECT_TRUE(points.member_days);
  EXPECT_FALSE(points.member_caps.any());
  EXPECT_FALSE(points.budget.any());
  ASSERT_EQ(p.rules.member_days.size(), 2u);
  EXPECT_EQ(p.rules.member_days[0].day_of_month, 8);
  EXPECT_EQ(p.rules.member_days[0].weekday, -1);
  EXPECT_EQ(p.rules.member_days[0].multiplier_bp, 20000);
  EXPECT_TRUE(p.rules.member_days[0].tiers.empty());
  EXPECT_EQ(p.rules.member_days[1].day_of_month, 0);
  EXPECT_EQ(p.rules.member_days[1].weekday, 6);
  EXPECT_EQ(p.rules.member_days[1].multiplier_bp, 12500);
  EXPECT_EQ(p.rules.member_days[1].tiers, (std::vector<std::string>{"gold", "vip"}));
}

TEST(ProgramFileRules, WithoutEarningTheProgramHasNoRules) {
  app::Program p = parse_ok(kHead);
  EXPECT_EQ(p.rules, rules::Rules{});
  EXPECT_EQ(p.rules.earn_on, rules::EarnTrigger::kPaid);
  EXPECT_EQ(p.rules.return_window_days, 7);
}

TEST(ProgramFileRules, RatesAndMultipliersAreExactDecimals) {
  struct Case {
    const char* rate;
    int64_t bp;
  };
  for (Case c :
       {Case{"0%", 0}, Case{"1%", 100}, Case{"0.5%", 50}, Case{"0.05%", 5}, Case{"12.25%", 1225},
        Case{"3.50%", 350}, Case{"3.000%", 300}, Case{"10000%", 1'000'000}}) {
    app::Program p =
        parse_ok(std::string(kHead) +
                 "[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"" + c.rate + "\"\n");
    ASSERT_EQ(p.rules.earn.size(), 1u) << c.rate;
    EXPECT_EQ(p.rules.earn[0].rate.bp, c.bp) << c.rate;
  }
  struct Factor {
    const char* text;
    int64_t bp;
  };
  for (Factor f : {Factor{"0x", 0}, Factor{"1x", 10000}, Factor{"1.5x", 15000},
                   Factor{"0.0001x", 1}, Factor{"100x", 1'000'000}}) {
    app::Program p = parse_ok(std::string(kHead) + rule_with("multipliers = [{ sku = \"A\", "
                                                             "factor = \"" +
                                                             std::string(f.text) + "\" }]\n"));
    ASSERT_EQ(p.rules.earn.size(), 1u) << f.text;
    EXPECT_EQ(p.rules.earn[0].multipliers.at(0).factor_bp, f.bp) << f.text;
  }
}

TEST(ProgramFileRules, AmountsAreMajorUnitsOfTheCurrencyOrTheWallet) {
  // GBP (2 digits): spend keys in pence; a points wallet (0 digits) for `get`.
  const std::string gbp =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[wallets.points]\n";
  app::Program p = parse_ok(gbp +
                            "[[earning.rules]]\nid = \"c\"\nwallet = \"credit\"\nevery = 10\n"
                            "get = \"0.50\"\nmin_base = \"25.5\"\nper_order_max = 20\n"
                            "[[earning.rules]]\nid = \"p\"\nwallet = \"points\"\n"
                            "every = \"10.00\"\nget = 3\nper_order_max = \"100\"\n");
  ASSERT_EQ(p.rules.earn.size(), 2u);
  EXPECT_EQ(p.rules.earn[0].rate.every, 1000);
  EXPECT_EQ(p.rules.earn[0].rate.get, 50);
  EXPECT_EQ(p.rules.earn[0].min_base, 2550);
  EXPECT_EQ(p.rules.earn[0].per_order_max, 2000);
  EXPECT_EQ(p.rules.earn[1].rate.every, 1000);
  EXPECT_EQ(p.rules.earn[1].rate.get, 3);
  EXPECT_EQ(p.rules.earn[1].per_order_max, 100);
  // Points have no decimals: half a point is refused, naming the wallet.
  Error e = parse_error(gbp +
                        "[[earning.rules]]\nid = \"p\"\nwallet = \"points\"\nevery = 10\n"
                        "get = \"0.5\"\n");
  EXPECT_EQ(e.field, "shop.toml:10:7: earning.rules.p.get");
  EXPECT_NE(e.message.find("wallet points has 0 decimal places"), std::string::npos) << e.message;
  // Pence are the limit of GBP.
  e = parse_error(gbp +
                  "[[earning.rules]]\nid = \"c\"\nwallet = \"credit\"\nevery = \"10.005\"\n"
                  "get = 1\n");
  EXPECT_EQ(e.field, "shop.toml:9:9: earning.rules.c.every");
  EXPECT_NE(e.message.find("GBP has 2 decimal places"), std::string::npos) << e.message;
}

TEST(ProgramFileRules, AnUnknownKeyAnywhereInTheRulesIsAnError) {
  Error e = rule_error(rule_with("ratio = 1\n"));
  EXPECT_EQ(e.field, "shop.toml:10:1: earning.rules.r.ratio");
  EXPECT_NE(e.message.find("is not a known key"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("exclude_categories"), std::string::npos) << e.message;
  EXPECT_EQ(rule_error("[earning]\nearn_at = \"paid\"\n").field, "shop.toml:7:1: earning.earn_at");
  EXPECT_EQ(
      rule_error(rule_with("multipliers = [{ sku = \"A\", factor = \"2x\", max = 1 }]\n")).field,
      "shop.toml:10:44: earning.rules.r.multipliers[0].max");
  EXPECT_EQ(
      rule_error(rule_with("tier_rates = { gold = { every = 10, get = 1, cap = 5 } }\n")).field,
      "shop.toml:10:46: earning.rules.r.tier_rates.gold.cap");
  EXPECT_EQ(rule_error("[[member_days]]\nid = \"d\"\nday_of_month = 8\nmultiplier = \"2x\"\n"
                       "hours = \"10-22\"\n")
                .field,
            "shop.toml:10:1: member_days.d.hours");
}

TEST(ProgramFileRules, RatesAreRefusedWhenMalformedOrTooPrecise) {
  Error e =
      rule_error("[[earning.rules]]\nid = \"rebate\"\nwallet = \"credit\"\nrate = \"3.001%\"\n");
  EXPECT_EQ(e.code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(e.field, "shop.toml:9:8: earning.rules.rebate.rate");
  EXPECT_NE(e.message.find("0.01%"), std::string::npos) << e.message;
  for (const char* bad : {"3", "3 %", "-3%", "+3%", ".5%", "3.%", "3,5%", "3e2%", "%", "三%"}) {
    Error b = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"" +
                         std::string(bad) + "\"\n");
    EXPECT_EQ(b.field, "shop.toml:9:8: earning.rules.r.rate") << bad;
    EXPECT_NE(b.message.find("must be a percent like"), std::string::npos) << bad << b.message;
  }
  e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"10000.01%\"\n");
  EXPECT_NE(e.message.find("at most 10000%"), std::string::npos) << e.message;
  e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = 0.03\n");
  EXPECT_EQ(e.field, "shop.toml:9:8: earning.rules.r.rate");
  e = rule_error(rule_with("tier_rates = { gold = \"5.555%\" }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:23: earning.rules.r.tier_rates.gold");
  EXPECT_NE(e.message.find("0.01%"), std::string::npos) << e.message;
  e = rule_error(rule_with("tier_rates = { gold = 5 }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:23: earning.rules.r.tier_rates.gold");
}

TEST(ProgramFileRules, ARuleHasExactlyOneRateForm) {
  Error e = rule_error(rule_with("every = 1000\nget = 50\n"));
  EXPECT_EQ(e.field, "shop.toml:9:8: earning.rules.r.rate");
  EXPECT_NE(e.message.find("not both"), std::string::npos) << e.message;
  e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: earning.rules.r.rate");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nevery = 1000\n");
  EXPECT_EQ(e.field, "shop.toml:9:9: earning.rules.r.get");
  e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nget = 50\n");
  EXPECT_EQ(e.field, "shop.toml:9:7: earning.rules.r.every");
  e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nevery = 0\nget = 50\n");
  EXPECT_EQ(e.field, "shop.toml:9:9: earning.rules.r.every");
  EXPECT_NE(e.message.find("more than 0"), std::string::npos) << e.message;
  e = rule_error(rule_with("tier_rates = { gold = { every = 1000 } }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:33: earning.rules.r.tier_rates.gold.get");
}

TEST(ProgramFileRules, AmountsAreWholeOrDecimalStringsAndNotNegative) {
  Error e = rule_error(
      "[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nevery = 1000.0\n"
      "get = 50\n");
  EXPECT_EQ(e.field, "shop.toml:9:9: earning.rules.r.every");
  EXPECT_NE(e.message.find("decimal string"), std::string::npos) << e.message;
  e = rule_error(rule_with("min_base = -1\n"));
  EXPECT_EQ(e.field, "shop.toml:10:12: earning.rules.r.min_base");
  EXPECT_NE(e.message.find("negative"), std::string::npos) << e.message;
  e = rule_error(rule_with("per_order_max = \"lots\"\n"));
  EXPECT_EQ(e.field, "shop.toml:10:17: earning.rules.r.per_order_max");
  e = rule_error(rule_with("min_base = 100000000000001\n"));
  EXPECT_EQ(e.field, "shop.toml:10:12: earning.rules.r.min_base");
  EXPECT_NE(e.message.find("too large"), std::string::npos) << e.message;
  // TWD has no decimals: a decimal string with more is refused.
  e = rule_error(rule_with("min_base = \"99.5\"\n"));
  EXPECT_NE(e.message.find("TWD has 0 decimal places"), std::string::npos) << e.message;
}

TEST(ProgramFileRules, IdsWalletsAndSourcesAreChecked) {
  Error e = rule_error("[[earning.rules]]\nid = \"r\"\nwallet = \"cash\"\nrate = \"1%\"\n");
  EXPECT_EQ(e.field, "shop.toml:8:10: earning.rules.r.wallet");
  EXPECT_NE(e.message.find("wallets: credit, points"), std::string::npos) << e.message;
  e = rule_error("[[earning.rules]]\nid = \"r\"\nrate = \"1%\"\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: earning.rules.r.wallet");
  e = rule_error("[[earning.rules]]\nwallet = \"credit\"\nrate = \"1%\"\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: earning.rules[0].id");
  e = rule_error("[[earning.rules]]\nid = \"Rebate\"\nwallet = \"credit\"\nrate = \"1%\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:6: earning.rules[0].id");
  e = rule_error("[[earning.rules]]\nid = \"" + std::string(33, 'a') +
                 "\"\nwallet = \"credit\"\nrate = \"1%\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:6: earning.rules[0].id");
  e = rule_error(rule_with("[[earning.rules]]\nid = \"r\"\nwallet = \"points\"\nrate = \"1%\"\n"));
  EXPECT_EQ(e.field, "shop.toml:11:6: earning.rules[1].id");
  EXPECT_NE(e.message.find("already the id of earning.rules[0]"), std::string::npos) << e.message;
  e = rule_error(rule_with("source = \"Purchase\"\n"));
  EXPECT_EQ(e.field, "shop.toml:10:10: earning.rules.r.source");
  e = rule_error(rule_with("member_days = \"yes\"\n"));
  EXPECT_EQ(e.field, "shop.toml:10:15: earning.rules.r.member_days");
  EXPECT_NE(e.message.find("true or false"), std::string::npos) << e.message;
  e = rule_error("[earning]\nearn_on = \"shipped\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:11: earning.earn_on");
  e = rule_error("[earning]\nreturn_window_days = 366\n");
  EXPECT_EQ(e.field, "shop.toml:7:22: earning.return_window_days");
  e = rule_error("[earning]\nrules = { id = \"r\" }\n");
  EXPECT_EQ(e.field, "shop.toml:7:9: earning.rules");
  EXPECT_EQ(parse_error("earning = 1\n" + std::string(kHead)).field, "shop.toml:1:11: earning");
}

TEST(ProgramFileRules, ListsAndMultipliersAreChecked) {
  Error e = rule_error(rule_with("exclude_categories = [\"gift_card\", \"gift_card\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:36: earning.rules.r.exclude_categories[1]");
  EXPECT_NE(e.message.find("twice"), std::string::npos) << e.message;
  e = rule_error(rule_with("exclude_brands = [\"\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:19: earning.rules.r.exclude_brands[0]");
  e = rule_error(rule_with("exclude_skus = \"A1\"\n"));
  EXPECT_EQ(e.field, "shop.toml:10:16: earning.rules.r.exclude_skus");
  e = rule_error(
      rule_with("multipliers = [{ category = \"a\", brand = \"b\", factor = \"2x\" }]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:16: earning.rules.r.multipliers[0]");
  EXPECT_NE(e.message.find("exactly one of category, brand or sku"), std::string::npos);
  e = rule_error(rule_with("multipliers = [{ category = \"a\" }]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:16: earning.rules.r.multipliers[0].factor");
  e = rule_error(rule_with("multipliers = [{ category = \"a\", factor = \"101x\" }]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:43: earning.rules.r.multipliers[0].factor");
  EXPECT_NE(e.message.find("between 0x and 100x"), std::string::npos) << e.message;
  e = rule_error(rule_with("multipliers = [{ category = \"a\", factor = \"2\" }]\n"));
  EXPECT_NE(e.message.find("like \"2x\""), std::string::npos) << e.message;
  e = rule_error(rule_with("multipliers = [{ category = \"a\", factor = \"1.00001x\" }]\n"));
  EXPECT_NE(e.message.find("0.0001x"), std::string::npos) << e.message;
  e =
      rule_error(rule_with("multipliers = [{ sku = \"a\", factor = \"2x\" }, "
                           "{ sku = \"a\", factor = \"3x\" }]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:46: earning.rules.r.multipliers[1]");
  e = rule_error(rule_with("multipliers = [\"a\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:16: earning.rules.r.multipliers[0]");
  e = rule_error(rule_with("tier_rates = { \"\" = \"5%\" }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:16: earning.rules.r.tier_rates.");
  e = rule_error(rule_with("tier_rates = { " + std::string(33, 'g') + " = \"5%\" }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:16: earning.rules.r.tier_rates." + std::string(33, 'g'));
  EXPECT_NE(e.message.find("1 to 32 bytes"), std::string::npos) << e.message;
}

TEST(ProgramFileRules, MemberDaysAreChecked) {
  const std::string day = "[[member_days]]\nid = \"d\"\nmultiplier = \"2x\"\n";
  Error e = rule_error(day + "weekday = \"saturday\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:11: member_days.d.weekday");
  EXPECT_NE(e.message.find("sun, mon, tue, wed, thu, fri, sat"), std::string::npos);
  e = rule_error(day + "weekday = \"Sat\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:11: member_days.d.weekday");
  e = rule_error(day + "day_of_month = 8\nweekday = \"sat\"\n");
  EXPECT_EQ(e.field, "shop.toml:10:11: member_days.d.weekday");
  EXPECT_NE(e.message.find("not both"), std::string::npos) << e.message;
  e = rule_error(day);
  EXPECT_EQ(e.field, "shop.toml:6:1: member_days.d.day_of_month");
  e = rule_error(day + "day_of_month = 32\n");
  EXPECT_EQ(e.field, "shop.toml:9:16: member_days.d.day_of_month");
  e = rule_error(day + "day_of_month = 0\n");
  EXPECT_EQ(e.field, "shop.toml:9:16: member_days.d.day_of_month");
  e = rule_error("[[member_days]]\nid = \"d\"\nday_of_month = 8\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: member_days.d.multiplier");
  e = rule_error("[[member_days]]\nid = \"d\"\nday_of_month = 8\nmultiplier = \"0.5x\"\n");
  EXPECT_EQ(e.field, "shop.toml:9:14: member_days.d.multiplier");
  EXPECT_NE(e.message.find("between 1x and 100x"), std::string::npos) << e.message;
  e = rule_error(day + "day_of_month = 8\ntiers = [\"gold\", 3]\n");
  EXPECT_EQ(e.field, "shop.toml:10:18: member_days.d.tiers[1]");
  e = rule_error(day + "day_of_month = 8\ntiers = [\"" + std::string(33, 'g') + "\"]\n");
  EXPECT_EQ(e.field, "shop.toml:10:10: member_days.d.tiers[0]");
  e = rule_error(day + "day_of_month = 8\n" + day + "weekday = \"sun\"\n");
  EXPECT_EQ(e.field, "shop.toml:11:6: member_days[1].id");
  e = rule_error("[[member_days]]\nid = \"Day 8\"\nday_of_month = 8\nmultiplier = \"2x\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:6: member_days[0].id");
  e = parse_error("member_days = { id = \"d\" }\n" + std::string(kHead));
  EXPECT_EQ(e.field, "shop.toml:1:15: member_days");
  EXPECT_NE(e.message.find("array of tables"), std::string::npos) << e.message;
}

TEST(ProgramFileRules, RulesDaysAndListsAreBounded) {
  std::string many;
  for (int i = 0; i < 65; ++i) {
    many += "[[earning.rules]]\nid = \"r" + std::to_string(i) +
            "\"\nwallet = \"credit\"\nrate = \"1%\"\n";
  }
  Error e = rule_error(many);
  EXPECT_NE(e.field.find("earning.rules"), std::string::npos) << e.field;
  EXPECT_NE(e.message.find("more than 64"), std::string::npos) << e.message;
  std::string categories = "exclude_categories = [";
  for (int i = 0; i < 101; ++i) categories += "\"c" + std::to_string(i) + "\", ";
  e = rule_error(rule_with(categories + "]\n"));
  EXPECT_EQ(e.field, "shop.toml:10:22: earning.rules.r.exclude_categories");
  EXPECT_NE(e.message.find("more than 100"), std::string::npos) << e.message;
  std::string multipliers = "multipliers = [";
  for (int i = 0; i < 101; ++i) {
    multipliers += "{ sku = \"s" + std::to_string(i) + "\", factor = \"2x\" }, ";
  }
  e = rule_error(rule_with(multipliers + "]\n"));
  EXPECT_NE(e.message.find("more than 100"), std::string::npos) << e.message;
  std::string tiers = "tier_rates = { ";
  for (int i = 0; i < 17; ++i) tiers += "t" + std::to_string(i) + " = \"1%\", ";
  tiers.resize(tiers.size() - 2);
  e = rule_error(rule_with(tiers + " }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:14: earning.rules.r.tier_rates");
  std::string days;
  for (int i = 0; i < 39; ++i) {
    days += "[[member_days]]\nid = \"d" + std::to_string(i) +
            "\"\nday_of_month = 1\nmultiplier = \"2x\"\n";
  }
  e = rule_error(days);
  EXPECT_NE(e.message.find("more than 38"), std::string::npos) << e.message;
}

TEST(ProgramFileRules, PrintedRulesParseBackToTheSameProgram) {
  app::Program p = parse_ok(std::string(kHead) + kRules);
  std::string text = config::to_toml(p);
  auto again = config::parse_program(text, "printed.toml", "shop");
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
  EXPECT_EQ(*again, p);
  EXPECT_TRUE(app::setting_changes(p, *again).empty());
  // Printing is canonical: printing the parsed print gives the same text.
  EXPECT_EQ(config::to_toml(*again), text);
  // Amounts that are not whole major units print as decimal strings.
  const std::string gbp =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
      "[[earning.rules]]\nid = \"c\"\nwallet = \"credit\"\nevery = \"10.5\"\nget = \"0.05\"\n"
      "min_base = \"0.01\"\n";
  app::Program g = parse_ok(gbp);
  auto g_again = config::parse_program(config::to_toml(g), "printed.toml", "shop");
  ASSERT_TRUE(g_again) << g_again.error().message << "\n" << config::to_toml(g);
  EXPECT_EQ(*g_again, g);
  EXPECT_NE(config::to_toml(g).find("get = '0.05'"), std::string::npos) << config::to_toml(g);
}

TEST(ProgramFileRules, TheExampleProgramsParseAndRoundTrip) {
  for (const char* name : {"taiwan-fashion.toml", "points-store.toml", "online-retail-gbp.toml"}) {
    SCOPED_TRACE(name);
    auto p = config::parse_program(read_example(name), name, "example");
    ASSERT_TRUE(p) << p.error().field << ": " << p.error().message;
    EXPECT_FALSE(p->rules.earn.empty());
    auto again = config::parse_program(config::to_toml(*p), "printed.toml", "example");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message;
    EXPECT_EQ(*again, *p);
  }
}

TEST(ProgramFileRules, TheExampleProgramsSayWhatTheirCommentsSay) {
  auto tw = config::parse_program(read_example("taiwan-fashion.toml"), "tw", "tw");
  ASSERT_TRUE(tw) << tw.error().field << ": " << tw.error().message;
  ASSERT_EQ(tw->rules.earn.size(), 1u);
  const rules::EarnRule& rebate = tw->rules.earn[0];
  EXPECT_EQ(rebate.wallet, "credit");
  EXPECT_EQ(rebate.rate, (rules::Rate{rules::Rate::Kind::kSteps, 0, 1000, 50}));
  std::vector<rules::TierRate> tiers = {{"gold", {rules::Rate::Kind::kPercent, 500, 0, 0}},
                                        {"silver", {rules::Rate::Kind::kPercent, 300, 0, 0}},
                                        {"vip", {rules::Rate::Kind::kPercent, 800, 0, 0}}};
  EXPECT_EQ(rebate.tier_rates, tiers);
  EXPECT_TRUE(rebate.member_days);
  EXPECT_EQ(tw->rules.return_window_days, 7);
  EXPECT_EQ(tw->rules.earn_on, rules::EarnTrigger::kPaid);
  ASSERT_EQ(tw->rules.member_days.size(), 1u);
  EXPECT_EQ(tw->rules.member_days[0].day_of_month, 8);
  EXPECT_EQ(tw->rules.member_days[0].multiplier_bp, 20000);
  // 推薦好友: NT$100 of credit each side, 60 days, more than 10 a month to review.
  rules::ReferralRules referrals;
  referrals.wallet = "credit";
  referrals.referrer_amount = 100;
  referrals.referee_amount = 100;
  referrals.expires = ledger::ExpiryRule::days(60);
  referrals.review_over_per_month = 10;
  referrals.review_same_contact = true;
  EXPECT_EQ(tw->rules.referrals, referrals);
  // 雙11: double rebate from 11 November 2026 00:00 to 12 November 00:00
  // Taipei time, 10% held out, NT$200,000 of credit or 5,000 orders.
  ASSERT_EQ(tw->rules.campaigns.size(), 1u);
  const rules::Campaign& double11 = tw->rules.campaigns[0];
  EXPECT_EQ(double11.id, "double11");
  EXPECT_EQ(double11.starts, parse_instant("2026-11-10T16:00:00Z", nullptr, "test").value());
  EXPECT_EQ(double11.ends, parse_instant("2026-11-11T16:00:00Z", nullptr, "test").value());
  EXPECT_TRUE(double11.days_of_month.empty());
  EXPECT_TRUE(double11.weekdays.empty());
  EXPECT_EQ(double11.start_minute, 0);
  EXPECT_EQ(double11.end_minute, 24 * 60);
  EXPECT_TRUE(double11.tiers.empty()) << "every member";
  EXPECT_EQ(double11.max_purchases, -1);
  EXPECT_EQ(double11.multiplier_bp, 20000);
  EXPECT_EQ(double11.rules, std::vector<std::string>{"rebate"});
  EXPECT_FALSE(double11.exclusive);
  EXPECT_EQ(double11.holdout_bp, 1000);
  EXPECT_EQ(double11.wallet, "credit");
  EXPECT_EQ(double11.bonus, 0);
  EXPECT_EQ(double11.budget, (rules::Budget{200000, 5000}));

  auto uk = config::parse_program(read_example("online-retail-gbp.toml"), "uk", "uk");
  ASSERT_TRUE(uk) << uk.error().field << ": " << uk.error().message;
  EXPECT_EQ(uk->currency, "GBP");
  EXPECT_EQ(uk->time_zone, "Europe/London");
  ASSERT_EQ(uk->rules.earn.size(), 1u);
  EXPECT_EQ(uk->rules.earn[0].rate, (rules::Rate{rules::Rate::Kind::kSteps, 0, 1000, 50}));
  EXPECT_EQ(uk->rules.earn[0].tier_rates, tiers);
  EXPECT_EQ(uk->rules.member_days, tw->rules.member_days);
  // The same wallet policies, in pence.
  ASSERT_EQ(uk->wallets.size(), tw->wallets.size());
  for (std::size_t i = 0; i < uk->wallets.size(); ++i) {
    app::WalletConfig w = tw->wallets[i];
    if (w.name == "credit") {
      w.unit = "GBP";
      w.minor_digits = 2;
    }
    EXPECT_EQ(uk->wallets[i], w) << w.name;
  }

  auto points = config::parse_program(read_example("points-store.toml"), "pts", "pts");
  ASSERT_TRUE(points) << points.error().field << ": " << points.error().message;
  ASSERT_EQ(points->rules.earn.size(), 1u);
  EXPECT_EQ(points->rules.earn[0].wallet, "points");
  EXPECT_EQ(points->rules.earn[0].rate, (rules::Rate{rules::Rate::Kind::kPercent, 100, 0, 0}));
  // VIP (the paid membership): 2 points per NT$100.
  EXPECT_EQ(points->rules.earn[0].tier_rates,
            (std::vector<rules::TierRate>{{"vip", {rules::Rate::Kind::kPercent, 200, 0, 0}}}));
  EXPECT_EQ(points->wallets.at(0).minor_digits, 0);
  EXPECT_EQ(points->wallets.at(0).default_expiry,
            ledger::ExpiryRule::end_of(CalendarUnit::kYear, 1));
  // Replenishment reminders for skincare and pet food, 3 days ahead.
  ASSERT_TRUE(points->rules.replenishment);
  EXPECT_EQ(*points->rules.replenishment,
            (rules::Replenishment{3, 7, 7, {"skincare", "pet-food"}, {}}));
  EXPECT_FALSE(tw->rules.replenishment);
}

// ---- Tiers ----

// Every tier key (lines 6-29 after kHead): the third level leaves retain out.
constexpr const char* kTiers = R"([tiers]
basis = "paid_spend"
count_on = "completed"
window = "rolling_months"
window_months = 6
period_months = 24
downgrade = "to_qualifying"
warn_days = 14

[[tiers.levels]]
id = "regular"
name = "一般"
entry = 0

[[tiers.levels]]
id = "silver"
name = "銀卡"
entry = 3000
retain = 2000

[[tiers.levels]]
id = "gold"
name = "金卡"
entry = 10000
)";

// Two valid levels: 4 lines each.
constexpr const char* kTwoLevels =
    "[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\nentry = 0\n"
    "[[tiers.levels]]\nid = \"silver\"\nname = \"銀卡\"\nentry = 3000\n";

// [tiers] on line 6 with `settings` from line 7, then the two levels.
Error tiers_error(const std::string& settings) {
  return rule_error("[tiers]\n" + settings + kTwoLevels);
}

// A third level whose keys (`lines`) start on line 16.
Error level_error(const std::string& lines) {
  return rule_error(std::string("[tiers]\n") + kTwoLevels + "[[tiers.levels]]\n" + lines);
}

rules::TierLevel level(const char* id, const char* name, int64_t entry, int64_t retain,
                       const char* membership_sku = "", int64_t membership_months = 12) {
  return rules::TierLevel{id, name, entry, retain, membership_sku, membership_months};
}

TEST(ProgramFileTiers, ParsesEveryTierKey) {
  app::Program p = parse_ok(std::string(kHead) + kTiers);
  const rules::Tiers& t = p.rules.tiers;
  EXPECT_TRUE(t.enabled());
  EXPECT_EQ(t.basis, rules::Tiers::Basis::kPaidSpend);
  EXPECT_EQ(t.count_on, rules::Tiers::CountOn::kCompleted);
  EXPECT_EQ(t.window, rules::Tiers::Window::kRollingMonths);
  EXPECT_EQ(t.window_months, 6);
  EXPECT_EQ(t.period_months, 24);
  EXPECT_EQ(t.downgrade, rules::Tiers::Downgrade::kToQualifying);
  EXPECT_EQ(t.warn_days, 14);
  // A level without retain keeps its entry as retain; the first has none.
  EXPECT_EQ(t.levels, (std::vector<rules::TierLevel>{level("regular", "一般", 0, 0),
                                                     level("silver", "銀卡", 3000, 2000),
                                                     level("gold", "金卡", 10000, 10000)}));
}

TEST(ProgramFileTiers, DefaultsAndNoTiers) {
  app::Program p = parse_ok(std::string(kHead) + "[tiers]\n" + kTwoLevels);
  rules::Tiers expected;
  expected.levels = {level("regular", "一般", 0, 0), level("silver", "銀卡", 3000, 3000)};
  EXPECT_EQ(p.rules.tiers, expected);
  EXPECT_EQ(p.rules.tiers.basis, rules::Tiers::Basis::kPaidSpend);
  EXPECT_EQ(p.rules.tiers.count_on, rules::Tiers::CountOn::kPaid);
  EXPECT_EQ(p.rules.tiers.window, rules::Tiers::Window::kRollingMonths);
  EXPECT_EQ(p.rules.tiers.window_months, 12);
  EXPECT_EQ(p.rules.tiers.period_months, 12);
  EXPECT_EQ(p.rules.tiers.downgrade, rules::Tiers::Downgrade::kOneStep);
  EXPECT_EQ(p.rules.tiers.warn_days, 30);
  // Without [tiers] the program has none, and tier names elsewhere are
  // accepted as written (kRules names gold, silver, vip and 金卡).
  app::Program none = parse_ok(std::string(kHead) + kRules);
  EXPECT_FALSE(none.rules.tiers.enabled());
  EXPECT_EQ(none.rules.tiers, rules::Tiers{});
  // Every window; window_months only with rolling_months.
  struct Case {
    const char* text;
    rules::Tiers::Window window;
  };
  for (Case c : {Case{"lifetime", rules::Tiers::Window::kLifetime},
                 Case{"calendar_year", rules::Tiers::Window::kCalendarYear},
                 Case{"since_tier_start", rules::Tiers::Window::kSinceTierStart}}) {
    app::Program w =
        parse_ok(std::string(kHead) + "[tiers]\nwindow = \"" + c.text + "\"\n" + kTwoLevels);
    EXPECT_EQ(w.rules.tiers.window, c.window) << c.text;
  }
}

TEST(ProgramFileTiers, ValuesAreAmountsOfTheCurrencyOrWholeOrderCounts) {
  const std::string gbp =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[tiers]\n";
  const std::string levels =
      "[[tiers.levels]]\nid = \"regular\"\nname = \"Regular\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"silver\"\nname = \"Silver\"\nentry = \"300.50\"\nretain = 200\n";
  app::Program p = parse_ok(gbp + levels);
  ASSERT_EQ(p.rules.tiers.levels.size(), 2u);
  EXPECT_EQ(p.rules.tiers.levels[1].entry, 30050);  // pence
  EXPECT_EQ(p.rules.tiers.levels[1].retain, 20000);
  // Pence are the limit of GBP; the error names the currency (line 13).
  Error e = parse_error(gbp +
                        "[[tiers.levels]]\nid = \"regular\"\nname = \"R\"\nentry = 0\n"
                        "[[tiers.levels]]\nid = \"silver\"\nname = \"S\"\n"
                        "entry = \"300.505\"\n");
  EXPECT_EQ(e.field, "shop.toml:13:9: tiers.levels.silver.entry");
  EXPECT_NE(e.message.find("GBP has 2 decimal places"), std::string::npos) << e.message;
  // order_count: plain whole numbers of orders, in any currency.
  app::Program c = parse_ok(gbp + "basis = \"order_count\"\n" +
                            "[[tiers.levels]]\nid = \"new\"\nname = \"New\"\nentry = 0\n"
                            "[[tiers.levels]]\nid = \"loyal\"\nname = \"Loyal\"\nentry = 5\n"
                            "retain = 3\n");
  EXPECT_EQ(c.rules.tiers.basis, rules::Tiers::Basis::kOrderCount);
  EXPECT_EQ(c.rules.tiers.levels, (std::vector<rules::TierLevel>{level("new", "New", 0, 0),
                                                                 level("loyal", "Loyal", 5, 3)}));
  // 3000 orders is a valid entry too.
  EXPECT_EQ(parse_ok(std::string(kHead) + "[tiers]\nbasis = \"order_count\"\n" + kTwoLevels)
                .rules.tiers.levels.at(1)
                .entry,
            3000);
  e = rule_error(
      "[tiers]\nbasis = \"order_count\"\n[[tiers.levels]]\nid = \"a\"\nname = \"A\"\n"
      "entry = 0\n[[tiers.levels]]\nid = \"b\"\nname = \"B\"\nentry = \"5\"\n");
  EXPECT_EQ(e.field, "shop.toml:15:9: tiers.levels.b.entry");
  EXPECT_NE(e.message.find("whole number"), std::string::npos) << e.message;
  e = rule_error(
      "[tiers]\nbasis = \"order_count\"\n[[tiers.levels]]\nid = \"a\"\nname = \"A\"\n"
      "entry = 0\n[[tiers.levels]]\nid = \"b\"\nname = \"B\"\nentry = 1000001\n");
  EXPECT_EQ(e.field, "shop.toml:15:9: tiers.levels.b.entry");
  EXPECT_NE(e.message.find("between 0 and 1000000"), std::string::npos) << e.message;
}

TEST(ProgramFileTiers, SettingsAreChecked) {
  Error e = parse_error("tiers = 1\n" + std::string(kHead));
  EXPECT_EQ(e.field, "shop.toml:1:9: tiers");
  EXPECT_NE(e.message.find("must be a table"), std::string::npos) << e.message;
  e = tiers_error("colour = \"gold\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:1: tiers.colour");
  EXPECT_NE(e.message.find("is not a known key"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("warn_days"), std::string::npos) << e.message;
  e = tiers_error("basis = \"points_earned\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:9: tiers.basis");
  EXPECT_EQ(e.message, "must be \"paid_spend\" or \"order_count\"");
  e = tiers_error("count_on = \"fulfilled\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:12: tiers.count_on");
  EXPECT_EQ(e.message, "must be \"paid\" or \"completed\"");
  e = tiers_error("window = \"rolling\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:10: tiers.window");
  EXPECT_EQ(e.message,
            "must be \"lifetime\", \"calendar_year\", \"rolling_months\" or \"since_tier_start\"");
  e = tiers_error("downgrade = \"two_steps\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:13: tiers.downgrade");
  EXPECT_EQ(e.message, "must be \"one_step\" or \"to_qualifying\"");
  e = tiers_error("downgrade = 1\n");
  EXPECT_EQ(e.field, "shop.toml:7:13: tiers.downgrade");
  EXPECT_NE(e.message.find("must be a string"), std::string::npos) << e.message;
  for (const char* bad : {"window_months = 0\n", "window_months = 121\n"}) {
    e = tiers_error(bad);
    EXPECT_EQ(e.field, "shop.toml:7:17: tiers.window_months") << bad;
    EXPECT_NE(e.message.find("between 1 and 120"), std::string::npos) << e.message;
  }
  e = tiers_error("window = \"lifetime\"\nwindow_months = 12\n");
  EXPECT_EQ(e.field, "shop.toml:8:17: tiers.window_months");
  EXPECT_NE(e.message.find("only applies to window = \"rolling_months\" (window is \"lifetime\")"),
            std::string::npos)
      << e.message;
  e = tiers_error("window_months = 12\nwindow = \"calendar_year\"\n");  // in any order
  EXPECT_EQ(e.field, "shop.toml:7:17: tiers.window_months");
  for (const char* bad : {"period_months = 0\n", "period_months = 121\n"}) {
    e = tiers_error(bad);
    EXPECT_EQ(e.field, "shop.toml:7:17: tiers.period_months") << bad;
    EXPECT_NE(e.message.find("between 1 and 120"), std::string::npos) << e.message;
  }
  for (const char* bad : {"warn_days = -1\n", "warn_days = 366\n"}) {
    e = tiers_error(bad);
    EXPECT_EQ(e.field, "shop.toml:7:13: tiers.warn_days") << bad;
    EXPECT_NE(e.message.find("between 0 and 365"), std::string::npos) << e.message;
  }
  e = tiers_error("warn_days = 1.5\n");
  EXPECT_NE(e.message.find("whole number"), std::string::npos) << e.message;
}

TEST(ProgramFileTiers, LevelsAreTwoToSixteen) {
  Error e = rule_error("[tiers]\nbasis = \"paid_spend\"\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: tiers.levels");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = rule_error("[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\nentry = 0\n");
  EXPECT_EQ(e.field, "shop.toml:7:1: tiers.levels");  // the first [[tiers.levels]]
  EXPECT_NE(e.message.find("2 to 16"), std::string::npos) << e.message;
  std::string many = "[tiers]\n";
  for (int i = 0; i < 17; ++i) {
    many += "[[tiers.levels]]\nid = \"t" + std::to_string(i) +
            "\"\nname = \"T\"\nentry = " + std::to_string(i * 100) + "\n";
  }
  e = rule_error(many);
  EXPECT_EQ(e.field, "shop.toml:7:1: tiers.levels");
  EXPECT_NE(e.message.find("more than 16"), std::string::npos) << e.message;
  many.erase(many.rfind("[[tiers.levels]]"));  // 16 levels are fine
  EXPECT_EQ(parse_ok(kHead + many).rules.tiers.levels.size(), 16u);
  e = rule_error("[tiers]\nlevels = [\"regular\", \"silver\"]\n");
  EXPECT_EQ(e.field, "shop.toml:7:11: tiers.levels[0]");
  EXPECT_NE(e.message.find("must be a table"), std::string::npos) << e.message;
  e = rule_error("[tiers]\nlevels = \"regular\"\n");
  EXPECT_EQ(e.field, "shop.toml:7:10: tiers.levels");
  EXPECT_NE(e.message.find("array of tables"), std::string::npos) << e.message;
}

TEST(ProgramFileTiers, LevelIdsNamesEntriesAndRetainAreChecked) {
  Error e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 10000\nperks = [\"x\"]\n");
  EXPECT_EQ(e.field, "shop.toml:19:1: tiers.levels.gold.perks");
  EXPECT_NE(e.message.find("is not a known key (known: id, name, entry, retain, membership_sku, "
                           "membership_months)"),
            std::string::npos)
      << e.message;
  e = level_error("name = \"金卡\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:15:1: tiers.levels[2].id");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = level_error("id = \"Gold\"\nname = \"金卡\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:16:6: tiers.levels[2].id");
  EXPECT_NE(e.message.find("a tier id is 1 to 32 of a-z, 0-9 and _"), std::string::npos);
  e = level_error("id = \"金卡\"\nname = \"金卡\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:16:6: tiers.levels[2].id");
  e = level_error("id = \"" + std::string(33, 'g') + "\"\nname = \"G\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:16:6: tiers.levels[2].id");
  e = level_error("id = \"silver\"\nname = \"Silver again\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:16:6: tiers.levels[2].id");
  EXPECT_NE(e.message.find("'silver' is already the id of tiers.levels[1]"), std::string::npos)
      << e.message;
  e = level_error("id = \"gold\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:15:1: tiers.levels.gold.name");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = level_error("id = \"gold\"\nname = \"\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:17:8: tiers.levels.gold.name");
  EXPECT_NE(e.message.find("1 to 64 bytes"), std::string::npos) << e.message;
  // 22 CJK characters are 66 bytes; 21 (63 bytes) are fine.
  std::string long_name;
  for (int i = 0; i < 22; ++i) long_name += "金";
  e = level_error("id = \"gold\"\nname = \"" + long_name + "\"\nentry = 10000\n");
  EXPECT_EQ(e.field, "shop.toml:17:8: tiers.levels.gold.name");
  long_name.resize(63);
  EXPECT_EQ(
      parse_ok(std::string(kHead) + "[tiers]\n" + kTwoLevels +
               "[[tiers.levels]]\nid = \"gold\"\nname = \"" + long_name + "\"\nentry = 10000\n")
          .rules.tiers.levels.at(2)
          .name,
      long_name);
  e = level_error("id = \"gold\"\nname = \"金卡\"\n");
  EXPECT_EQ(e.field, "shop.toml:15:1: tiers.levels.gold.entry");
  EXPECT_NE(e.message.find("is required: the paid spend, in TWD"), std::string::npos) << e.message;
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 3000\n");  // = silver's
  EXPECT_EQ(e.field, "shop.toml:18:9: tiers.levels.gold.entry");
  EXPECT_NE(e.message.find("must be more than the entry of tiers.levels.silver (3000)"),
            std::string::npos)
      << e.message;
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 2999\n");
  EXPECT_EQ(e.field, "shop.toml:18:9: tiers.levels.gold.entry");
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = -1\n");
  EXPECT_EQ(e.field, "shop.toml:18:9: tiers.levels.gold.entry");
  EXPECT_NE(e.message.find("negative"), std::string::npos) << e.message;
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 10000\nretain = 10001\n");
  EXPECT_EQ(e.field, "shop.toml:19:10: tiers.levels.gold.retain");
  EXPECT_NE(e.message.find("must not be more than the level's entry (10000)"), std::string::npos)
      << e.message;
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 10000\nretain = -5\n");
  EXPECT_EQ(e.field, "shop.toml:19:10: tiers.levels.gold.retain");
  EXPECT_NE(e.message.find("negative"), std::string::npos) << e.message;
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 10000\nretain = 0.5\n");
  EXPECT_EQ(e.field, "shop.toml:19:10: tiers.levels.gold.retain");
  // The first level: entry 0, no retain (0 is accepted).
  e = rule_error(
      "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\nentry = 100\n"
      "[[tiers.levels]]\nid = \"silver\"\nname = \"銀卡\"\nentry = 3000\n");
  EXPECT_EQ(e.field, "shop.toml:10:9: tiers.levels.regular.entry");
  EXPECT_NE(e.message.find("must be 0"), std::string::npos) << e.message;
  e = rule_error(
      "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\nentry = 0\n"
      "retain = 1\n[[tiers.levels]]\nid = \"silver\"\nname = \"銀卡\"\nentry = 3000\n");
  EXPECT_EQ(e.field, "shop.toml:11:10: tiers.levels.regular.retain");
  EXPECT_NE(e.message.find("the first level cannot be lost"), std::string::npos) << e.message;
  app::Program zero = parse_ok(std::string(kHead) +
                               "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\n"
                               "entry = 0\nretain = 0\n[[tiers.levels]]\nid = \"silver\"\n"
                               "name = \"銀卡\"\nentry = 3000\nretain = 0\n");
  EXPECT_EQ(zero.rules.tiers.levels.at(0).retain, 0);
  EXPECT_EQ(zero.rules.tiers.levels.at(1).retain, 0);  // a tier that is never lost
}

// Paid membership (付費會員): regular, a paid-only vip (line 15 on), then gold
// on spend above it.
constexpr const char* kPaidTiers = R"([tiers]
[[tiers.levels]]
id = "regular"
name = "一般"
entry = 0
[[tiers.levels]]
id = "silver"
name = "銀卡"
entry = 3000
[[tiers.levels]]
id = "vip"
name = "VIP"
membership_sku = "VIP-1Y"
[[tiers.levels]]
id = "gold"
name = "金卡"
entry = 10000
retain = 8000
membership_sku = "GOLD-6M"
membership_months = 6
)";

TEST(ProgramFileTiers, PaidMembershipLevels) {
  app::Program p = parse_ok(std::string(kHead) + kPaidTiers);
  // Without entry the level is paid-only and, without retain, cannot be kept
  // by spend; membership_months defaults to 12. A level spend reaches may be
  // bought too, and its entry only has to be above the last level spend
  // reaches (silver), not above the paid-only one.
  EXPECT_EQ(p.rules.tiers.levels,
            (std::vector<rules::TierLevel>{
                level("regular", "一般", 0, 0), level("silver", "銀卡", 3000, 3000),
                level("vip", "VIP", rules::kPaidOnlyEntry, rules::kPaidOnlyEntry, "VIP-1Y", 12),
                level("gold", "金卡", 10000, 8000, "GOLD-6M", 6)}));
  // A paid-only level may keep a retain: spend then keeps it at the anniversary.
  app::Program kept = parse_ok(std::string(kHead) + "[tiers]\n" + kTwoLevels +
                               "[[tiers.levels]]\nid = \"vip\"\nname = \"VIP\"\n"
                               "membership_sku = \"VIP-1Y\"\nretain = 50000\n"
                               "membership_months = 120\n");
  EXPECT_EQ(kept.rules.tiers.levels.at(2),
            level("vip", "VIP", rules::kPaidOnlyEntry, 50000, "VIP-1Y", 120));
  // Paid-only levels may sit anywhere above the first, one after another too;
  // 128 bytes of SKU are fine.
  const std::string sku(128, 'S');
  const std::string first =
      "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"R\"\n"
      "entry = 0\n[[tiers.levels]]\nid = \"a\"\nname = \"A\"\n";
  const std::string rest =
      "[[tiers.levels]]\nid = \"b\"\nname = \"B\"\n"
      "membership_sku = \"B\"\n[[tiers.levels]]\nid = \"c\"\n"
      "name = \"C\"\nentry = 1\n";
  app::Program low =
      parse_ok(std::string(kHead) + first + "membership_sku = \"" + sku + "\"\n" + rest);
  ASSERT_EQ(low.rules.tiers.levels.size(), 4u);
  EXPECT_EQ(low.rules.tiers.levels[1].entry, rules::kPaidOnlyEntry);
  EXPECT_EQ(low.rules.tiers.levels[1].membership_sku, sku);
  EXPECT_EQ(low.rules.tiers.levels[2].entry, rules::kPaidOnlyEntry);
  EXPECT_EQ(low.rules.tiers.levels[3].entry, 1);
  // Under order_count too.
  app::Program count =
      parse_ok(std::string(kHead) + "[tiers]\nbasis = \"order_count\"\n" + kTwoLevels +
               "[[tiers.levels]]\nid = \"vip\"\nname = \"VIP\"\n"
               "membership_sku = \"VIP-1Y\"\n");
  EXPECT_EQ(count.rules.tiers.levels.at(2).entry, rules::kPaidOnlyEntry);
}

TEST(ProgramFileTiers, PaidMembershipKeysAreChecked) {
  // The third level's keys start on line 16.
  Error e = level_error("id = \"vip\"\nname = \"VIP\"\nmembership_sku = \"\"\n");
  EXPECT_EQ(e.field, "shop.toml:18:18: tiers.levels.vip.membership_sku");
  EXPECT_NE(e.message.find("must be 1 to 128 bytes"), std::string::npos) << e.message;
  e = level_error("id = \"vip\"\nname = \"VIP\"\nmembership_sku = \"" + std::string(129, 'S') +
                  "\"\n");
  EXPECT_EQ(e.field, "shop.toml:18:18: tiers.levels.vip.membership_sku");
  EXPECT_NE(e.message.find("must be 1 to 128 bytes"), std::string::npos) << e.message;
  e = level_error("id = \"vip\"\nname = \"VIP\"\nmembership_sku = 399\n");
  EXPECT_EQ(e.field, "shop.toml:18:18: tiers.levels.vip.membership_sku");
  EXPECT_NE(e.message.find("must be a string"), std::string::npos) << e.message;
  for (const char* bad : {"0", "121", "-12"}) {
    e = level_error(std::string("id = \"vip\"\nname = \"VIP\"\nmembership_sku = \"V\"\n") +
                    "membership_months = " + bad + "\n");
    EXPECT_EQ(e.field, "shop.toml:19:21: tiers.levels.vip.membership_months") << bad;
    EXPECT_NE(e.message.find("between 1 and 120"), std::string::npos) << e.message;
  }
  e = level_error(
      "id = \"vip\"\nname = \"VIP\"\nmembership_sku = \"V\"\nmembership_months = 1.5\n");
  EXPECT_NE(e.message.find("whole number"), std::string::npos) << e.message;
  // membership_months only with membership_sku.
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 10000\nmembership_months = 12\n");
  EXPECT_EQ(e.field, "shop.toml:19:21: tiers.levels.gold.membership_months");
  EXPECT_NE(e.message.find("only applies with membership_sku"), std::string::npos) << e.message;
  // Without membership_sku, entry is required (as before).
  e = level_error("id = \"vip\"\nname = \"VIP\"\n");
  EXPECT_EQ(e.field, "shop.toml:15:1: tiers.levels.vip.entry");
  EXPECT_NE(e.message.find("is required: the paid spend, in TWD"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("membership_sku"), std::string::npos) << e.message;
  // The first level cannot be bought, let alone be paid-only.
  for (const char* entry : {"", "entry = 0\n"}) {
    e = rule_error(std::string("[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"一般\"\n") +
                   entry + "membership_sku = \"REG\"\n" +
                   "[[tiers.levels]]\nid = \"silver\"\nname = \"銀卡\"\nentry = 3000\n");
    EXPECT_EQ(e.field, std::string("shop.toml:") + (*entry ? "11" : "10") +
                           ":18: tiers.levels.regular.membership_sku")
        << entry;
    EXPECT_NE(e.message.find("the first level cannot be bought"), std::string::npos) << e.message;
  }
  // Two levels may not share a SKU (the second is at fault).
  e = rule_error(std::string("[tiers]\n") + kTwoLevels +
                 "[[tiers.levels]]\nid = \"vip\"\nname = \"VIP\"\nmembership_sku = \"M-1Y\"\n"
                 "[[tiers.levels]]\nid = \"gold\"\nname = \"金卡\"\nentry = 10000\n"
                 "membership_sku = \"M-1Y\"\n");
  EXPECT_EQ(e.field, "shop.toml:23:18: tiers.levels.gold.membership_sku");
  EXPECT_NE(e.message.find("'M-1Y' is already the membership_sku of tiers.levels.vip"),
            std::string::npos)
      << e.message;
  // The entries of the levels spend reaches still ascend, paid-only levels
  // left out: gold is compared with silver.
  e = rule_error(std::string("[tiers]\n") + kTwoLevels +
                 "[[tiers.levels]]\nid = \"vip\"\nname = \"VIP\"\nmembership_sku = \"V\"\n"
                 "[[tiers.levels]]\nid = \"gold\"\nname = \"金卡\"\nentry = 3000\n");
  EXPECT_EQ(e.field, "shop.toml:22:9: tiers.levels.gold.entry");
  EXPECT_NE(e.message.find("must be more than the entry of tiers.levels.silver (3000)"),
            std::string::npos)
      << e.message;
  // With membership_sku an entry given follows the usual rules.
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 2000\nmembership_sku = \"G\"\n");
  EXPECT_EQ(e.field, "shop.toml:18:9: tiers.levels.gold.entry");
  EXPECT_NE(e.message.find("must be more than the entry of tiers.levels.silver"), std::string::npos)
      << e.message;
  e = level_error(
      "id = \"gold\"\nname = \"金卡\"\nentry = 10000\nretain = 20000\nmembership_sku = \"G\"\n");
  EXPECT_EQ(e.field, "shop.toml:19:10: tiers.levels.gold.retain");
  // The paid-only value itself cannot be written as an entry (amounts stop
  // at limits::kAmountMax), so printing can leave it out.
  e = level_error("id = \"gold\"\nname = \"金卡\"\nentry = 9223372036854775807\n");
  EXPECT_EQ(e.field, "shop.toml:18:9: tiers.levels.gold.entry");
  EXPECT_NE(e.message.find("amount is too large"), std::string::npos) << e.message;
}

TEST(ProgramFileTiers, PrintedPaidMembershipParsesBackToTheSameProgram) {
  std::vector<std::string> files = {
      std::string(kHead) + kPaidTiers,
      std::string(kHead) + "[tiers]\nbasis = \"order_count\"\n" + kTwoLevels +
          "[[tiers.levels]]\nid = \"vip\"\nname = \"VIP\"\nmembership_sku = \"VIP-1Y\"\n"
          "retain = 12\nmembership_months = 24\n",
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[tiers]\n"
      "[[tiers.levels]]\nid = \"r\"\nname = \"R\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"v\"\nname = \"V\"\nmembership_sku = \"V\"\nretain = \"0.5\"\n"
      "[[tiers.levels]]\nid = \"s\"\nname = \"S\"\nentry = \"300.5\"\n"};
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    app::Program p = parse_ok(file);
    std::string text = config::to_toml(p);
    auto again = config::parse_program(text, "printed.toml", "shop");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
    EXPECT_EQ(*again, p);
    EXPECT_TRUE(app::setting_changes(p, *again).empty());
    EXPECT_EQ(config::to_toml(*again), text);
    // The paid-only value is never printed.
    EXPECT_EQ(text.find("9223372036854775807"), std::string::npos) << text;
  }
  // Membership keys only when set; a paid-only level has no entry or retain,
  // and membership_months is printed with its SKU even at the default.
  std::string text = config::to_toml(parse_ok(std::string(kHead) + kPaidTiers));
  EXPECT_NE(text.find("membership_sku = 'VIP-1Y'"), std::string::npos) << text;
  EXPECT_NE(text.find("membership_months = 12"), std::string::npos) << text;
  EXPECT_EQ(config::to_toml(parse_ok(std::string(kHead) + kTiers)).find("membership"),
            std::string::npos);
  auto vip = text.find("id = 'vip'");
  ASSERT_NE(vip, std::string::npos) << text;
  auto next = text.find("[[tiers.levels]]", vip);
  std::string block = text.substr(vip, next - vip);
  EXPECT_EQ(block.find("entry"), std::string::npos) << block;
  EXPECT_EQ(block.find("retain"), std::string::npos) << block;
}

TEST(ProgramSettings, PaidMembershipSettings) {
  app::Program a = parse_ok(std::string(kHead) + kPaidTiers);
  auto settings = app::program_settings(a);
  EXPECT_EQ(settings.at("tiers.levels.vip.entry"), "paid only");
  EXPECT_EQ(settings.at("tiers.levels.vip.retain"), "paid only");
  EXPECT_EQ(settings.at("tiers.levels.vip.above"), "silver");
  EXPECT_EQ(settings.at("tiers.levels.vip.membership_sku"), "VIP-1Y");
  EXPECT_EQ(settings.at("tiers.levels.vip.membership_months"), "12");
  EXPECT_EQ(settings.at("tiers.levels.gold.entry"), "10000");
  EXPECT_EQ(settings.count("tiers.levels.gold.above"), 0u);
  EXPECT_EQ(settings.at("tiers.levels.gold.membership_sku"), "GOLD-6M");
  EXPECT_EQ(settings.at("tiers.levels.gold.membership_months"), "6");
  EXPECT_EQ(settings.count("tiers.levels.silver.membership_sku"), 0u);
  EXPECT_EQ(settings.count("tiers.levels.silver.membership_months"), 0u);

  // Moving the paid-only level changes no entry, but is a change.
  app::Program b = a;
  std::swap(b.rules.tiers.levels[1], b.rules.tiers.levels[2]);  // vip below silver
  auto changes = app::setting_changes(a, b);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "tiers.levels.vip.above");
  EXPECT_EQ(*changes[0].before, "silver");
  EXPECT_EQ(*changes[0].after, "regular");

  // Selling a level spend reaches: the membership keys appear.
  app::Program c = a;
  c.rules.tiers.levels[1].membership_sku = "SILVER-1Y";
  c.rules.tiers.levels[2].membership_months = 24;
  changes = app::setting_changes(a, c);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].key, "tiers.levels.silver.membership_months");
  EXPECT_FALSE(changes[0].before);
  EXPECT_EQ(*changes[0].after, "12");
  EXPECT_EQ(changes[1].key, "tiers.levels.silver.membership_sku");
  EXPECT_EQ(changes[2].key, "tiers.levels.vip.membership_months");
  EXPECT_EQ(*changes[2].after, "24");
}

TEST(ProgramFileTiers, TierNamesElsewhereMustBeLevelIdsOnceTiersExist) {
  // kRules' rebate rule (tier_rates on line 40) names vip and 金卡, which kTiers
  // has not; a TOML table is read in key order, so vip is reported first.
  Error e = parse_error(std::string(kHead) + kTiers + kRules);
  EXPECT_EQ(e.field, "shop.toml:40:46: earning.rules.rebate.tier_rates.vip");
  EXPECT_NE(e.message.find("is not a level id of [tiers] (levels: regular, silver, gold)"),
            std::string::npos)
      << e.message;
  e = parse_error(std::string(kHead) + kTiers +
                  "[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"1%\"\n"
                  "tier_rates = { silver = \"3%\", platinum = \"9%\" }\n");
  EXPECT_EQ(e.field, "shop.toml:34:31: earning.rules.r.tier_rates.platinum");
  e = parse_error(std::string(kHead) + kTiers +
                  "[[member_days]]\nid = \"d\"\nday_of_month = 8\nmultiplier = \"2x\"\n"
                  "tiers = [\"gold\", \"vip\"]\n");
  EXPECT_EQ(e.field, "shop.toml:34:18: member_days.d.tiers[1]");
  EXPECT_NE(e.message.find("is not a level id of [tiers]"), std::string::npos) << e.message;
  // Level ids, the first level's included, are fine.
  app::Program p = parse_ok(std::string(kHead) + kTiers +
                            "[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"1%\"\n"
                            "tier_rates = { regular = \"1.5%\", gold = \"5%\" }\n"
                            "[[member_days]]\nid = \"d\"\nday_of_month = 8\nmultiplier = \"2x\"\n"
                            "tiers = [\"silver\", \"gold\"]\n");
  ASSERT_EQ(p.rules.earn.size(), 1u);
  EXPECT_EQ(p.rules.earn[0].tier_rates.size(), 2u);
  ASSERT_EQ(p.rules.member_days.size(), 1u);
  EXPECT_EQ(p.rules.member_days[0].tiers, (std::vector<std::string>{"silver", "gold"}));
}

TEST(ProgramFileTiers, PrintedTiersParseBackToTheSameProgram) {
  std::vector<std::string> files = {
      std::string(kHead) + kTiers, std::string(kHead) + "[tiers]\n" + kTwoLevels,
      std::string(kHead) + "[tiers]\nwindow = \"since_tier_start\"\n" + kTwoLevels,
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[tiers]\n"
      "window = \"calendar_year\"\n"
      "[[tiers.levels]]\nid = \"r\"\nname = \"R\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"s\"\nname = \"S\"\nentry = \"300.5\"\nretain = \"0.01\"\n",
      std::string(kHead) + "[tiers]\nbasis = \"order_count\"\nwindow = \"lifetime\"\n" +
          kTwoLevels};
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    app::Program p = parse_ok(file);
    ASSERT_TRUE(p.rules.tiers.enabled());
    std::string text = config::to_toml(p);
    auto again = config::parse_program(text, "printed.toml", "shop");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
    EXPECT_EQ(*again, p);
    EXPECT_TRUE(app::setting_changes(p, *again).empty());
    EXPECT_EQ(config::to_toml(*again), text);
  }
  // Without tiers nothing is printed for them.
  EXPECT_EQ(config::to_toml(parse_ok(kHead)).find("tiers"), std::string::npos);
}

TEST(ProgramFileTiers, TheExamplesHaveTheirTiers) {
  auto tw = config::parse_program(read_example("taiwan-fashion.toml"), "tw", "tw");
  ASSERT_TRUE(tw) << tw.error().field << ": " << tw.error().message;
  rules::Tiers expected;
  expected.basis = rules::Tiers::Basis::kPaidSpend;
  expected.count_on = rules::Tiers::CountOn::kPaid;
  expected.window = rules::Tiers::Window::kRollingMonths;
  expected.window_months = 12;
  expected.period_months = 12;
  expected.downgrade = rules::Tiers::Downgrade::kOneStep;
  expected.warn_days = 30;
  expected.levels = {level("regular", "一般", 0, 0), level("silver", "銀卡", 3000, 2000),
                     level("gold", "金卡", 10000, 8000), level("vip", "VIP", 30000, 25000)};
  EXPECT_EQ(tw->rules.tiers, expected);

  auto uk = config::parse_program(read_example("online-retail-gbp.toml"), "uk", "uk");
  ASSERT_TRUE(uk) << uk.error().field << ": " << uk.error().message;
  expected.levels = {level("regular", "Regular", 0, 0), level("silver", "Silver", 30000, 20000),
                     level("gold", "Gold", 100000, 80000), level("vip", "VIP", 300000, 250000)};
  EXPECT_EQ(uk->rules.tiers, expected);  // pence

  // 一般, and a VIP only the membership SKU VIP-1Y buys, 12 months a unit.
  auto points = config::parse_program(read_example("points-store.toml"), "pts", "pts");
  ASSERT_TRUE(points) << points.error().field << ": " << points.error().message;
  expected.window = rules::Tiers::Window::kLifetime;
  expected.levels = {level("regular", "一般", 0, 0), level("vip", "VIP", rules::kPaidOnlyEntry,
                                                           rules::kPaidOnlyEntry, "VIP-1Y", 12)};
  EXPECT_EQ(points->rules.tiers, expected);
}

TEST(ProgramSettings, TierChangesAreNamedByLevelAndKey) {
  app::Program a = parse_ok(std::string(kHead) + kTiers);
  auto settings = app::program_settings(a);
  EXPECT_EQ(settings.at("tiers.basis"), "paid_spend");
  EXPECT_EQ(settings.at("tiers.count_on"), "completed");
  EXPECT_EQ(settings.at("tiers.window"), "rolling_months");
  EXPECT_EQ(settings.at("tiers.window_months"), "6");
  EXPECT_EQ(settings.at("tiers.period_months"), "24");
  EXPECT_EQ(settings.at("tiers.downgrade"), "to_qualifying");
  EXPECT_EQ(settings.at("tiers.warn_days"), "14");
  EXPECT_EQ(settings.at("tiers.levels.regular.name"), "一般");
  EXPECT_EQ(settings.at("tiers.levels.regular.entry"), "0");
  EXPECT_EQ(settings.count("tiers.levels.regular.retain"), 0u);
  EXPECT_EQ(settings.at("tiers.levels.silver.entry"), "3000");
  EXPECT_EQ(settings.at("tiers.levels.silver.retain"), "2000");
  EXPECT_EQ(settings.at("tiers.levels.gold.retain"), "10000");
  // No tiers: no tier keys.
  for (const auto& [key, value] : app::program_settings(parse_ok(kHead))) {
    EXPECT_NE(key.rfind("tiers.", 0), 0u) << key;
  }

  app::Program b = a;
  b.rules.tiers.window = rules::Tiers::Window::kLifetime;  // window_months goes away
  b.rules.tiers.levels[1].entry = 5000;
  b.rules.tiers.levels.push_back(level("vip", "VIP", 30000, 25000));
  auto changes = app::setting_changes(a, b);
  ASSERT_EQ(changes.size(), 6u);
  EXPECT_EQ(changes[0].key, "tiers.levels.silver.entry");
  EXPECT_EQ(*changes[0].before, "3000");
  EXPECT_EQ(*changes[0].after, "5000");
  EXPECT_EQ(changes[1].key, "tiers.levels.vip.entry");
  EXPECT_FALSE(changes[1].before);
  EXPECT_EQ(changes[2].key, "tiers.levels.vip.name");
  EXPECT_EQ(changes[3].key, "tiers.levels.vip.retain");
  EXPECT_EQ(changes[4].key, "tiers.window");
  EXPECT_EQ(*changes[4].after, "lifetime");
  EXPECT_EQ(changes[5].key, "tiers.window_months");
  EXPECT_FALSE(changes[5].after);

  // Amounts in the currency's decimals, like other spend amounts; counts as integers.
  app::Program g = parse_ok(
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[tiers]\n"
      "[[tiers.levels]]\nid = \"r\"\nname = \"R\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"s\"\nname = \"S\"\nentry = 300\nretain = \"200.5\"\n");
  auto gs = app::program_settings(g);
  EXPECT_EQ(gs.at("tiers.levels.s.entry"), "300.00");
  EXPECT_EQ(gs.at("tiers.levels.s.retain"), "200.50");
  g.rules.tiers.basis = rules::Tiers::Basis::kOrderCount;
  EXPECT_EQ(app::program_settings(g).at("tiers.levels.s.entry"), "30000");
}

TEST(ProgramSettings, RuleChangesAreNamedByRuleAndKey) {
  app::Program a = parse_ok(std::string(kHead) + kRules);
  auto settings = app::program_settings(a);
  EXPECT_EQ(settings.at("earning.earn_on"), "fulfilled");
  EXPECT_EQ(settings.at("earning.rules.rebate.every"), "1000");
  EXPECT_EQ(settings.at("earning.rules.rebate.tier_rates.gold"), "0.5%");
  EXPECT_EQ(settings.at("earning.rules.rebate.tier_rates.vip"), "{ every = 500, get = 40 }");
  EXPECT_EQ(settings.at("earning.rules.rebate.exclude_categories"), "[\"gift_card\", \"deposit\"]");
  EXPECT_EQ(settings.at("earning.rules.rebate.multipliers.brand.acme"), "1.5x");
  EXPECT_EQ(settings.at("earning.rules.points.rate"), "1%");
  EXPECT_EQ(settings.at("member_days.vip_saturday.weekday"), "sat");
  EXPECT_EQ(settings.at("member_days.vip_saturday.tiers"), "[\"gold\", \"vip\"]");

  app::Program b = a;
  b.rules.earn[1].rate.bp = 150;
  b.rules.earn[0].multipliers.pop_back();                  // sku SAMPLE
  b.rules.earn[0].tier_rates[1].rate.bp = 400;             // silver
  b.rules.member_days.erase(b.rules.member_days.begin());  // day8
  b.rules.return_window_days = 14;
  auto changes = app::setting_changes(a, b);
  ASSERT_EQ(changes.size(), 7u);
  EXPECT_EQ(changes[0].key, "earning.return_window_days");
  EXPECT_EQ(changes[1].key, "earning.rules.points.rate");
  EXPECT_EQ(*changes[1].before, "1%");
  EXPECT_EQ(*changes[1].after, "1.5%");
  EXPECT_EQ(changes[2].key, "earning.rules.rebate.multipliers.sku.SAMPLE");
  EXPECT_FALSE(changes[2].after);
  EXPECT_EQ(changes[3].key, "earning.rules.rebate.tier_rates.silver");
  EXPECT_EQ(*changes[3].after, "4%");
  EXPECT_EQ(changes[4].key, "member_days.day8.day_of_month");
  EXPECT_EQ(changes[5].key, "member_days.day8.multiplier");
  EXPECT_EQ(changes[6].key, "member_days.day8.tiers");
  EXPECT_FALSE(changes[6].after);

  // Switching a rule from a percent to steps removes one key and adds two.
  app::Program c = a;
  c.rules.earn[1].rate = rules::Rate{rules::Rate::Kind::kSteps, 0, 100, 1};
  changes = app::setting_changes(a, c);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].key, "earning.rules.points.every");
  EXPECT_EQ(changes[1].key, "earning.rules.points.get");
  EXPECT_EQ(changes[2].key, "earning.rules.points.rate");
  EXPECT_FALSE(changes[2].after);
}

}  // namespace
}  // namespace patron
