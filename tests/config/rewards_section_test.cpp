// Engagement rewards ([[rewards]]) and the member caps and budgets of earn
// rules in program files: what parses, the defaults each trigger gets, what
// is refused (file:line:column and key), printing, and the settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-5; what a test appends starts on line 6.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n";

// Every reward key (lines 6-32 after kHead).
constexpr const char* kRewards = R"([[rewards]]
id = "signup_gift"
on = "signup"
wallet = "credit"
amount = 100
source = "welcome"
expires = "60d"
tier_amounts = { gold = 300, vip = 500 }
tiers = ["gold", "vip"]
limit = { per_day = 1, per_month = 5, per_year = 12, lifetime = 1 }
budget = { value = 100000, count = 1000 }

[[rewards]]
id = "bday"
on = "birthday"
wallet = "points"
amount = 50
birthday = "day"
feb29 = "mar1"
grace_days = 3

[[rewards]]
id = "quiz"
on = "custom"
event = "quiz_done"
wallet = "credit"
amount = 10
)";

// The error of kHead + `tail`, which must fail.
Error reward_error(const std::string& tail) {
  return parse_error(kHead + tail);
}

// A reward "r" on `on` into credit (lines 6-10), plus `more` from line 11.
std::string reward_with(const std::string& more, const std::string& on = "signup") {
  return "[[rewards]]\nid = \"r\"\non = \"" + on + "\"\nwallet = \"credit\"\namount = 100\n" + more;
}

// A rule "e" into credit (lines 6-9), plus `more` from line 10.
std::string earn_rule_with(const std::string& more) {
  return "[[earning.rules]]\nid = \"e\"\nwallet = \"credit\"\nrate = \"3%\"\n" + more;
}

// Two tier levels, regular and gold (lines 6-14).
constexpr const char* kTiers =
    "[tiers]\n[[tiers.levels]]\nid = \"regular\"\nname = \"R\"\nentry = 0\n"
    "[[tiers.levels]]\nid = \"gold\"\nname = \"G\"\nentry = 1000\n";

TEST(ProgramFileRewards, ParsesEveryRewardKey) {
  app::Program p = parse_ok(std::string(kHead) + kRewards);
  ASSERT_EQ(p.rules.rewards.size(), 3u);
  const rules::Reward& s = p.rules.rewards[0];
  EXPECT_EQ(s.id, "signup_gift");
  EXPECT_EQ(s.on, rules::RewardOn::kSignup);
  EXPECT_EQ(s.event, "");
  EXPECT_EQ(s.wallet, "credit");
  EXPECT_EQ(s.amount, 100);
  EXPECT_EQ(s.source, "welcome");
  EXPECT_EQ(rules::reward_source(s), "welcome");
  EXPECT_EQ(s.expires, ledger::ExpiryRule::days(60));
  EXPECT_EQ(s.tier_amounts, (std::vector<rules::TierAmount>{{"gold", 300}, {"vip", 500}}));
  EXPECT_EQ(s.tiers, (std::vector<std::string>{"gold", "vip"}));
  EXPECT_EQ(s.limits, (rules::RewardLimits{1, 5, 12, 1}));
  EXPECT_EQ(s.budget, (rules::Budget{100000, 1000}));

  const rules::Reward& b = p.rules.rewards[1];
  EXPECT_EQ(b.on, rules::RewardOn::kBirthday);
  EXPECT_EQ(b.wallet, "points");
  EXPECT_EQ(b.birthday_on, rules::BirthdayOn::kDay);
  EXPECT_EQ(b.feb29, rules::Feb29::kMar1);
  EXPECT_EQ(b.grace_days, 3);
  EXPECT_EQ(b.limits, (rules::RewardLimits{0, 0, 1, 0})) << "a birthday: once a year";

  const rules::Reward& q = p.rules.rewards[2];
  EXPECT_EQ(q.on, rules::RewardOn::kCustom);
  EXPECT_EQ(q.event, "quiz_done");
  EXPECT_EQ(q.source, "") << "left out: the trigger's name";
  EXPECT_EQ(rules::reward_source(q), "custom");
  EXPECT_FALSE(q.expires);
  EXPECT_TRUE(q.tier_amounts.empty());
  EXPECT_TRUE(q.tiers.empty());
  EXPECT_FALSE(q.limits.any());
  EXPECT_FALSE(q.budget.any());
}

TEST(ProgramFileRewards, DefaultLimitsFollowTheTriggerAndAnExplicitLimitReplacesThem) {
  struct Case {
    const char* on;
    rules::RewardLimits limits;
  };
  for (Case c : {Case{"signup", {0, 0, 0, 1}}, Case{"first_purchase", {0, 0, 0, 1}},
                 Case{"app_install", {0, 0, 0, 1}}, Case{"line_bind", {0, 0, 0, 1}},
                 Case{"birthday", {0, 0, 1, 0}}, Case{"review", {}}, Case{"share", {}},
                 Case{"survey", {}}}) {
    app::Program p = parse_ok(kHead + reward_with("", c.on));
    ASSERT_EQ(p.rules.rewards.size(), 1u) << c.on;
    EXPECT_EQ(p.rules.rewards[0].limits, c.limits) << c.on;
    EXPECT_EQ(rules::to_string(p.rules.rewards[0].on), c.on);
    EXPECT_EQ(rules::reward_source(p.rules.rewards[0]), c.on);
  }
  // Explicit limits replace the default, wholly: a signup reward with a daily
  // limit has no lifetime one, and `limit = {}` means no limit at all.
  EXPECT_EQ(parse_ok(kHead + reward_with("limit = { per_day = 2 }\n")).rules.rewards.at(0).limits,
            (rules::RewardLimits{2, 0, 0, 0}));
  EXPECT_FALSE(parse_ok(kHead + reward_with("limit = {}\n")).rules.rewards.at(0).limits.any());
  EXPECT_EQ(parse_ok(kHead + reward_with("limit = { per_month = 1 }\n", "birthday"))
                .rules.rewards.at(0)
                .limits,
            (rules::RewardLimits{0, 1, 0, 0}));
  // Birthday defaults: the 1st of the birth month, 7 days' grace.
  const rules::Reward b = parse_ok(kHead + reward_with("", "birthday")).rules.rewards.at(0);
  EXPECT_EQ(b.birthday_on, rules::BirthdayOn::kMonthStart);
  EXPECT_EQ(b.feb29, rules::Feb29::kFeb28);
  EXPECT_EQ(b.grace_days, 7);
  EXPECT_EQ(parse_ok(kHead + reward_with("birthday = \"day\"\ngrace_days = 0\n", "birthday"))
                .rules.rewards.at(0)
                .grace_days,
            0);
}

TEST(ProgramFileRewards, AmountsAreMajorUnitsOfTheWallet) {
  const std::string gbp =
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[wallets.points]\n";
  app::Program p =
      parse_ok(gbp +
               "[[rewards]]\nid = \"c\"\non = \"review\"\nwallet = \"credit\"\namount = \"0.50\"\n"
               "tier_amounts = { gold = 2 }\nbudget = { value = \"1000.5\" }\n"
               "[[earning.rules]]\nid = \"e\"\nwallet = \"credit\"\nrate = \"1%\"\n"
               "member_caps = { per_day = \"5.25\", per_year = 100 }\nbudget = { value = 10 }\n");
  ASSERT_EQ(p.rules.rewards.size(), 1u);
  EXPECT_EQ(p.rules.rewards[0].amount, 50);
  EXPECT_EQ(p.rules.rewards[0].tier_amounts.at(0).amount, 200);
  EXPECT_EQ(p.rules.rewards[0].budget, (rules::Budget{100050, 0}));
  EXPECT_EQ(p.rules.earn.at(0).member_caps, (rules::MemberCaps{525, 0, 10000}));
  EXPECT_EQ(p.rules.earn.at(0).budget, (rules::Budget{1000, 0}));
  // Points have no decimals: half a point is refused, naming the wallet.
  Error e = parse_error(gbp +
                        "[[rewards]]\nid = \"p\"\non = \"review\"\nwallet = \"points\"\n"
                        "amount = \"0.5\"\n");
  EXPECT_EQ(e.field, "shop.toml:10:10: rewards.p.amount");
  EXPECT_NE(e.message.find("wallet points has 0 decimal places"), std::string::npos) << e.message;
  e = parse_error(gbp +
                  "[[earning.rules]]\nid = \"e\"\nwallet = \"points\"\nrate = \"1%\"\n"
                  "member_caps = { per_month = \"1.5\" }\n");
  EXPECT_EQ(e.field, "shop.toml:10:29: earning.rules.e.member_caps.per_month");
  EXPECT_NE(e.message.find("wallet points has 0 decimal places"), std::string::npos) << e.message;
}

TEST(ProgramFileRewards, UnknownKeysAreErrors) {
  Error e = reward_error(reward_with("colour = \"red\"\n"));
  EXPECT_EQ(e.field, "shop.toml:11:1: rewards.r.colour");
  EXPECT_NE(e.message.find("is not a known key (known: id, on, event, wallet, amount"),
            std::string::npos)
      << e.message;
  e = reward_error(reward_with("limit = { per_week = 1 }\n"));
  EXPECT_EQ(e.field, "shop.toml:11:11: rewards.r.limit.per_week");
  EXPECT_NE(e.message.find("known: per_day, per_month, per_year, lifetime"), std::string::npos)
      << e.message;
  e = reward_error(reward_with("budget = { total = 1 }\n"));
  EXPECT_EQ(e.field, "shop.toml:11:12: rewards.r.budget.total");
  e = reward_error(earn_rule_with("member_caps = { per_week = 100 }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:17: earning.rules.e.member_caps.per_week");
  EXPECT_NE(e.message.find("known: per_day, per_month, per_year"), std::string::npos) << e.message;
  e = reward_error(earn_rule_with("budget = { value = 1, lifetime = 1 }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:23: earning.rules.e.budget.lifetime");
  e = reward_error(earn_rule_with("caps = 1\n"));
  EXPECT_EQ(e.field, "shop.toml:10:1: earning.rules.e.caps");
  EXPECT_NE(e.message.find("member_caps, budget"), std::string::npos) << e.message;
}

TEST(ProgramFileRewards, IdOnWalletAndAmountAreRequired) {
  Error e = reward_error("[[rewards]]\non = \"signup\"\nwallet = \"credit\"\namount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards[0].id");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = reward_error(
      "[[rewards]]\nid = \"Signup\"\non = \"signup\"\nwallet = \"credit\"\n"
      "amount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:7:6: rewards[0].id");
  EXPECT_NE(e.message.find("a reward id is 1 to 32 of a-z, 0-9 and _"), std::string::npos);
  e = reward_error("[[rewards]]\nid = \"r\"\nwallet = \"credit\"\namount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards.r.on");
  EXPECT_NE(e.message.find("is required: signup, birthday, monthly, first_purchase"),
            std::string::npos)
      << e.message;
  e = reward_error("[[rewards]]\nid = \"r\"\non = \"signup\"\namount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards.r.wallet");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  e = reward_error("[[rewards]]\nid = \"r\"\non = \"signup\"\nwallet = \"cash\"\namount = 100\n");
  EXPECT_EQ(e.field, "shop.toml:9:10: rewards.r.wallet");
  EXPECT_NE(e.message.find("wallets: credit, points"), std::string::npos) << e.message;
  e = reward_error("[[rewards]]\nid = \"r\"\non = \"signup\"\nwallet = \"credit\"\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards.r.amount");
  EXPECT_NE(e.message.find("is required"), std::string::npos) << e.message;
  for (const char* bad : {"0", "-5", "1.5", "\"ten\""}) {
    e = reward_error("[[rewards]]\nid = \"r\"\non = \"signup\"\nwallet = \"credit\"\namount = " +
                     std::string(bad) + "\n");
    EXPECT_EQ(e.field, "shop.toml:10:10: rewards.r.amount") << bad;
  }
  e = reward_error(reward_with("source = \"Welcome\"\n"));
  EXPECT_EQ(e.field, "shop.toml:11:10: rewards.r.source");
  e = reward_error(reward_with("expires = \"someday\"\n"));
  EXPECT_EQ(e.field, "shop.toml:11:11: rewards.r.expires");
}

TEST(ProgramFileRewards, TriggersAndCustomEventsAreChecked) {
  Error e = reward_error(reward_with("", "purchase"));
  EXPECT_EQ(e.field, "shop.toml:8:6: rewards.r.on");
  EXPECT_EQ(
      e.message,
      "must be signup, birthday, monthly, first_purchase, app_install, line_bind, review, share, "
      "survey, custom or winback");
  e = reward_error(reward_with("", "custom"));
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards.r.event");
  EXPECT_NE(e.message.find("is required with on = \"custom\""), std::string::npos) << e.message;
  e = reward_error(reward_with("event = \"quiz_done\"\n", "review"));
  EXPECT_EQ(e.field, "shop.toml:11:9: rewards.r.event");
  EXPECT_EQ(e.message, "only applies to on = \"custom\" (on is \"review\")");
  e = reward_error(reward_with("event = \"Quiz Done\"\n", "custom"));
  EXPECT_EQ(e.field, "shop.toml:11:9: rewards.r.event");
  EXPECT_NE(e.message.find("an event type is 1 to 32 of a-z, 0-9 and _"), std::string::npos);
  e = reward_error(reward_with("event = \"review\"\n", "custom"));
  EXPECT_EQ(e.field, "shop.toml:11:9: rewards.r.event");
  EXPECT_EQ(e.message, "is the name of a trigger: use on = \"review\"");
  e = reward_error(reward_with("event = 5\n", "custom"));
  EXPECT_EQ(e.field, "shop.toml:11:9: rewards.r.event");
  EXPECT_EQ(e.message, "must be a string");
}

TEST(ProgramFileRewards, TierNamesMustBeLevelIdsOnceTiersExist) {
  // Without [tiers] the names are accepted as written (kRewards names gold, vip).
  EXPECT_EQ(parse_ok(std::string(kHead) + kRewards).rules.rewards.size(), 3u);
  const std::string head = std::string(kHead) + kTiers;  // rewards from line 15
  const std::string reward =
      "[[rewards]]\nid = \"r\"\non = \"signup\"\nwallet = \"credit\"\namount = 100\n";
  app::Program p =
      parse_ok(head + reward + "tier_amounts = { regular = 50, gold = 300 }\ntiers = [\"gold\"]\n");
  EXPECT_EQ(p.rules.rewards.at(0).tier_amounts,
            (std::vector<rules::TierAmount>{{"gold", 300}, {"regular", 50}}));
  EXPECT_EQ(p.rules.rewards.at(0).tiers, std::vector<std::string>{"gold"});
  Error e = parse_error(head + reward + "tier_amounts = { gold = 300, vip = 500 }\n");
  EXPECT_EQ(e.field, "shop.toml:20:30: rewards.r.tier_amounts.vip");
  EXPECT_EQ(e.message, "is not a level id of [tiers] (levels: regular, gold)");
  e = parse_error(head + reward + "tiers = [\"gold\", \"vip\"]\n");
  EXPECT_EQ(e.field, "shop.toml:20:18: rewards.r.tiers[1]");
  EXPECT_EQ(e.message, "is not a level id of [tiers] (levels: regular, gold)");
  e = parse_error(head + reward + "tier_amounts = { gold = 0 }\n");
  EXPECT_EQ(e.field, "shop.toml:20:25: rewards.r.tier_amounts.gold");
  EXPECT_EQ(e.message, "must be more than 0");
  e = parse_error(head + reward + "tier_amounts = [\"gold\"]\n");
  EXPECT_EQ(e.field, "shop.toml:20:16: rewards.r.tier_amounts");
  e = parse_error(head + reward + "tiers = [\"gold\", \"gold\"]\n");
  EXPECT_EQ(e.field, "shop.toml:20:18: rewards.r.tiers[1]");
}

TEST(ProgramFileRewards, BirthdayKeysOnlyForBirthdayRewards) {
  for (const char* key : {"birthday = \"day\"\n", "feb29 = \"mar1\"\n", "grace_days = 3\n"}) {
    Error e = reward_error(reward_with(key, "signup"));
    EXPECT_NE(e.field.find("shop.toml:11:"), std::string::npos) << key << e.field;
    EXPECT_EQ(e.message, "only applies to on = \"birthday\" (on is \"signup\")") << key;
  }
  Error e = reward_error(reward_with("feb29 = \"mar1\"\n", "birthday"));
  EXPECT_EQ(e.field, "shop.toml:11:9: rewards.r.feb29");
  EXPECT_NE(e.message.find("only applies to birthday = \"day\""), std::string::npos) << e.message;
  e = reward_error(reward_with("birthday = \"month_start\"\nfeb29 = \"mar1\"\n", "birthday"));
  EXPECT_EQ(e.field, "shop.toml:12:9: rewards.r.feb29");
  e = reward_error(reward_with("birthday = \"week\"\n", "birthday"));
  EXPECT_EQ(e.field, "shop.toml:11:12: rewards.r.birthday");
  EXPECT_EQ(e.message, "must be \"month_start\" or \"day\"");
  e = reward_error(reward_with("birthday = \"day\"\nfeb29 = \"feb29\"\n", "birthday"));
  EXPECT_EQ(e.field, "shop.toml:12:9: rewards.r.feb29");
  EXPECT_EQ(e.message, "must be \"feb28\" or \"mar1\"");
  for (const char* bad : {"grace_days = 32\n", "grace_days = -1\n"}) {
    e = reward_error(reward_with(bad, "birthday"));
    EXPECT_EQ(e.field, "shop.toml:11:14: rewards.r.grace_days") << bad;
    EXPECT_EQ(e.message, "must be between 0 and 31") << bad;
  }
}

TEST(ProgramFileRewards, LimitsAndBudgetsAreAtLeastOne) {
  for (const char* bad : {"limit = { per_day = 0 }\n", "limit = { per_day = -1 }\n"}) {
    Error e = reward_error(reward_with(bad));
    EXPECT_EQ(e.field, "shop.toml:11:21: rewards.r.limit.per_day") << bad;
    EXPECT_EQ(e.message, "must be between 1 and 1000000000") << bad;
  }
  Error e = reward_error(reward_with("limit = { lifetime = \"1\" }\n"));
  EXPECT_EQ(e.field, "shop.toml:11:22: rewards.r.limit.lifetime");
  EXPECT_EQ(e.message, "must be a whole number");
  e = reward_error(reward_with("limit = 1\n"));
  EXPECT_EQ(e.field, "shop.toml:11:9: rewards.r.limit");
  EXPECT_NE(e.message.find("must be a table"), std::string::npos) << e.message;
  e = reward_error(reward_with("budget = { count = 0 }\n"));
  EXPECT_EQ(e.field, "shop.toml:11:20: rewards.r.budget.count");
  e = reward_error(reward_with("budget = { value = 0 }\n"));
  EXPECT_EQ(e.field, "shop.toml:11:20: rewards.r.budget.value");
  EXPECT_EQ(e.message, "must be more than 0");
  e = reward_error(earn_rule_with("member_caps = { per_day = 0 }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:27: earning.rules.e.member_caps.per_day");
  EXPECT_EQ(e.message, "must be more than 0");
  e = reward_error(earn_rule_with("member_caps = { per_year = -100 }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:28: earning.rules.e.member_caps.per_year");
  EXPECT_EQ(e.message, "must not be negative");
  e = reward_error(earn_rule_with("budget = { count = -1 }\n"));
  EXPECT_EQ(e.field, "shop.toml:10:20: earning.rules.e.budget.count");
  e = reward_error(earn_rule_with("member_caps = 500\n"));
  EXPECT_EQ(e.field, "shop.toml:10:15: earning.rules.e.member_caps");
}

TEST(ProgramFileRewards, IdsAreUniqueAmongRewardsAndEarnRules) {
  Error e = reward_error(reward_with(reward_with("", "review")));
  EXPECT_EQ(e.field, "shop.toml:12:6: rewards[1].id");
  EXPECT_EQ(e.message, "'r' is already the id of rewards[0]");
  // An earn rule's id, whether [earning] comes before or after the rewards.
  const std::string rule = "[[earning.rules]]\nid = \"r\"\nwallet = \"credit\"\nrate = \"1%\"\n";
  e = reward_error(rule + reward_with(""));  // the reward's id on line 11
  EXPECT_EQ(e.field, "shop.toml:11:6: rewards[0].id");
  EXPECT_EQ(e.message,
            "'r' is already the id of earning.rules[0]: rewards and earn rules need different ids");
  e = reward_error(reward_with("") + rule);
  EXPECT_EQ(e.field, "shop.toml:7:6: rewards[0].id");
  EXPECT_NE(e.message.find("earning.rules[0]"), std::string::npos) << e.message;
  // A member day may share an id: it grants nothing.
  EXPECT_EQ(parse_ok(kHead + reward_with("") +
                     "[[member_days]]\nid = \"r\"\nday_of_month = 8\nmultiplier = \"2x\"\n")
                .rules.rewards.size(),
            1u);
}

TEST(ProgramFileRewards, RewardsAreAnArrayOfAtMost64Tables) {
  Error e = reward_error("[rewards]\nid = \"r\"\n");
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards");
  EXPECT_EQ(e.message, "must be an array of tables");
  e = parse_error("rewards = [1]\n" + std::string(kHead));
  EXPECT_EQ(e.field, "shop.toml:1:12: rewards[0]");
  std::string many;
  for (int i = 0; i < 65; ++i) {
    many += "[[rewards]]\nid = \"r" + std::to_string(i) +
            "\"\non = \"review\"\nwallet = \"credit\"\namount = 1\n";
  }
  e = reward_error(many);
  EXPECT_EQ(e.field, "shop.toml:6:1: rewards");
  EXPECT_NE(e.message.find("more than 64"), std::string::npos) << e.message;
}

TEST(ProgramFileRewards, PrintedRewardsParseBackToTheSameProgram) {
  std::vector<std::string> files = {
      std::string(kHead) + kRewards,
      std::string(kHead) + kTiers + reward_with("tier_amounts = { gold = 300 }\n"),
      // Explicit limits that differ from the default, and none at all.
      kHead + reward_with("limit = { per_month = 2 }\n") +
          "[[rewards]]\nid = \"x\"\non = \"first_purchase\"\nwallet = \"points\"\namount = 5\n"
          "limit = {}\n",
      kHead + reward_with("", "birthday") + earn_rule_with("member_caps = { per_day = 500 }\n"),
      "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n"
      "[[rewards]]\nid = \"c\"\non = \"share\"\nwallet = \"credit\"\namount = \"0.05\"\n"
      "tier_amounts = { gold = \"1.5\" }\nbudget = { value = \"99.99\", count = 3 }\n"
      "[[earning.rules]]\nid = \"e\"\nwallet = \"credit\"\nrate = \"1%\"\n"
      "member_caps = { per_day = \"0.5\", per_month = 20, per_year = \"250.25\" }\n"
      "budget = { count = 7 }\n"};
  for (const std::string& file : files) {
    SCOPED_TRACE(file);
    app::Program p = parse_ok(file);
    ASSERT_FALSE(p.rules.rewards.empty());
    std::string text = config::to_toml(p);
    auto again = config::parse_program(text, "printed.toml", "shop");
    ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
    EXPECT_EQ(*again, p) << text;
    EXPECT_TRUE(app::setting_changes(p, *again).empty());
    EXPECT_EQ(config::to_toml(*again), text);
  }
  // Optional keys are printed only when set; the limit always (left out, the
  // trigger's default would apply).
  std::string text = config::to_toml(parse_ok(kHead + reward_with("limit = {}\n", "review")));
  EXPECT_NE(text.find("limit = {}"), std::string::npos) << text;
  EXPECT_EQ(text.find("budget"), std::string::npos) << text;
  EXPECT_EQ(text.find("expires"), std::string::npos) << text;
  EXPECT_EQ(text.find("grace_days"), std::string::npos) << text;
  EXPECT_EQ(text.find("member_caps"), std::string::npos) << text;
}

TEST(ProgramSettings, RewardAndCapSettingsAreNamedByIdAndKey) {
  app::Program a = parse_ok(std::string(kHead) + kRewards +
                            earn_rule_with("member_caps = { per_day = 500 }\n"
                                           "budget = { count = 10 }\n"));
  auto settings = app::program_settings(a);
  EXPECT_EQ(settings.at("rewards.signup_gift.on"), "signup");
  EXPECT_EQ(settings.at("rewards.signup_gift.wallet"), "credit");
  EXPECT_EQ(settings.at("rewards.signup_gift.amount"), "100");
  EXPECT_EQ(settings.at("rewards.signup_gift.source"), "welcome");
  EXPECT_EQ(settings.at("rewards.signup_gift.expires"), "60d");
  EXPECT_EQ(settings.at("rewards.signup_gift.tier_amounts.vip"), "500");
  EXPECT_EQ(settings.at("rewards.signup_gift.tiers"), "[\"gold\", \"vip\"]");
  EXPECT_EQ(settings.at("rewards.signup_gift.limit.per_month"), "5");
  EXPECT_EQ(settings.at("rewards.signup_gift.limit.lifetime"), "1");
  EXPECT_EQ(settings.at("rewards.signup_gift.budget.value"), "100000");
  EXPECT_EQ(settings.at("rewards.signup_gift.budget.count"), "1000");
  EXPECT_EQ(settings.at("rewards.bday.birthday"), "day");
  EXPECT_EQ(settings.at("rewards.bday.feb29"), "mar1");
  EXPECT_EQ(settings.at("rewards.bday.grace_days"), "3");
  EXPECT_EQ(settings.at("rewards.bday.limit.per_year"), "1");
  EXPECT_EQ(settings.at("rewards.quiz.event"), "quiz_done");
  EXPECT_EQ(settings.at("earning.rules.e.member_caps.per_day"), "500");
  EXPECT_EQ(settings.at("earning.rules.e.budget.count"), "10");
  // Unset optional keys have no setting.
  for (const char* key :
       {"rewards.quiz.source", "rewards.quiz.expires", "rewards.quiz.limit.per_day",
        "rewards.quiz.budget.value", "rewards.quiz.grace_days", "rewards.signup_gift.event",
        "rewards.signup_gift.birthday", "earning.rules.e.member_caps.per_month",
        "earning.rules.e.budget.value"}) {
    EXPECT_EQ(settings.count(key), 0u) << key;
  }

  app::Program b = a;
  b.rules.rewards[0].amount = 200;
  b.rules.rewards[0].limits.per_month = 0;
  b.rules.rewards[1].birthday_on = rules::BirthdayOn::kMonthStart;  // feb29 goes away
  b.rules.rewards.pop_back();                                       // quiz
  b.rules.earn[0].member_caps.per_month = 2000;
  b.rules.earn[0].budget.count = 0;
  auto changes = app::setting_changes(a, b);
  std::vector<std::string> keys;
  for (const auto& c : changes) keys.push_back(c.key);
  EXPECT_EQ(keys, (std::vector<std::string>{
                      "earning.rules.e.budget.count", "earning.rules.e.member_caps.per_month",
                      "rewards.bday.birthday", "rewards.bday.feb29", "rewards.quiz.amount",
                      "rewards.quiz.event", "rewards.quiz.on", "rewards.quiz.tiers",
                      "rewards.quiz.wallet", "rewards.signup_gift.amount",
                      "rewards.signup_gift.limit.per_month"}));
  ASSERT_EQ(changes.size(), 11u);
  EXPECT_FALSE(changes[0].after);
  EXPECT_FALSE(changes[1].before);
  EXPECT_EQ(*changes[1].after, "2000");
  EXPECT_EQ(*changes[2].before, "day");
  EXPECT_EQ(*changes[2].after, "month_start");
  EXPECT_EQ(*changes[9].before, "100");
  EXPECT_EQ(*changes[9].after, "200");
  EXPECT_FALSE(changes[10].after);
}

// A reward may give a coupon instead of value: `coupon` takes the catalog's
// coupon table; wallet, amount, tier_amounts, source and expires are then
// refused, and a budget counts grants only.
TEST(ProgramFileRewards, ACouponRewardParsesPrintsAndRefusesValueKeys) {
  app::Program p = parse_ok(std::string(kHead) + R"([[rewards]]
id = "bday_coupon"
on = "birthday"
coupon = { type = "percent", percent = "15%", max_discount = 300, min_spend = 1000, valid_days = 14 }
budget = { count = 500 }
)");
  ASSERT_EQ(p.rules.rewards.size(), 1u);
  const rules::Reward& r = p.rules.rewards[0];
  ASSERT_TRUE(r.coupon.has_value());
  EXPECT_EQ(r.coupon->terms.kind, rules::CouponTerms::Kind::kPercent);
  EXPECT_EQ(r.coupon->terms.percent_bp, 1500);
  EXPECT_EQ(r.coupon->terms.max_discount, 300);
  EXPECT_EQ(r.coupon->terms.min_spend, 1000);
  EXPECT_EQ(r.coupon->valid_days, 14);
  EXPECT_TRUE(r.wallet.empty());
  EXPECT_EQ(r.limits.per_year, 1);  // the birthday default
  EXPECT_EQ(r.budget.count, 500);
  // Printed and parsed again: the same reward, and the same text.
  std::string text = config::to_toml(p);
  auto again = config::parse_program(text, "printed.toml", "shop");
  ASSERT_TRUE(again) << again.error().field << ": " << again.error().message << "\n" << text;
  EXPECT_EQ(again->rules.rewards, p.rules.rewards);
  EXPECT_EQ(config::to_toml(*again), text);

  for (const char* extra : {"wallet = \"credit\"\n", "amount = 5\n", "source = \"bday\"\n",
                            "expires = \"30d\"\n", "tier_amounts = { gold = 5 }\n"}) {
    SCOPED_TRACE(extra);
    Error e = parse_error(std::string(kHead) + "[[rewards]]\nid = \"c\"\non = \"signup\"\n" +
                          "coupon = { type = \"free_shipping\" }\n" + extra);
    EXPECT_NE(e.field.find("shop.toml:10:"), std::string::npos) << e.field;
    EXPECT_NE(e.message.find("gives a coupon"), std::string::npos) << e.message;
  }
  Error budget =
      parse_error(std::string(kHead) +
                  "[[rewards]]\nid = \"c\"\non = \"signup\"\n"
                  "coupon = { type = \"fixed\", amount = 50 }\nbudget = { value = 100 }\n");
  EXPECT_NE(budget.field.find("rewards.c.budget.value"), std::string::npos) << budget.field;
  // A first-purchase reward is clawed back with its order; a code could not be.
  Error first = parse_error(std::string(kHead) +
                            "[[rewards]]\nid = \"c\"\non = \"first_purchase\"\n"
                            "coupon = { type = \"fixed\", amount = 50 }\n");
  EXPECT_NE(first.field.find("shop.toml:9:"), std::string::npos) << first.field;
  EXPECT_NE(first.field.find("rewards.c.coupon"), std::string::npos) << first.field;
  Error neither = parse_error(std::string(kHead) + "[[rewards]]\nid = \"c\"\non = \"signup\"\n");
  EXPECT_NE(neither.field.find("rewards.c.wallet"), std::string::npos) << neither.field;
  // The settings diff sees a coupon change.
  app::Program changed = p;
  changed.rules.rewards[0].coupon->valid_days = 30;
  auto diff = app::setting_changes(p, changed);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].key, "rewards.bday_coupon.coupon.valid_days");
}

}  // namespace
}  // namespace patron
