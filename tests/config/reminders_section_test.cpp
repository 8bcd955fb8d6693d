// Expiry reminders ([reminders]) in program files: what parses (kept
// ascending), what is refused (file:line:column and key), printing back,
// and the settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-5; what a test appends starts on line 6.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n";

TEST(ProgramFileReminders, ParsesAndSortsTheLeads) {
  app::Program p = parse_ok(std::string(kHead) + "[reminders]\nexpiry_days = [7, 1, 30]\n");
  EXPECT_EQ(p.rules.reminders.expiry_days, (std::vector<int64_t>{1, 7, 30}));
  EXPECT_TRUE(parse_ok(kHead).rules.reminders.expiry_days.empty());  // off unless asked
}

TEST(ProgramFileReminders, RefusesBadLeadsNamingTheKeyAndLine) {
  for (const char* bad :
       {"expiry_days = []", "expiry_days = [0]", "expiry_days = [366]", "expiry_days = [7, 7]",
        "expiry_days = 7", "expiry_days = [\"7\"]", "expiry_days = [1, 2, 3, 4, 5, 6, 7, 8, 9]"}) {
    Error e = parse_error(std::string(kHead) + "[reminders]\n" + bad + "\n");
    EXPECT_NE(e.field.find("shop.toml:7:"), std::string::npos) << bad << " -> " << e.field;
    EXPECT_NE(e.field.find("reminders.expiry_days"), std::string::npos) << e.field;
  }
  Error unknown = parse_error(std::string(kHead) + "[reminders]\ntier_days = [30]\n");
  EXPECT_NE(unknown.field.find("reminders.tier_days"), std::string::npos) << unknown.field;
  Error array = parse_error(std::string(kHead) + "[[reminders]]\nexpiry_days = [1]\n");
  EXPECT_NE(array.field.find("reminders"), std::string::npos) << array.field;
}

TEST(ProgramFileReminders, PrintsBackAndShowsInTheDiff) {
  app::Program p = parse_ok(std::string(kHead) + "[reminders]\nexpiry_days = [1, 7]\n");
  std::string toml = config::to_toml(p);
  EXPECT_NE(toml.find("expiry_days = [ 7, 1 ]"), std::string::npos) << toml;
  EXPECT_EQ(parse_ok(toml).rules.reminders, p.rules.reminders);
  app::Program before = parse_ok(kHead);
  auto changes = app::setting_changes(before, p);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "reminders.expiry_days");
  EXPECT_EQ(changes[0].before, "none");
  EXPECT_EQ(changes[0].after, "1, 7");
}

}  // namespace
}  // namespace patron

namespace patron {
namespace {

TEST(ProgramFileWinback, InactiveDaysIsRequiredForWinbackAndRefusedElsewhere) {
  const std::string head =
      "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[[rewards]]\n";
  app::Program p = parse_ok(head +
                            "id = \"back\"\non = \"winback\"\ninactive_days = 90\nwallet = "
                            "\"credit\"\namount = 100\nexpires = \"14d\"\n");
  ASSERT_EQ(p.rules.rewards.size(), 1u);
  EXPECT_EQ(p.rules.rewards[0].on, rules::RewardOn::kWinback);
  EXPECT_EQ(p.rules.rewards[0].inactive_days, 90);
  EXPECT_EQ(parse_ok(config::to_toml(p)).rules.rewards, p.rules.rewards);  // printed back
  Error missing =
      parse_error(head + "id = \"back\"\non = \"winback\"\nwallet = \"credit\"\namount = 100\n");
  EXPECT_NE(missing.field.find("rewards.back.inactive_days"), std::string::npos) << missing.field;
  Error elsewhere = parse_error(
      head +
      "id = \"hi\"\non = \"signup\"\ninactive_days = 90\nwallet = \"credit\"\namount = 100\n");
  EXPECT_NE(elsewhere.field.find("shop.toml:8:"), std::string::npos) << elsewhere.field;
  EXPECT_NE(elsewhere.field.find("rewards.hi.inactive_days"), std::string::npos) << elsewhere.field;
  Error zero = parse_error(head +
                           "id = \"back\"\non = \"winback\"\ninactive_days = 0\nwallet = "
                           "\"credit\"\namount = 100\n");
  EXPECT_NE(zero.field.find("inactive_days"), std::string::npos) << zero.field;
}

TEST(ProgramFileWinback, ChurnAboveIsAPercentForWinbackOnly) {
  const std::string head =
      "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[[rewards]]\n";
  const std::string winback =
      "id = \"back\"\non = \"winback\"\ninactive_days = 180\nwallet = \"credit\"\namount = 100\n";
  app::Program p = parse_ok(head + winback + "churn_above = \"70%\"\n");
  EXPECT_EQ(p.rules.rewards[0].churn_above_bp, 7000);
  EXPECT_EQ(parse_ok(config::to_toml(p)).rules.rewards, p.rules.rewards);  // printed back
  EXPECT_EQ(parse_ok(head + winback).rules.rewards[0].churn_above_bp, 0);  // off unless asked
  auto diff = app::setting_changes(parse_ok(head + winback), p);
  ASSERT_EQ(diff.size(), 1u);
  EXPECT_EQ(diff[0].key, "rewards.back.churn_above");
  EXPECT_EQ(diff[0].after, "70%");
  for (const char* bad : {"churn_above = \"100%\"", "churn_above = \"0%\"", "churn_above = 0.7",
                          "churn_above = \"seventy\""}) {
    Error e = parse_error(head + winback + bad + "\n");
    EXPECT_NE(e.field.find("shop.toml:11:"), std::string::npos) << bad << " -> " << e.field;
    EXPECT_NE(e.field.find("rewards.back.churn_above"), std::string::npos) << e.field;
  }
  Error elsewhere = parse_error(head +
                                "id = \"hi\"\non = \"signup\"\nwallet = \"credit\"\namount = "
                                "100\nchurn_above = \"70%\"\n");
  EXPECT_NE(elsewhere.field.find("rewards.hi.churn_above"), std::string::npos) << elsewhere.field;
}

}  // namespace
}  // namespace patron
