// The pure summaries behind the analytics commands: order KPIs folded per
// member (analytics/kpis.h), wallet KPIs from account flows, cohort
// retention (analytics/cohorts.h) and calibration summaries
// (analytics/calibration.h), on hand-computed examples and their error paths.
#include <gtest/gtest.h>

#include <vector>

#include "analytics/calibration.h"
#include "analytics/cohorts.h"
#include "analytics/kpis.h"

namespace patron::analytics {
namespace {

Instant day(int64_t d) {
  return from_unix_seconds(d * kSecondsPerDay);
}

TEST(OrderKpis, HandComputedPeriod) {
  // Period days 100..200, churn 30 days (lapse at day 170).
  KpiPeriod period{day(100), day(200), 30};
  OrderKpis k;
  std::vector<Purchase> a{{day(110), 1000}, {day(175), 500}, {day(250), 99}};  // 2 in, active
  std::vector<Purchase> b{{day(50), 300}, {day(120), 200}};                    // 1 in, churned
  std::vector<Purchase> c{{day(10), 700}};                                     // 0 in, churned
  std::vector<Purchase> d{{day(180), 400}};                                    // 1 in, active
  for (const auto* m : {&a, &b, &c, &d}) ASSERT_TRUE(add_member_purchases(k, *m, period));
  finish_order_kpis(k);
  EXPECT_EQ(k.buyers, 3);
  EXPECT_EQ(k.repeat_buyers, 1);
  EXPECT_EQ(k.orders, 4);
  EXPECT_EQ(k.revenue_minor, 2100);
  EXPECT_EQ(k.active_members, 2);
  EXPECT_EQ(k.churned_members, 2);
  EXPECT_DOUBLE_EQ(*k.repurchase_rate, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*k.average_order_value_minor, 525.0);
  EXPECT_DOUBLE_EQ(*k.purchase_frequency, 4.0 / 3.0);
}

TEST(OrderKpis, EmptyRatiosAndErrors) {
  OrderKpis k;
  finish_order_kpis(k);
  EXPECT_FALSE(k.repurchase_rate);
  EXPECT_FALSE(k.average_order_value_minor);
  EXPECT_EQ(validate_period({day(2), day(1), 90}).error().field, "from");
  EXPECT_EQ(validate_period({day(1), day(2), 0}).error().field, "churn_days");
  EXPECT_EQ(validate_period({day(1), day(2), kChurnDaysMax + 1}).error().field, "churn_days");
  std::vector<Purchase> bad{{day(1), -1}};
  EXPECT_EQ(add_member_purchases(k, bad, {day(0), day(9), 90}).error().field, "value");
}

TEST(WalletKpis, NetFlowsAndRates) {
  std::vector<AccountFlow> period{
      {"credit", "issued:purchase", "member:pending", 1000},
      {"credit", "issued:signup", "member:available", 200},
      {"credit", "member:pending", "member:available", 1000},
      {"credit", "member:available", "redeemed", 600},
      {"credit", "redeemed", "member:available", 100},  // a refund restored spend
      {"credit", "member:available", "expired", 100},
      {"credit", "member:available", "clawed_back", 50},
  };
  std::vector<AccountFlow> history = period;
  history.push_back({"credit", "issued:signup", "member:available", 300});
  auto k = wallet_kpis(std::vector<std::string>{"credit", "points"}, period, history);
  ASSERT_TRUE(k) << k.error().message;
  ASSERT_EQ(k->size(), 2u);
  const WalletKpis& c = (*k)[0];
  EXPECT_EQ(c.issued_minor, 1200);
  EXPECT_EQ(c.issued_by_source_minor.at("purchase"), 1000);
  EXPECT_EQ(c.redeemed_minor, 500);
  EXPECT_EQ(c.expired_minor, 100);
  EXPECT_EQ(c.clawed_back_minor, 50);
  EXPECT_EQ(c.outstanding_minor, 1200 + 300 - 500 - 100 - 50);
  EXPECT_DOUBLE_EQ(*c.redemption_rate, 500.0 / 1200.0);
  EXPECT_DOUBLE_EQ(*c.breakage_rate, 100.0 / 600.0);
  EXPECT_EQ((*k)[1].wallet, "points");
  EXPECT_FALSE((*k)[1].redemption_rate);
  std::vector<AccountFlow> negative{{"credit", "a", "b", -1}};
  EXPECT_EQ(wallet_kpis({}, negative, {}).error().field, "amount");
}

TEST(Cohorts, RetentionMatrix) {
  CohortBuilder b;
  const int64_t jan = 2026 * 12, feb = jan + 1, mar = jan + 2;
  std::vector<int64_t> m1{jan, jan, mar}, m2{jan}, m3{feb, mar};
  for (const auto* m : {&m1, &m2, &m3}) ASSERT_TRUE(b.add_member(*m));
  auto rows = b.rows();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].first_month, jan);
  EXPECT_EQ(rows[0].members, 2);
  EXPECT_EQ(rows[0].active, (std::vector<int64_t>{2, 0, 1}));
  EXPECT_EQ(rows[1].active, (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(month_number(std::chrono::year{2026} / 3 / 31), mar);
  EXPECT_EQ(month_of(mar), std::chrono::year{2026} / 3);
  EXPECT_FALSE(b.add_member({}));
  std::vector<int64_t> far{jan + kCohortMonthsMax};
  EXPECT_FALSE(b.add_member(far));
}

TEST(Calibration, PaperConventions) {
  // Days 0 (two orders), 7, 14 and 30 (after the end, day 21).
  std::vector<PurchaseDay> days{{0, 100}, {0, 50}, {7, 200}, {14, 400}, {30, 999}};
  auto c = calibration_customer(days, 21);
  ASSERT_TRUE(c && *c);
  EXPECT_EQ((*c)->purchases.repeat_purchases, 2);
  EXPECT_DOUBLE_EQ((*c)->purchases.last_purchase_weeks, 2.0);
  EXPECT_DOUBLE_EQ((*c)->purchases.age_weeks, 3.0);
  EXPECT_EQ((*c)->spend.repeat_transactions, 2);
  EXPECT_EQ((*c)->spend.repeat_value_minor, 600);
  // One day only: x = 0, t_x = 0.
  auto once = calibration_customer(std::vector<PurchaseDay>{{3, 10}}, 10);
  ASSERT_TRUE(once && *once);
  EXPECT_EQ((*once)->purchases.repeat_purchases, 0);
  EXPECT_DOUBLE_EQ((*once)->purchases.last_purchase_weeks, 0.0);
  EXPECT_DOUBLE_EQ((*once)->purchases.age_weeks, 1.0);
  // First purchase on the end day (T = 0) or after it: no summary.
  EXPECT_FALSE(*calibration_customer(std::vector<PurchaseDay>{{10, 10}}, 10));
  EXPECT_FALSE(*calibration_customer(std::vector<PurchaseDay>{{11, 10}}, 10));
  EXPECT_EQ(calibration_customer(std::vector<PurchaseDay>{{1, -5}}, 10).error().field, "value");
}

}  // namespace
}  // namespace patron::analytics
