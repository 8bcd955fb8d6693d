// Campaign windows, targeting and the holdout bucket (rules/campaigns.h),
// the reward dates and splits of rules/rewards.h, and the referral checks
// of rules/referrals.h.
#include "rules/campaigns.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <numeric>

#include "rules/referrals.h"
#include "rules/rewards.h"

namespace patron::rules {
namespace {

const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}

Instant utc(int y, unsigned m, unsigned d, int h = 0, int min = 0, int s = 0) {
  using namespace std::chrono;
  return Instant{sys_days{year{y} / month{m} / day{d}}} + hours{h} + minutes{min} + seconds{s};
}

// Independently computed (Python: FNV-1a 64 over the UTF-8 bytes, % 10000).
TEST(Holdout, BucketIsFnv1aOfProgramCampaignMember) {
  EXPECT_EQ(holdout_bucket("scenario", "spring", "m1"), 9696);
  EXPECT_EQ(holdout_bucket("scenario", "spring", "m4"), 751);
  EXPECT_EQ(holdout_bucket("scenario", "spring", "m5"), 2540);
  Campaign c;
  c.id = "spring";
  c.holdout_bp = 2540;
  EXPECT_TRUE(in_holdout(c, "scenario", "m4"));
  EXPECT_FALSE(in_holdout(c, "scenario", "m5"));  // bucket == share: treated
  c.holdout_bp = 0;
  EXPECT_FALSE(in_holdout(c, "scenario", "m4"));
}

TEST(Holdout, SharesAreCloseToTheConfiguredShareOverManyMembers) {
  int held = 0;
  for (int i = 0; i < 100000; ++i) {
    if (holdout_bucket("p", "c", "member-" + std::to_string(i)) < 1000) ++held;
  }
  // 10% of 100,000 with a binomial sd of ~95: 6 sd either side.
  EXPECT_NEAR(held, 10000, 570);
}

TEST(CampaignWindow, AbsoluteRecurringAndHoursAreLocal) {
  Campaign c;
  c.starts = utc(2026, 11, 10, 16);  // 11 Nov 00:00 Taipei
  c.ends = utc(2026, 11, 11, 16);    // 12 Nov 00:00 Taipei
  EXPECT_FALSE(campaign_open(c, utc(2026, 11, 10, 15, 59, 59), taipei()));
  EXPECT_TRUE(campaign_open(c, utc(2026, 11, 10, 16), taipei()));
  EXPECT_TRUE(campaign_open(c, utc(2026, 11, 11, 15, 59, 59), taipei()));
  EXPECT_FALSE(campaign_open(c, utc(2026, 11, 11, 16), taipei()));

  Campaign weekend;
  weekend.weekdays = {0, 6};
  weekend.start_minute = 20 * 60;
  weekend.end_minute = 22 * 60;
  // Saturday 7 March 2026 20:00 Taipei = 12:00 UTC.
  EXPECT_TRUE(campaign_open(weekend, utc(2026, 3, 7, 12), taipei()));
  EXPECT_FALSE(campaign_open(weekend, utc(2026, 3, 7, 14), taipei()));  // 22:00: end exclusive
  EXPECT_FALSE(campaign_open(weekend, utc(2026, 3, 9, 12), taipei()));  // Monday
  Campaign eighth;
  eighth.days_of_month = {8};
  EXPECT_TRUE(campaign_open(eighth, utc(2026, 3, 7, 16), taipei()));  // 8 Mar 00:00 local
  EXPECT_FALSE(campaign_open(eighth, utc(2026, 3, 7, 15, 59, 59), taipei()));
}

// Even pacing over 1-10 March Taipei (ten local days): day d releases
// ceil(budget x d / 10); without pacing, or after the window, all of it.
TEST(CampaignBudget, EvenPacingReleasesTheBudgetByLocalDay) {
  Campaign c;
  c.starts = utc(2026, 2, 28, 16);  // 1 Mar 00:00 Taipei
  c.ends = utc(2026, 3, 10, 16);    // 11 Mar 00:00 Taipei
  c.budget = Budget{1005, 3};
  EXPECT_EQ(budget_by(c, utc(2026, 3, 1), taipei()), c.budget) << "not paced";
  c.even_pacing = true;
  EXPECT_EQ(budget_by(c, utc(2026, 2, 28, 16), taipei()), (Budget{101, 1}));  // day 1, rounded up
  EXPECT_EQ(budget_by(c, utc(2026, 2, 1), taipei()), (Budget{101, 1})) << "before: day 1";
  EXPECT_EQ(budget_by(c, utc(2026, 3, 1, 15, 59, 59), taipei()), (Budget{101, 1}));  // 23:59:59
  EXPECT_EQ(budget_by(c, utc(2026, 3, 1, 16), taipei()), (Budget{201, 1}));          // day 2
  EXPECT_EQ(budget_by(c, utc(2026, 3, 5, 16), taipei()), (Budget{603, 2}));          // day 6
  EXPECT_EQ(budget_by(c, utc(2026, 3, 10, 15, 59, 59), taipei()), c.budget);         // day 10
  EXPECT_EQ(budget_by(c, utc(2026, 3, 10, 16), taipei()), c.budget) << "after the window";
  // The largest budget does not overflow.
  c.budget = Budget{INT64_MAX, 0};
  EXPECT_EQ(budget_by(c, utc(2026, 3, 5, 16), taipei()).value, 5'534'023'222'112'865'485);
}

TEST(CampaignTarget, TiersTagsPurchasesAndOrderValue) {
  Campaign c;
  c.tiers = {"gold"};
  c.max_purchases = 0;
  c.min_order_value = 1000;
  const std::vector<std::string> none;
  EXPECT_TRUE(campaign_targets(c, "gold", none, 0, 1000));
  EXPECT_FALSE(campaign_targets(c, "gold", none, 0, 999));
  EXPECT_FALSE(campaign_targets(c, "gold", none, 1, 5000));
  EXPECT_FALSE(campaign_targets(c, "silver", none, 0, 5000));
  // Tags: the member has at least one of the campaign's.
  c.tags = {"wholesale", "vip_event"};
  EXPECT_FALSE(campaign_targets(c, "gold", none, 0, 1000));
  EXPECT_FALSE(campaign_targets(c, "gold", {"newsletter"}, 0, 1000));
  EXPECT_TRUE(campaign_targets(c, "gold", {"newsletter", "vip_event"}, 0, 1000));
  EXPECT_FALSE(campaign_targets(c, "silver", {"vip_event"}, 0, 1000)) << "and the tier";
}

TEST(Rewards, BirthdayDatesAndTheTwentyNinthOfFebruary) {
  using namespace std::chrono;
  Reward r;
  r.on = RewardOn::kBirthday;
  year_month_day leap = year{2000} / February / day{29};
  EXPECT_EQ(birthday_reward_date(r, year{2026}, leap), year{2026} / February / day{1});
  r.birthday_on = BirthdayOn::kDay;
  EXPECT_EQ(birthday_reward_date(r, year{2026}, leap), year{2026} / February / day{28});
  r.feb29 = Feb29::kMar1;
  EXPECT_EQ(birthday_reward_date(r, year{2026}, leap), year{2026} / March / day{1});
  EXPECT_EQ(birthday_reward_date(r, year{2028}, leap), year{2028} / February / day{29});
}

TEST(Rewards, SplitByWeightSumsAndFavoursLargestRemainders) {
  EXPECT_EQ(split_by_weight(100, {1, 1, 1}), (std::vector<int64_t>{34, 33, 33}));
  EXPECT_EQ(split_by_weight(40, {300, 0, 300}), (std::vector<int64_t>{20, 0, 20}));
  EXPECT_EQ(split_by_weight(0, {5, 7}), (std::vector<int64_t>{0, 0}));
  for (int64_t amount : {1, 7, 99, 12345}) {
    auto parts = split_by_weight(amount, {3, 5, 11, 0, 2});
    EXPECT_EQ(std::accumulate(parts.begin(), parts.end(), int64_t{0}), amount);
  }
}

TEST(Referrals, ContactsAreNormalisedBeforeComparing) {
  EXPECT_EQ(normalize_email("  Alice.Chen+shop@GoogleMail.com "), "alicechen@gmail.com");
  EXPECT_EQ(normalize_email("a.b+c@example.com"), "a.b+c@example.com");
  EXPECT_EQ(normalize_email("no-at-sign"), "");
  EXPECT_EQ(normalize_phone("+886 912-345-678"), "0912345678");
  EXPECT_EQ(normalize_phone("0912345678"), "0912345678");
  EXPECT_EQ(normalize_phone("12"), "");
  ReferralRules rules;
  rules.review_over_per_month = 3;
  ReferralParties p{"a@x.tw", "0912345678", "A@X.TW", "+886912345678", 3, 3};
  EXPECT_EQ(referral_review_reasons(rules, p),
            (std::vector<std::string>{"same_email", "same_phone", "referrer_limit_month"}));
  rules.review_same_contact = false;
  p.referrer_month = 2;
  EXPECT_TRUE(referral_review_reasons(rules, p).empty());
}

}  // namespace
}  // namespace patron::rules
