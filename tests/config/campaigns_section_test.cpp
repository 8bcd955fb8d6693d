// Campaigns ([[campaigns]]) in program files: what parses, the defaults,
// times local to the program time zone, what is refused (file:line:column
// and key), printing (parse(to_toml(p)) == p), and the settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"
#include "core/time.h"

namespace patron {
namespace {

// Lines 1-9: two wallets and an earn rule "rebate"; a campaign starts on line 10.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n"
    "[[earning.rules]]\nid = \"rebate\"\nwallet = \"credit\"\nrate = \"3%\"\n";

// Every campaign key (lines 10-30 after kHead).
constexpr const char* kEvery = R"([[campaigns]]
id = "double11"
name = "雙11 加碼"
starts = "2026-11-11T00:00:00"
ends = "2026-11-12T00:00:00"
days_of_month = [11, 1]
weekdays = ["sun", "sat"]
hours = "20:00-23:00"
tiers = ["gold", "vip"]
tags = ["批發", "vip_event"]
min_purchases = 1
max_purchases = 5
min_order_value = 1000
holdout = "10%"
multiplier = "2x"
rules = ["rebate"]
exclusive = true
wallet = "credit"
bonus = 100
source = "double11"
expires = "end_of_month"
budget = { value = 200000, count = 5000 }
pacing = "even"
)";

// A campaign "c" with a NT$100 credit bonus (lines 10-13), plus `more` from line 14.
std::string bonus_campaign(const std::string& more) {
  return "[[campaigns]]\nid = \"c\"\nwallet = \"credit\"\nbonus = 100\n" + more;
}
// A campaign "c" doubling purchase earning (lines 10-12), plus `more` from line 13.
std::string multiplier_campaign(const std::string& more) {
  return "[[campaigns]]\nid = \"c\"\nmultiplier = \"2x\"\n" + more;
}

Error campaign_error(const std::string& tail) {
  return parse_error(kHead + tail);
}

Instant utc(const char* text) {
  auto t = parse_instant(text, nullptr, "test");
  EXPECT_TRUE(t) << text;
  return t ? *t : Instant{};
}

TEST(ProgramFileCampaigns, ParsesEveryCampaignKey) {
  app::Program p = parse_ok(std::string(kHead) + kEvery);
  ASSERT_EQ(p.rules.campaigns.size(), 1u);
  const rules::Campaign& c = p.rules.campaigns[0];
  EXPECT_EQ(c.id, "double11");
  EXPECT_EQ(c.name, "雙11 加碼");
  // Local to Asia/Taipei (UTC+8), the default time zone.
  EXPECT_EQ(c.starts, utc("2026-11-10T16:00:00Z"));
  EXPECT_EQ(c.ends, utc("2026-11-11T16:00:00Z"));
  EXPECT_EQ(c.days_of_month, (std::vector<int>{1, 11})) << "stored ascending";
  EXPECT_EQ(c.weekdays, (std::vector<int>{0, 6}));
  EXPECT_EQ(c.start_minute, 20 * 60);
  EXPECT_EQ(c.end_minute, 23 * 60);
  EXPECT_EQ(c.tiers, (std::vector<std::string>{"gold", "vip"}));
  EXPECT_EQ(c.tags, (std::vector<std::string>{"批發", "vip_event"})) << "as written";
  EXPECT_EQ(c.min_purchases, 1);
  EXPECT_EQ(c.max_purchases, 5);
  EXPECT_EQ(c.min_order_value, 1000);
  EXPECT_EQ(c.holdout_bp, 1000);
  EXPECT_EQ(c.multiplier_bp, 20000);
  EXPECT_EQ(c.rules, std::vector<std::string>{"rebate"});
  EXPECT_TRUE(c.exclusive);
  EXPECT_EQ(c.wallet, "credit");
  EXPECT_EQ(c.bonus, 100);
  EXPECT_EQ(c.source, "double11");
  EXPECT_EQ(c.expires, ledger::ExpiryRule::end_of(CalendarUnit::kMonth));
  EXPECT_EQ(c.budget, (rules::Budget{200000, 5000}));
  EXPECT_TRUE(c.even_pacing);
}

// Tags are checked as members' tags are (PUT /v1/members/{id}).
TEST(ProgramFileCampaigns, TagsAreCheckedAsMembersTags) {
  Error e = campaign_error(multiplier_campaign("tags = [\"vip\", \"a,b\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:16: campaigns.c.tags[1]");
  EXPECT_EQ(e.message, "contains a comma");
  e = campaign_error(multiplier_campaign("tags = [\"vip\", \"vip\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:16: campaigns.c.tags[1]");
  EXPECT_EQ(e.message, "lists 'vip' twice");
  e = campaign_error(multiplier_campaign("tags = [\" vip\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.tags[0]");
  e = campaign_error(multiplier_campaign("tags = [\"\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.tags[0]");
  e = campaign_error(multiplier_campaign("tags = \"vip\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:8: campaigns.c.tags");
  EXPECT_TRUE(
      parse_ok(kHead + multiplier_campaign("tags = []\n")).rules.campaigns.at(0).tags.empty());
}

// pacing = "even" releases the budget over the window's days: it needs a
// budget and both ends; "none" is the default.
TEST(ProgramFileCampaigns, PacingNeedsABudgetAndAWindow) {
  const std::string window = "starts = \"2026-11-01\"\nends = \"2026-12-01\"\n";
  Error e = campaign_error(bonus_campaign(window + "pacing = \"even\"\n"));
  EXPECT_EQ(e.field, "shop.toml:16:10: campaigns.c.pacing");
  EXPECT_NE(e.message.find("only applies with a budget"), std::string::npos) << e.message;
  e =
      campaign_error(bonus_campaign("ends = \"2026-12-01\"\nbudget = { value = 1000 }\n"
                                    "pacing = \"even\"\n"));
  EXPECT_EQ(e.field, "shop.toml:16:10: campaigns.c.pacing");
  EXPECT_NE(e.message.find("needs starts and ends"), std::string::npos) << e.message;
  e = campaign_error(bonus_campaign(window + "budget = { count = 10 }\npacing = \"daily\"\n"));
  EXPECT_EQ(e.field, "shop.toml:17:10: campaigns.c.pacing");
  EXPECT_EQ(e.message, "must be \"none\" or \"even\"");
  EXPECT_FALSE(parse_ok(kHead + bonus_campaign(window + "pacing = \"none\"\n"))
                   .rules.campaigns.at(0)
                   .even_pacing);
  EXPECT_TRUE(
      parse_ok(kHead + bonus_campaign(window + "budget = { count = 10 }\npacing = \"even\"\n"))
          .rules.campaigns.at(0)
          .even_pacing);
}

TEST(ProgramFileCampaigns, LeftOutKeysTakeTheirDefaults) {
  const rules::Campaign m = parse_ok(kHead + multiplier_campaign("")).rules.campaigns.at(0);
  rules::Campaign expected;
  expected.id = "c";
  expected.multiplier_bp = 20000;
  EXPECT_EQ(m, expected);
  // Open, every day and hour, every member, every earn rule, no budget.
  EXPECT_FALSE(m.starts);
  EXPECT_FALSE(m.ends);
  EXPECT_EQ(m.start_minute, 0);
  EXPECT_EQ(m.end_minute, 24 * 60);
  EXPECT_EQ(m.max_purchases, -1) << "no bound";
  EXPECT_FALSE(m.exclusive);
  EXPECT_EQ(m.wallet, "");
  EXPECT_EQ(m.source, "campaign");
  EXPECT_FALSE(m.budget.any());

  const rules::Campaign b = parse_ok(kHead + bonus_campaign("")).rules.campaigns.at(0);
  EXPECT_EQ(b.multiplier_bp, 10000);
  EXPECT_EQ(b.wallet, "credit");
  EXPECT_EQ(b.bonus, 100);
  EXPECT_FALSE(b.expires) << "the wallet's rule for the source";
  // Explicit defaults are the same campaign; max_purchases = 0 is "first purchases only".
  EXPECT_EQ(parse_ok(kHead + bonus_campaign("hours = \"00:00-24:00\"\nholdout = \"0%\"\n"
                                            "multiplier = \"1x\"\nexclusive = false\nrules = []\n"
                                            "days_of_month = []\nweekdays = []\ntiers = []\n"
                                            "min_purchases = 0\nmin_order_value = 0\n"))
                .rules.campaigns.at(0),
            b);
  EXPECT_EQ(
      parse_ok(kHead + bonus_campaign("max_purchases = 0\n")).rules.campaigns.at(0).max_purchases,
      0);
  // Without [[campaigns]], none.
  EXPECT_TRUE(parse_ok(kHead).rules.campaigns.empty());
}

TEST(ProgramFileCampaigns, TimesAreLocalToTheProgramTimeZoneUnlessTheyHaveAnOffset) {
  auto starts = [](const std::string& head, const std::string& text) {
    return parse_ok(head + multiplier_campaign("starts = \"" + text + "\"\n"))
        .rules.campaigns.at(0)
        .starts;
  };
  const std::string taipei = kHead;
  EXPECT_EQ(starts(taipei, "2026-11-11T00:00:00"), utc("2026-11-10T16:00:00Z"));
  EXPECT_EQ(starts(taipei, "2026-11-11T20:30"), utc("2026-11-11T12:30:00Z"));
  EXPECT_EQ(starts(taipei, "2026-11-11"), utc("2026-11-10T16:00:00Z")) << "00:00 local";
  EXPECT_EQ(starts(taipei, "2026-11-11T00:00:00Z"), utc("2026-11-11T00:00:00Z"));
  EXPECT_EQ(starts(taipei, "2026-11-11T00:00:00+09:00"), utc("2026-11-10T15:00:00Z"));
  // Europe/London: GMT in winter, BST (UTC+1) in summer.
  const std::string london =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\ntime_zone = \"Europe/London\"\n"
      "[wallets.credit]\n";
  EXPECT_EQ(starts(london, "2026-01-15T10:00:00"), utc("2026-01-15T10:00:00Z"));
  EXPECT_EQ(starts(london, "2026-07-15T10:00:00"), utc("2026-07-15T09:00:00Z"));
  // The time zone may come after the campaigns in the file.
  EXPECT_EQ(parse_ok(multiplier_campaign("starts = \"2026-07-15T10:00:00\"\n") +
                     "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n"
                     "time_zone = \"Europe/London\"\n[wallets.credit]\n")
                .rules.campaigns.at(0)
                .starts,
            utc("2026-07-15T09:00:00Z"));
}

TEST(ProgramFileCampaigns, TimesAreCheckedAndEndsIsAfterStarts) {
  for (const char* bad : {"\"11/11/2026\"", "\"2026-11-31\"", "\"2026-11-11T25:00\"",
                          "\"2026-11-11T00:00:00+8\"", "\"\""}) {
    Error e = campaign_error(multiplier_campaign("starts = " + std::string(bad) + "\n"));
    EXPECT_EQ(e.field, "shop.toml:13:10: campaigns.c.starts") << bad;
    EXPECT_NE(e.message.find("must be an ISO 8601 time in quotes"), std::string::npos) << e.message;
  }
  // TOML's own date-times and numbers are refused: times are strings.
  for (const char* bad : {"2026-11-11T00:00:00", "2026-11-11", "1762790400"}) {
    Error e = campaign_error(multiplier_campaign("ends = " + std::string(bad) + "\n"));
    EXPECT_EQ(e.field, "shop.toml:13:8: campaigns.c.ends") << bad;
    EXPECT_NE(e.message.find("in quotes"), std::string::npos) << e.message;
  }
  Error e = campaign_error(
      multiplier_campaign("starts = \"2026-11-12T00:00:00\"\nends = \"2026-11-11T00:00:00\"\n"));
  EXPECT_EQ(e.field, "shop.toml:14:8: campaigns.c.ends");
  EXPECT_EQ(e.message,
            "must be after starts (2026-11-12T00:00:00+08:00): ends is the first instant outside "
            "the campaign");
  // Equal is empty too; the same instant written in two ways as well.
  e = campaign_error(
      multiplier_campaign("starts = \"2026-11-11T08:00:00\"\nends = \"2026-11-11T00:00:00Z\"\n"));
  EXPECT_EQ(e.field, "shop.toml:14:8: campaigns.c.ends");
  // Either end may be open.
  EXPECT_TRUE(
      parse_ok(kHead + multiplier_campaign("ends = \"2026-11-12\"\n")).rules.campaigns.at(0).ends);
}

TEST(ProgramFileCampaigns, DaysWeekdaysAndHoursAreChecked) {
  Error e = campaign_error(multiplier_campaign("days_of_month = [11, 32]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:22: campaigns.c.days_of_month[1]");
  EXPECT_EQ(e.message, "must be between 1 and 31");
  e = campaign_error(multiplier_campaign("days_of_month = [0]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:18: campaigns.c.days_of_month[0]");
  e = campaign_error(multiplier_campaign("days_of_month = [11, 11]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:22: campaigns.c.days_of_month[1]");
  EXPECT_EQ(e.message, "lists 11 twice");
  e = campaign_error(multiplier_campaign("days_of_month = [\"11\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:18: campaigns.c.days_of_month[0]");
  EXPECT_EQ(e.message, "must be a whole number");
  e = campaign_error(multiplier_campaign("days_of_month = 11\n"));
  EXPECT_EQ(e.field, "shop.toml:13:17: campaigns.c.days_of_month");
  EXPECT_NE(e.message.find("must be an array"), std::string::npos) << e.message;

  e = campaign_error(multiplier_campaign("weekdays = [\"sat\", \"Sun\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:20: campaigns.c.weekdays[1]");
  EXPECT_EQ(e.message, "must be one of sun, mon, tue, wed, thu, fri, sat");
  e = campaign_error(multiplier_campaign("weekdays = [\"saturday\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:13: campaigns.c.weekdays[0]");
  e = campaign_error(multiplier_campaign("weekdays = [\"sat\", \"sat\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:20: campaigns.c.weekdays[1]");
  EXPECT_EQ(e.message, "lists 'sat' twice");
  e = campaign_error(multiplier_campaign("weekdays = \"sat\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:12: campaigns.c.weekdays");

  for (const char* bad :
       {"\"20:00\"", "\"20-23\"", "\"8:00-23:00\"", "\"20:00-24:30\"", "\"20:60-23:00\"",
        "\"24:00-24:00\"", "\"25:00-26:00\"", "\"20:00 - 23:00\"", "20"}) {
    e = campaign_error(multiplier_campaign("hours = " + std::string(bad) + "\n"));
    EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.hours") << bad;
    EXPECT_EQ(e.message, "must be a local time window \"HH:MM-HH:MM\" (\"20:00-23:00\")") << bad;
  }
  for (const char* bad : {"\"23:00-20:00\"", "\"22:00-02:00\"", "\"20:00-20:00\""}) {
    e = campaign_error(multiplier_campaign("hours = " + std::string(bad) + "\n"));
    EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.hours") << bad;
    EXPECT_NE(e.message.find("must end after it starts"), std::string::npos) << e.message;
  }
  const rules::Campaign c =
      parse_ok(kHead + multiplier_campaign("hours = \"00:00-00:01\"\n")).rules.campaigns.at(0);
  EXPECT_EQ(c.start_minute, 0);
  EXPECT_EQ(c.end_minute, 1);
  EXPECT_EQ(parse_ok(kHead + multiplier_campaign("hours = \"23:59-24:00\"\n"))
                .rules.campaigns.at(0)
                .start_minute,
            23 * 60 + 59);
}

TEST(ProgramFileCampaigns, TargetKeysAreChecked) {
  // Tier names are level ids once [tiers] exists (kHead has none).
  const std::string tiers =
      "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"R\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"gold\"\nname = \"G\"\nentry = 1000\n";  // lines 10-18
  Error e = parse_error(kHead + tiers +
                        "[[campaigns]]\nid = \"c\"\nmultiplier = \"2x\"\n"
                        "tiers = [\"gold\", \"vip\"]\n");
  EXPECT_EQ(e.field, "shop.toml:22:18: campaigns.c.tiers[1]");
  EXPECT_EQ(e.message, "is not a level id of [tiers] (levels: regular, gold)");
  EXPECT_EQ(parse_ok(kHead + tiers + multiplier_campaign("tiers = [\"gold\"]\n"))
                .rules.campaigns.at(0)
                .tiers,
            std::vector<std::string>{"gold"});

  e = campaign_error(multiplier_campaign("min_purchases = -1\n"));
  EXPECT_EQ(e.field, "shop.toml:13:17: campaigns.c.min_purchases");
  EXPECT_EQ(e.message, "must be between 0 and 1000000");
  e = campaign_error(multiplier_campaign("max_purchases = \"3\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:17: campaigns.c.max_purchases");
  EXPECT_EQ(e.message, "must be a whole number");
  e = campaign_error(multiplier_campaign("min_purchases = 3\nmax_purchases = 2\n"));
  EXPECT_EQ(e.field, "shop.toml:14:17: campaigns.c.max_purchases");
  EXPECT_EQ(e.message, "must not be less than min_purchases (3)");

  e = campaign_error(multiplier_campaign("min_order_value = \"999.5\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:19: campaigns.c.min_order_value");
  EXPECT_NE(e.message.find("TWD has 0 decimal places"), std::string::npos) << e.message;
  e = campaign_error(multiplier_campaign("min_order_value = -1\n"));
  EXPECT_EQ(e.field, "shop.toml:13:19: campaigns.c.min_order_value");
  EXPECT_EQ(e.message, "must not be negative");

  e = campaign_error(multiplier_campaign("holdout = \"50.01%\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:11: campaigns.c.holdout");
  EXPECT_EQ(e.message, "must be at most 50% (the members held out are the control group)");
  e = campaign_error(multiplier_campaign("holdout = 0.1\n"));
  EXPECT_EQ(e.field, "shop.toml:13:11: campaigns.c.holdout");
  EXPECT_EQ(e.message, "must be a percent like \"3%\" or \"0.5%\"");
  e = campaign_error(multiplier_campaign("holdout = \"10.001%\"\n"));
  EXPECT_EQ(e.message, "is more precise than 0.01% (one basis point)");
  EXPECT_EQ(
      parse_ok(kHead + multiplier_campaign("holdout = \"50%\"\n")).rules.campaigns.at(0).holdout_bp,
      5000);
  // In the program currency: GBP has pence.
  EXPECT_EQ(parse_ok("[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n" +
                     multiplier_campaign("min_order_value = \"19.99\"\n"))
                .rules.campaigns.at(0)
                .min_order_value,
            1999);
}

TEST(ProgramFileCampaigns, MultiplierRulesAndExclusiveAreChecked) {
  Error e = campaign_error("[[campaigns]]\nid = \"c\"\nmultiplier = \"0.5x\"\n");
  EXPECT_EQ(e.field, "shop.toml:12:14: campaigns.c.multiplier");
  EXPECT_EQ(e.message, "must be between 1x and 100x");
  e = campaign_error("[[campaigns]]\nid = \"c\"\nmultiplier = 2\n");
  EXPECT_EQ(e.field, "shop.toml:12:14: campaigns.c.multiplier");
  EXPECT_EQ(e.message, "must be a multiplier like \"2x\" or \"1.5x\"");
  e = campaign_error("[[campaigns]]\nid = \"c\"\nmultiplier = \"101x\"\n");
  EXPECT_EQ(e.field, "shop.toml:12:14: campaigns.c.multiplier");

  e = campaign_error(multiplier_campaign("rules = [\"rebate\", \"bonus\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:20: campaigns.c.rules[1]");
  EXPECT_EQ(e.message, "is not an earn rule of this file (earning.rules: rebate)");
  e = parse_error("[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n" +
                  multiplier_campaign("rules = [\"rebate\"]\n"));  // campaign on lines 5-8
  EXPECT_EQ(e.field, "shop.toml:8:10: campaigns.c.rules[0]");
  EXPECT_EQ(e.message, "is not an earn rule of this file (it has no [[earning.rules]])");
  e = campaign_error(multiplier_campaign("rules = [\"rebate\", \"rebate\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:20: campaigns.c.rules[1]");
  e = campaign_error(multiplier_campaign("rules = \"rebate\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.rules");
  e = campaign_error(multiplier_campaign("exclusive = \"yes\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:13: campaigns.c.exclusive");
  EXPECT_EQ(e.message, "must be true or false");

  // Without a multiplier, rules and exclusive would do nothing.
  e = campaign_error(bonus_campaign("rules = [\"rebate\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:14:9: campaigns.c.rules");
  EXPECT_NE(e.message.find("only applies with a multiplier other than 1x"), std::string::npos)
      << e.message;
  e = campaign_error(bonus_campaign("multiplier = \"1x\"\nexclusive = true\n"));
  EXPECT_EQ(e.field, "shop.toml:15:13: campaigns.c.exclusive");
  EXPECT_NE(e.message.find("only applies with a multiplier other than 1x"), std::string::npos)
      << e.message;
}

TEST(ProgramFileCampaigns, ACampaignNeedsAnEffect) {
  Error e = campaign_error("[[campaigns]]\nid = \"c\"\nname = \"nothing\"\n");
  EXPECT_EQ(e.field, "shop.toml:10:1: campaigns.c");
  EXPECT_EQ(e.message,
            "a campaign needs an effect: a multiplier other than 1x (multiplier = \"2x\") or a "
            "bonus (wallet = \"credit\", bonus = 100)");
  e = campaign_error("[[campaigns]]\nid = \"c\"\nmultiplier = \"1x\"\nholdout = \"10%\"\n");
  EXPECT_EQ(e.field, "shop.toml:12:14: campaigns.c.multiplier");
  EXPECT_NE(e.message.find("a campaign needs an effect"), std::string::npos) << e.message;
  // A budget with only a count is no effect either.
  e = campaign_error("[[campaigns]]\nid = \"c\"\nbudget = { count = 5 }\n");
  EXPECT_EQ(e.field, "shop.toml:10:1: campaigns.c");
  // Either effect alone, or both, will do.
  EXPECT_EQ(parse_ok(kHead + multiplier_campaign("")).rules.campaigns.size(), 1u);
  EXPECT_EQ(parse_ok(kHead + bonus_campaign("")).rules.campaigns.size(), 1u);
  EXPECT_EQ(parse_ok(kHead + bonus_campaign("multiplier = \"1.5x\"\n")).rules.campaigns.size(), 1u);
}

TEST(ProgramFileCampaigns, WalletBonusSourceExpiresAndBudgetAreChecked) {
  Error e = campaign_error("[[campaigns]]\nid = \"c\"\nbonus = 100\n");
  EXPECT_EQ(e.field, "shop.toml:10:1: campaigns.c.wallet");
  EXPECT_EQ(e.message, "is required with a bonus: the wallet it is granted into");
  e = campaign_error("[[campaigns]]\nid = \"c\"\nwallet = \"cash\"\nbonus = 100\n");
  EXPECT_EQ(e.field, "shop.toml:12:10: campaigns.c.wallet");
  EXPECT_EQ(e.message, "is not a wallet of this file (wallets: credit, points)");
  e = campaign_error(multiplier_campaign("wallet = \"credit\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:10: campaigns.c.wallet");
  EXPECT_NE(e.message.find("only applies with a bonus"), std::string::npos) << e.message;
  for (const char* bad : {"0", "-5", "\"ten\"", "1.5"}) {
    e = campaign_error(
        "[[campaigns]]\nid = \"c\"\nwallet = \"credit\"\nbonus = " + std::string(bad) + "\n");
    EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.bonus") << bad;
  }
  // In the wallet's unit: points have no decimals.
  e = campaign_error("[[campaigns]]\nid = \"c\"\nwallet = \"points\"\nbonus = \"0.5\"\n");
  EXPECT_EQ(e.field, "shop.toml:13:9: campaigns.c.bonus");
  EXPECT_NE(e.message.find("wallet points has 0 decimal places"), std::string::npos) << e.message;

  e = campaign_error(bonus_campaign("source = \"Campaign\"\n"));
  EXPECT_EQ(e.field, "shop.toml:14:10: campaigns.c.source");
  EXPECT_EQ(e.message, "a source is 1 to 32 of a-z, 0-9 and _");
  e = campaign_error(bonus_campaign("expires = \"someday\"\n"));
  EXPECT_EQ(e.field, "shop.toml:14:11: campaigns.c.expires");
  for (const char* key : {"source = \"campaign\"\n", "expires = \"30d\"\n"}) {
    e = campaign_error(multiplier_campaign(key));
    EXPECT_NE(e.field.find("shop.toml:13:"), std::string::npos) << key << e.field;
    EXPECT_EQ(e.message, "only applies with a bonus (the lot the campaign grants)") << key;
  }

  // A budget value counts in the unit of `wallet`, which it then needs.
  e = campaign_error(multiplier_campaign("budget = { value = 1000 }\n"));
  EXPECT_EQ(e.field, "shop.toml:13:20: campaigns.c.budget.value");
  EXPECT_EQ(e.message, "needs a wallet: the value counts in its unit (wallet = \"credit\")");
  const rules::Campaign c =
      parse_ok(kHead + multiplier_campaign("wallet = \"points\"\nbudget = { value = 1000 }\n"))
          .rules.campaigns.at(0);
  EXPECT_EQ(c.wallet, "points");
  EXPECT_EQ(c.bonus, 0);
  EXPECT_EQ(c.budget, (rules::Budget{1000, 0}));
  EXPECT_EQ(parse_ok(kHead + multiplier_campaign("budget = { count = 500 }\n"))
                .rules.campaigns.at(0)
                .budget,
            (rules::Budget{0, 500}))
      << "a count needs no wallet";
  e = campaign_error(bonus_campaign("budget = { value = 0 }\n"));
  EXPECT_EQ(e.field, "shop.toml:14:20: campaigns.c.budget.value");
  EXPECT_EQ(e.message, "must be more than 0");
  e = campaign_error(bonus_campaign("budget = { count = 0 }\n"));
  EXPECT_EQ(e.field, "shop.toml:14:20: campaigns.c.budget.count");
  e = campaign_error(bonus_campaign("budget = 1000\n"));
  EXPECT_EQ(e.field, "shop.toml:14:10: campaigns.c.budget");
  EXPECT_NE(e.message.find("must be a table"), std::string::npos) << e.message;
  // GBP credit: pence.
  const rules::Campaign g =
      parse_ok(
          "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
          "[[campaigns]]\nid = \"g\"\nwallet = \"credit\"\nbonus = \"2.50\"\n"
          "budget = { value = \"1000.5\" }\n")
          .rules.campaigns.at(0);
  EXPECT_EQ(g.bonus, 250);
  EXPECT_EQ(g.budget.value, 100050);
}

TEST(ProgramFileCampaigns, NameIdAndUnknownKeysAreChecked) {
  Error e = campaign_error(multiplier_campaign("colour = \"red\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:1: campaigns.c.colour");
  EXPECT_NE(e.message.find("is not a known key (known: id, name, starts, ends, days_of_month"),
            std::string::npos)
      << e.message;
  e = campaign_error(bonus_campaign("budget = { total = 1 }\n"));
  EXPECT_EQ(e.field, "shop.toml:14:12: campaigns.c.budget.total");
  EXPECT_NE(e.message.find("known: value, count"), std::string::npos) << e.message;
  e = campaign_error(multiplier_campaign("segments = [\"vip\"]\n"));
  EXPECT_EQ(e.field, "shop.toml:13:1: campaigns.c.segments");

  e = campaign_error("[[campaigns]]\nmultiplier = \"2x\"\n");
  EXPECT_EQ(e.field, "shop.toml:10:1: campaigns[0].id");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = campaign_error("[[campaigns]]\nid = \"Double 11\"\nmultiplier = \"2x\"\n");
  EXPECT_EQ(e.field, "shop.toml:11:6: campaigns[0].id");
  EXPECT_EQ(e.message, "a campaign id is 1 to 32 of a-z, 0-9 and _");
  e = campaign_error("[[campaigns]]\nid = \"c#control\"\nmultiplier = \"2x\"\n");
  EXPECT_EQ(e.field, "shop.toml:11:6: campaigns[0].id");

  e = campaign_error(multiplier_campaign("name = \"\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:8: campaigns.c.name");
  EXPECT_EQ(e.message, "must be 1 to 100 bytes");
  // 100 bytes: 33 CJK characters (3 bytes each) and one letter.
  std::string name;
  for (int i = 0; i < 33; ++i) name += "雙";
  EXPECT_EQ(parse_ok(kHead + multiplier_campaign("name = \"" + name + "x\"\n"))
                .rules.campaigns.at(0)
                .name.size(),
            100u);
  e = campaign_error(multiplier_campaign("name = \"" + name + "xy\"\n"));
  EXPECT_EQ(e.field, "shop.toml:13:8: campaigns.c.name");
}

TEST(ProgramFileCampaigns, IdsAreUniqueAmongCampaignsRewardsAndEarnRules) {
  Error e = campaign_error(multiplier_campaign(bonus_campaign("")));
  EXPECT_EQ(e.field, "shop.toml:14:6: campaigns[1].id");
  EXPECT_EQ(e.message, "'c' is already the id of campaigns[0]");
  e = campaign_error("[[campaigns]]\nid = \"rebate\"\nmultiplier = \"2x\"\n");
  EXPECT_EQ(e.field, "shop.toml:11:6: campaigns[0].id");
  EXPECT_EQ(e.message,
            "'rebate' is already the id of earning.rules[0]: campaigns, rewards and earn rules "
            "need different ids");
  // A reward's id, whether [[rewards]] comes before or after the campaigns.
  const std::string reward =
      "[[rewards]]\nid = \"c\"\non = \"signup\"\nwallet = \"credit\"\namount = 100\n";
  e = campaign_error(reward + multiplier_campaign(""));  // the campaign's id on line 16
  EXPECT_EQ(e.field, "shop.toml:16:6: campaigns[0].id");
  EXPECT_EQ(e.message,
            "'c' is already the id of rewards[0]: campaigns, rewards and earn rules need "
            "different ids");
  e = campaign_error(multiplier_campaign("") + reward);
  EXPECT_EQ(e.field, "shop.toml:11:6: campaigns[0].id");
  // A member day may share an id: it grants nothing.
  EXPECT_EQ(parse_ok(kHead + multiplier_campaign("") +
                     "[[member_days]]\nid = \"c\"\nday_of_month = 8\nmultiplier = \"2x\"\n")
                .rules.campaigns.size(),
            1u);
}

TEST(ProgramFileCampaigns, CampaignsAreAnArrayOfAtMost64Tables) {
  Error e = campaign_error("[campaigns]\nid = \"c\"\n");
  EXPECT_EQ(e.field, "shop.toml:10:1: campaigns");
  EXPECT_EQ(e.message, "must be an array of tables");
  e = parse_error("campaigns = [1]\n" + std::string(kHead));
  EXPECT_EQ(e.field, "shop.toml:1:14: campaigns[0]");
  std::string many;
  for (int i = 0; i < 65; ++i) {
    many += "[[campaigns]]\nid = \"c" + std::to_string(i) + "\"\nmultiplier = \"2x\"\n";
  }
  e = campaign_error(many);
  EXPECT_EQ(e.field, "shop.toml:10:1: campaigns");
  EXPECT_NE(e.message.find("more than 64"), std::string::npos) << e.message;
}

TEST(ProgramFileCampaigns, PrintedCampaignsParseBackToTheSameProgram) {
  const std::string tiers =
      "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"R\"\nentry = 0\n"
      "[[tiers.levels]]\nid = \"gold\"\nname = \"G\"\nentry = 1000\n";
  std::vector<std::string> files = {
      std::string(kHead) + kEvery, kHead + multiplier_campaign(""),
      kHead + bonus_campaign("") + "[[campaigns]]\nid = \"d\"\nmultiplier = \"2x\"\n",
      // Referrals, rewards and tiers besides; a window with only an end.
      kHead + tiers + bonus_campaign("ends = \"2026-12-01\"\ntiers = [\"gold\"]\n") +
          "[referrals]\nwallet = \"credit\"\nreferrer_amount = 100\n"
          "[[rewards]]\nid = \"r\"\non = \"signup\"\nwallet = \"credit\"\namount = 100\n",
      kHead + multiplier_campaign("max_purchases = 0\nexclusive = true\nrules = [\"rebate\"]\n"
                                  "wallet = \"points\"\nbudget = { value = 5000 }\n"
                                  "weekdays = [\"fri\", \"mon\"]\nhours = \"00:00-12:30\"\n"),
      // GBP amounts with pence, and local times in and out of summer time.
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\ntime_zone = \"Europe/London\"\n"
      "[wallets.credit]\n"
      "[[campaigns]]\nid = \"summer\"\nstarts = \"2026-07-01T09:30:00\"\n"
      "ends = \"2026-12-01T00:00:00Z\"\nwallet = \"credit\"\nbonus = \"2.50\"\n"
      "min_order_value = \"19.99\"\nholdout = \"2.5%\"\nmultiplier = \"1.25x\"\n"
      "budget = { value = \"1000.05\", count = 3 }\n",
      // UTC and a zone behind it.
      "[program]\ncurrency = \"USD\"\nminor_digits = 2\ntime_zone = \"America/New_York\"\n"
      "[wallets.credit]\n" +
          multiplier_campaign(
              "starts = \"2026-11-27T00:00:00\"\nends = \"2026-12-01T05:00:00Z\"\n"),
      "[program]\ncurrency = \"EUR\"\nminor_digits = 2\ntime_zone = \"UTC\"\n[wallets.credit]\n" +
          multiplier_campaign("starts = \"2026-11-27\"\n")};
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    app::Program p = parse_ok(file);
    ASSERT_FALSE(p.rules.campaigns.empty());
    std::string text = config::to_toml(p);
    auto again = config::parse_program(text, "printed.toml", "shop");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
    EXPECT_EQ(*again, p) << text;
    EXPECT_TRUE(app::setting_changes(p, *again).empty());
    EXPECT_EQ(config::to_toml(*again), text);
    // Last, after the rewards and the referrals.
    EXPECT_NE(text.find("\n[[campaigns]]\n"), std::string::npos) << text;
    EXPECT_GT(text.find("[[campaigns]]"), text.rfind("[[rewards]]") + 1) << text;
    EXPECT_GT(text.find("[[campaigns]]"), text.rfind("[referrals]") + 1) << text;
  }
  // Times print local with the offset of that date; defaults are written out.
  std::string text = config::to_toml(parse_ok(std::string(kHead) + kEvery));
  for (const char* key :
       {"starts = '2026-11-11T00:00:00+08:00'", "ends = '2026-11-12T00:00:00+08:00'",
        "days_of_month = [ 1, 11 ]", "weekdays = [ 'sun', 'sat' ]", "hours = '20:00-23:00'",
        "holdout = '10%'", "multiplier = '2x'", "budget = { count = 5000, value = 200000 }",
        "pacing = 'even'"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
  text = config::to_toml(parse_ok(kHead + multiplier_campaign("")));
  for (const char* key : {"hours = '00:00-24:00'", "holdout = '0%'", "exclusive = false",
                          "min_purchases = 0", "min_order_value = 0", "rules = []"}) {
    EXPECT_NE(text.find(key), std::string::npos) << key << "\n" << text;
  }
  for (const char* key : {"starts", "ends", "max_purchases", "wallet = ", "bonus", "source",
                          "expires", "budget", "name", "pacing"}) {
    EXPECT_EQ(text.substr(text.find("[[campaigns]]")).find(key), std::string::npos) << key << "\n"
                                                                                    << text;
  }
  const std::string summer = config::to_toml(parse_ok(files[5]));
  EXPECT_NE(summer.find("starts = '2026-07-01T09:30:00+01:00'"), std::string::npos) << summer;
  EXPECT_NE(summer.find("ends = '2026-12-01T00:00:00+00:00'"), std::string::npos) << summer;
  const std::string ny = config::to_toml(parse_ok(files[6]));
  EXPECT_NE(ny.find("ends = '2026-12-01T00:00:00-05:00'"), std::string::npos) << ny;
  // No campaigns, nothing printed.
  EXPECT_EQ(config::to_toml(parse_ok(kHead)).find("campaigns"), std::string::npos);
}

TEST(ProgramSettings, CampaignSettingsAreNamedByIdAndKey) {
  app::Program a = parse_ok(std::string(kHead) + kEvery);
  auto settings = app::program_settings(a);
  const std::map<std::string, std::string> expected = {
      {"campaigns.double11.name", "雙11 加碼"},
      {"campaigns.double11.starts", "2026-11-10T16:00:00Z"},
      {"campaigns.double11.ends", "2026-11-11T16:00:00Z"},
      {"campaigns.double11.days_of_month", "[1, 11]"},
      {"campaigns.double11.weekdays", "[\"sun\", \"sat\"]"},
      {"campaigns.double11.hours", "20:00-23:00"},
      {"campaigns.double11.tiers", "[\"gold\", \"vip\"]"},
      {"campaigns.double11.tags", "[\"批發\", \"vip_event\"]"},
      {"campaigns.double11.min_purchases", "1"},
      {"campaigns.double11.max_purchases", "5"},
      {"campaigns.double11.min_order_value", "1000"},
      {"campaigns.double11.holdout", "10%"},
      {"campaigns.double11.multiplier", "2x"},
      {"campaigns.double11.rules", "[\"rebate\"]"},
      {"campaigns.double11.exclusive", "true"},
      {"campaigns.double11.wallet", "credit"},
      {"campaigns.double11.bonus", "100"},
      {"campaigns.double11.source", "double11"},
      {"campaigns.double11.expires", "end_of_month"},
      {"campaigns.double11.budget.value", "200000"},
      {"campaigns.double11.budget.count", "5000"},
      {"campaigns.double11.pacing", "even"}};
  std::map<std::string, std::string> campaign;
  for (const auto& [key, value] : settings) {
    if (key.starts_with("campaigns.")) campaign[key] = value;
  }
  EXPECT_EQ(campaign, expected);
  // Unset keys have no setting; the multiplier and exclusive always.
  std::map<std::string, std::string> minimal;
  for (const auto& [key, value] :
       app::program_settings(parse_ok(kHead + multiplier_campaign("")))) {
    if (key.starts_with("campaigns.")) minimal[key] = value;
  }
  EXPECT_EQ(minimal, (std::map<std::string, std::string>{{"campaigns.c.multiplier", "2x"},
                                                         {"campaigns.c.exclusive", "false"}}));
  // max_purchases = 0 is set (first purchases only); a bonus shows its source.
  auto first = app::program_settings(parse_ok(kHead + bonus_campaign("max_purchases = 0\n")));
  EXPECT_EQ(first.at("campaigns.c.max_purchases"), "0");
  EXPECT_EQ(first.at("campaigns.c.source"), "campaign");
  EXPECT_EQ(first.at("campaigns.c.multiplier"), "1x");

  app::Program b = a;
  b.rules.campaigns[0].multiplier_bp = 30000;
  b.rules.campaigns[0].ends.reset();
  b.rules.campaigns[0].end_minute = 24 * 60;
  b.rules.campaigns[0].start_minute = 0;
  b.rules.campaigns[0].budget.count = 0;
  auto changes = app::setting_changes(a, b);
  std::vector<std::string> keys;
  for (const auto& c : changes) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"campaigns.double11.budget.count",
                                            "campaigns.double11.ends", "campaigns.double11.hours",
                                            "campaigns.double11.multiplier"}));
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_FALSE(changes[0].after);
  EXPECT_FALSE(changes[2].after);
  EXPECT_EQ(*changes[3].before, "2x");
  EXPECT_EQ(*changes[3].after, "3x");
  // Removing the campaign removes every key of it.
  app::Program none = a;
  none.rules.campaigns.clear();
  EXPECT_EQ(app::setting_changes(a, none).size(), expected.size());
  // GBP amounts print with pence.
  auto gbp = app::program_settings(
      parse_ok("[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
               "[[campaigns]]\nid = \"g\"\nwallet = \"credit\"\nbonus = \"2.5\"\n"
               "min_order_value = 20\nbudget = { value = 100 }\n"));
  EXPECT_EQ(gbp.at("campaigns.g.bonus"), "2.50");
  EXPECT_EQ(gbp.at("campaigns.g.min_order_value"), "20.00");
  EXPECT_EQ(gbp.at("campaigns.g.budget.value"), "100.00");
}

}  // namespace
}  // namespace patron
