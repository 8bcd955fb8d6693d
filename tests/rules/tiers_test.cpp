// Tiers (rules/tiers.h): paid value, windows, immediate upgrade, refund
// undo, retention and downgrade at anniversaries, progress.
#include "rules/tiers.h"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace patron::rules {
namespace {

const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}
Instant at(const char* text) {
  return *parse_instant(text, nullptr, "t");
}

// 一般 0 / 銀卡 3000 (keep 2000) / 金卡 10000 (keep 8000) / VIP 30000 (keep 25000),
// 12-month rolling paid spend, 12-month periods.
Tiers taiwan() {
  Tiers t;
  t.levels = {{"regular", "一般", 0, 0, "", 12},
              {"silver", "銀卡", 3000, 2000, "", 12},
              {"gold", "金卡", 10000, 8000, "", 12},
              {"vip", "VIP", 30000, 25000, "", 12}};
  return t;
}

TEST(Tiers, PaidValueIsNetOfRefundsAndWalletValue) {
  Order o;
  OrderLine a;
  a.line_id = "a";
  a.quantity = 4;
  a.unit_price = 500;
  a.discount = 200;         // net 1800
  a.refunded_quantity = 1;  // 3/4 kept: 1350
  OrderLine b;
  b.line_id = "b";
  b.quantity = 1;
  b.unit_price = 1000;
  b.paid_with_value = 100;  // 900
  o.lines = {a, b};
  o.shipping = 80;  // never counts
  EXPECT_EQ(paid_value(o, 0), 2250);
  EXPECT_EQ(paid_value(o, 250), 2000);
  EXPECT_EQ(paid_value(o, 99999), 0);
}

TEST(Tiers, LevelForTakesTheHighestEntryReached) {
  Tiers t = taiwan();
  EXPECT_EQ(level_for(t, 0), 0u);
  EXPECT_EQ(level_for(t, 2999), 0u);
  EXPECT_EQ(level_for(t, 3000), 1u);
  EXPECT_EQ(level_for(t, 29999), 2u);
  EXPECT_EQ(level_for(t, 30000), 3u);
  EXPECT_EQ(level_index(t, "gold"), 2u);
  EXPECT_EQ(level_index(t, "gone"), 0u);
}

TEST(Tiers, RollingWindowStartsOnTheSameLocalDateMonthsBefore) {
  Tiers t = taiwan();
  TierState s;
  Instant now = at("2026-12-01T10:00:00+08:00");
  std::vector<CountedOrder> orders = {
      {"in", at("2025-12-01T00:00:00+08:00"), 1000},   // exactly 12 months before, 00:00 local
      {"out", at("2025-11-30T23:59:59+08:00"), 5000},  // a second earlier
      {"future", at("2026-12-02T00:00:00+08:00"), 7000}};
  EXPECT_EQ(qualifying_value(t, s, orders, now, taipei()), 1000);
  t.window = Tiers::Window::kLifetime;
  EXPECT_EQ(qualifying_value(t, s, orders, now, taipei()), 6000);
  t.window = Tiers::Window::kCalendarYear;
  EXPECT_EQ(qualifying_value(t, s, orders, now, taipei()), 0);
  orders.push_back({"jan", at("2026-01-01T00:00:00+08:00"), 40});
  EXPECT_EQ(qualifying_value(t, s, orders, now, taipei()), 40);
}

TEST(Tiers, UpgradeIsImmediateAndStartsAPeriod) {
  Tiers t = taiwan();
  TierState s;
  Instant now = at("2026-03-03T12:00:00+08:00");
  std::vector<CountedOrder> orders = {{"o1", at("2026-01-10T12:00:00+08:00"), 2000}};
  auto none = on_order(t, s, orders, "o1", false, now, taipei());
  EXPECT_FALSE(none.changed());
  orders.push_back({"o2", now, 1000});
  auto up = on_order(t, s, orders, "o2", false, now, taipei());
  EXPECT_TRUE(up.changed());
  EXPECT_EQ(up.reason, "upgrade");
  EXPECT_EQ(up.state.tier, "silver");
  EXPECT_EQ(up.state.previous, "");
  EXPECT_EQ(up.state.upgraded_by, "o2");
  EXPECT_EQ(*up.state.since, now);
  EXPECT_EQ(*up.state.until, at("2027-03-03T00:00:00+08:00"));  // local midnight, same date
  // Straight to gold from regular when one order is big enough.
  orders.push_back({"o3", now, 9000});
  EXPECT_EQ(on_order(t, s, orders, "o3", false, now, taipei()).state.tier, "gold");
}

TEST(Tiers, RefundOfTheUpgradingOrderUndoesTheUpgrade) {
  Tiers t = taiwan();
  Instant now = at("2026-03-03T12:00:00+08:00");
  std::vector<CountedOrder> orders = {{"o1", at("2026-01-10T12:00:00+08:00"), 2000},
                                      {"o2", now, 1000}};
  TierState silver = on_order(t, {}, orders, "o2", false, now, taipei()).state;
  ASSERT_EQ(silver.tier, "silver");
  // A partial refund of o2 leaving 2999: back to regular.
  orders[1].value = 999;
  Instant later = at("2026-03-05T09:00:00+08:00");
  auto undo = on_order(t, silver, orders, "o2", true, later, taipei());
  EXPECT_EQ(undo.reason, "refund_undo");
  EXPECT_EQ(undo.state.tier, "");
  EXPECT_FALSE(undo.state.until.has_value());
  // Without a refund (another event of the same order) nothing is undone.
  EXPECT_FALSE(on_order(t, silver, orders, "o2", false, later, taipei()).changed());
  // A refund of another order, or one that keeps the value over the entry, does not.
  EXPECT_FALSE(on_order(t, silver, orders, "o1", true, later, taipei()).changed());
  orders[1].value = 1000;
  EXPECT_FALSE(on_order(t, silver, orders, "o2", true, later, taipei()).changed());
}

TEST(Tiers, AnniversaryRetainsDowngradesOneStepOrToQualifying) {
  Tiers t = taiwan();
  TierState gold;
  gold.tier = "gold";
  gold.since = at("2025-03-03T12:00:00+08:00");
  gold.until = at("2026-03-03T00:00:00+08:00");
  std::vector<CountedOrder> orders = {{"o1", at("2025-06-01T12:00:00+08:00"), 8000}};
  // Not yet due: nothing.
  EXPECT_EQ(on_anniversary(t, gold, orders, at("2026-03-02T23:59:59+08:00"), taipei()).reason,
            "none");
  // 8000 over the 12 months before the anniversary: kept for another period.
  auto kept = on_anniversary(t, gold, orders, at("2026-03-03T00:00:00+08:00"), taipei());
  EXPECT_EQ(kept.reason, "retained");
  EXPECT_EQ(kept.state.tier, "gold");
  EXPECT_EQ(*kept.state.since, *gold.until);
  EXPECT_EQ(*kept.state.until, at("2027-03-03T00:00:00+08:00"));
  // 7999: one step down to silver.
  orders[0].value = 7999;
  auto down = on_anniversary(t, gold, orders, at("2026-03-10T00:00:00+08:00"), taipei());
  EXPECT_EQ(down.reason, "downgrade");
  EXPECT_EQ(down.state.tier, "silver");
  // To the qualifying level: 1000 qualifies for nothing above regular.
  orders[0].value = 1000;
  t.downgrade = Tiers::Downgrade::kToQualifying;
  EXPECT_EQ(on_anniversary(t, gold, orders, at("2026-03-10T00:00:00+08:00"), taipei()).state.tier,
            "");
}

TEST(Tiers, MissedAnniversariesAreJudgedInTurn) {
  Tiers t = taiwan();
  TierState vip;
  vip.tier = "vip";
  vip.since = at("2023-03-03T00:00:00+08:00");
  vip.until = at("2024-03-03T00:00:00+08:00");
  // Nothing bought since: three anniversaries later, one step each time.
  auto r = on_anniversary(t, vip, {}, at("2026-06-01T00:00:00+08:00"), taipei());
  EXPECT_EQ(r.state.tier, "");
  EXPECT_EQ(r.from, "vip");
  EXPECT_FALSE(r.state.until.has_value());
}

TEST(Tiers, ProgressSaysHowMuchMoreToReachAndToKeep) {
  Tiers t = taiwan();
  TierState silver;
  silver.tier = "silver";
  silver.since = at("2026-03-03T12:00:00+08:00");
  silver.until = at("2027-03-03T00:00:00+08:00");
  std::vector<CountedOrder> orders = {{"o1", at("2026-03-03T12:00:00+08:00"), 3200},
                                      {"o0", at("2025-01-01T12:00:00+08:00"), 9999}};
  auto p = progress(t, silver, orders, at("2026-06-01T00:00:00+08:00"), taipei());
  EXPECT_EQ(p.tier, "silver");
  EXPECT_EQ(p.value, 3200);  // o0 is out of the rolling window
  EXPECT_EQ(p.next, "gold");
  EXPECT_EQ(p.to_next, 6800);
  EXPECT_EQ(p.to_keep, 0);  // 3200 already counts for the window ending at the anniversary
  orders[0].value = 1500;
  p = progress(t, silver, orders, at("2026-06-01T00:00:00+08:00"), taipei());
  EXPECT_EQ(p.to_keep, 500);
  TierState vip;
  vip.tier = "vip";
  EXPECT_EQ(progress(t, vip, orders, at("2026-06-01T00:00:00+08:00"), taipei()).next, "");
  // A rolling window sets no deadline for the next level: it slides.
  EXPECT_FALSE(p.next_by.has_value());
}

TEST(Tiers, ProgressGivesTheDeadlineTheWindowSets) {
  Tiers t = taiwan();
  TierState silver;
  silver.tier = "silver";
  silver.since = at("2026-03-03T12:00:00+08:00");
  silver.until = at("2027-03-03T00:00:00+08:00");
  std::vector<CountedOrder> orders = {{"o1", at("2026-03-03T12:00:00+08:00"), 3200}};
  // Calendar year: by the next local 1 January, however late in the year.
  t.window = Tiers::Window::kCalendarYear;
  auto p = progress(t, silver, orders, at("2026-12-31T23:30:00+08:00"), taipei());
  ASSERT_TRUE(p.next_by.has_value());
  EXPECT_EQ(*p.next_by, at("2027-01-01T00:00:00+08:00"));
  EXPECT_EQ(p.to_next, 6800);
  // Since the tier started: by the anniversary.
  t.window = Tiers::Window::kSinceTierStart;
  p = progress(t, silver, orders, at("2026-06-01T00:00:00+08:00"), taipei());
  EXPECT_EQ(p.next_by, silver.until);
  // Lifetime: no deadline; the top level: nothing to reach.
  t.window = Tiers::Window::kLifetime;
  EXPECT_FALSE(progress(t, silver, orders, at("2026-06-01T00:00:00+08:00"), taipei()).next_by);
  TierState vip;
  vip.tier = "vip";
  t.window = Tiers::Window::kCalendarYear;
  EXPECT_FALSE(progress(t, vip, orders, at("2026-06-01T00:00:00+08:00"), taipei()).next_by);
}

TEST(Tiers, EffectiveTierNamesTheFirstLevelAndNothingWithoutTiers) {
  Tiers t = taiwan();
  EXPECT_EQ(effective_tier(t, {}), "regular");
  TierState gold;
  gold.tier = "gold";
  EXPECT_EQ(effective_tier(t, gold), "gold");
  EXPECT_EQ(effective_tier(Tiers{}, gold), "");
}

TEST(Tiers, DisabledTiersChangeNothing) {
  Tiers none;
  std::vector<CountedOrder> orders = {{"o1", at("2026-01-10T12:00:00+08:00"), 99999}};
  EXPECT_FALSE(
      on_order(none, {}, orders, "o1", false, at("2026-02-01T00:00:00Z"), taipei()).changed());
  EXPECT_EQ(on_anniversary(none, {}, orders, at("2026-02-01T00:00:00Z"), taipei()).reason, "none");
}

}  // namespace
}  // namespace patron::rules
