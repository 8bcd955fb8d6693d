// Replenishment reminders (rules/replenishment.h), pure: a member's own
// median interval against the SKU's over every member, the lower middle of
// an even count, one purchase per local day, the min_interval_days filter,
// the edges of the reminder window, the local day boundary, and the lines
// that are not purchases (reward lines, lines refunded in full).
#include "rules/replenishment.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace patron::rules {
namespace {

using std::chrono::days;
using std::chrono::sys_days;

const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}
Instant at(const char* text) {
  return *parse_instant(text, nullptr, "t");
}
sys_days day(const char* text) {
  return sys_days(*parse_date(text, "d"));
}

// Noon in Taipei `offset` days after 1 January 2026.
Instant noon(int offset) {
  return at("2026-01-01T12:00:00+08:00") + days{offset};
}
sys_days day_of(int offset) {
  return day("2026-01-01") + days{offset};
}

OrderLine line(const std::string& sku, int64_t quantity = 1, const std::string& category = "") {
  OrderLine l;
  l.line_id = sku;
  l.sku = sku;
  l.category = category;
  l.brand = "acme";
  l.quantity = quantity;
  l.unit_price = 100;
  return l;
}

Order order(const std::string& id, const std::string& member, Instant placed,
            std::vector<OrderLine> lines) {
  Order o;
  o.id = id;
  o.member_id = member;
  o.placed_at = placed;
  o.lines = std::move(lines);
  return o;
}

// One order of one unit of `sku` per day offset, ids "<member>-<n>".
std::vector<Order> buys(const std::string& member, const std::string& sku,
                        std::initializer_list<int> offsets) {
  std::vector<Order> out;
  for (int offset : offsets) {
    out.push_back(
        order(member + "-" + std::to_string(out.size() + 1), member, noon(offset), {line(sku)}));
  }
  return out;
}

std::vector<Order> joined(std::initializer_list<std::vector<Order>> parts) {
  std::vector<Order> out;
  for (const auto& part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

std::vector<ReplenishmentDue> due(const std::vector<Order>& orders, sys_days today,
                                  const Replenishment& config = {}) {
  return replenishments_due(config, orders, taipei(), today);
}

TEST(Replenishment, LowerMedianTakesTheLowerMiddleOfAnEvenCount) {
  EXPECT_EQ(lower_median({30}), 30);
  EXPECT_EQ(lower_median({50, 10, 30}), 30);
  EXPECT_EQ(lower_median({40, 20, 50, 30}), 30);  // not 35, the mean of the middles
  EXPECT_EQ(lower_median({9, 7}), 7);
  EXPECT_EQ(lower_median({5, 5, 5, 90}), 5);
}

// A member with intervals of their own is judged on them ("member"); one who
// bought once is judged on every member's intervals of the SKU ("sku").
TEST(Replenishment, OwnMedianFirstThenTheSkusOverEveryMember) {
  // ann: 20, 40, 30 -> 30; bob: 10 -> 10; pooled 10, 20, 30, 40 -> lower 20.
  // cat bought once, on day 100; dan bought another SKU twice.
  auto orders = joined({buys("ann", "TEA", {0, 20, 60, 90}), buys("bob", "TEA", {0, 10}),
                        buys("cat", "TEA", {100}), buys("dan", "COFFEE", {0, 30})});
  auto on_120 = due(orders, day_of(120));  // ann: 90 + 30; cat: 100 + 20
  ASSERT_EQ(on_120.size(), 2u);
  EXPECT_EQ(on_120[0].member_id, "ann");
  EXPECT_EQ(on_120[0].basis, IntervalBasis::kMember);
  EXPECT_EQ(on_120[0].interval_days, 30);
  EXPECT_EQ(on_120[0].last_purchased_on, day_of(90));
  EXPECT_EQ(on_120[0].expected_on, day_of(120));
  EXPECT_EQ(on_120[0].days_left, 0);
  EXPECT_EQ(on_120[0].last_order_id, "ann-4");
  EXPECT_EQ(on_120[1].member_id, "cat");
  EXPECT_EQ(on_120[1].basis, IntervalBasis::kSku);
  EXPECT_EQ(on_120[1].interval_days, 20);  // the lower middle of 10, 20, 30, 40
  EXPECT_EQ(on_120[1].expected_on, day_of(120));
  EXPECT_EQ(on_120[1].sku, "TEA");

  PurchaseHistory history(Replenishment{}, taipei());
  for (const Order& o : orders) history.add(o);
  EXPECT_EQ(history.sku_intervals(), (std::map<std::string, int64_t>{{"COFFEE", 30}, {"TEA", 20}}));
  // The caller's medians are what a member without intervals is judged on.
  auto told = history.due(day_of(130), {{"TEA", 30}});
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0].member_id, "cat");
  EXPECT_EQ(told[0].interval_days, 30);
  EXPECT_TRUE(history.due(day_of(130), {}).empty()) << "no median for TEA: nothing for cat";
}

TEST(Replenishment, AnEvenCountOfTheMembersOwnIntervalsUsesTheLowerMiddle) {
  // Intervals 20, 30, 40, 50: the lower middle is 30 (the mean would be 35).
  auto orders = buys("ann", "TEA", {0, 20, 50, 90, 140});
  auto d = due(orders, day_of(170));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].interval_days, 30);
  EXPECT_EQ(d[0].expected_on, day_of(170));
  // 10 days late with 30; with 35 (the mean of the middles) it would be 5.
  EXPECT_TRUE(due(orders, day_of(180)).empty()) << "with 35 it would still be due";
}

TEST(Replenishment, NobodyBoughtTheSkuTwiceNoReminder) {
  auto orders = joined({buys("ann", "TEA", {0}), buys("bob", "TEA", {5})});
  for (int offset = 0; offset < 400; offset += 7) {
    EXPECT_TRUE(due(orders, day_of(offset)).empty()) << offset;
  }
}

// Several purchases on one local day are one: no interval of 0 days, and
// the last order's units are the quantity.
TEST(Replenishment, PurchasesOnOneLocalDayCountOnce) {
  std::vector<Order> orders = {
      order("a1", "ann", at("2026-01-01T09:00:00+08:00"), {line("TEA", 2)}),
      order("a2", "ann", at("2026-01-01T21:00:00+08:00"), {line("TEA", 1)}),
      order("a3", "ann", at("2026-01-31T10:00:00+08:00"), {line("TEA", 1)}),
      order("a4", "ann", at("2026-01-31T11:00:00+08:00"), {line("TEA", 3), line("TEA", 1)}),
  };
  Replenishment config;
  config.min_interval_days = 1;  // a same-day 0 would pass no filter anyway
  auto d = due(orders, day("2026-03-02"), config);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].interval_days, 30) << "one interval of 30, not 0, 30, 0";
  EXPECT_EQ(d[0].last_order_id, "a4");
  EXPECT_EQ(d[0].quantity, 4) << "both TEA lines of the last order";
  EXPECT_EQ(d[0].expected_on, day("2026-03-02"));
}

TEST(Replenishment, GapsShorterThanMinIntervalAreNotIntervals) {
  // 3 then 30: only 30 counts with the default 7.
  auto orders = buys("ann", "TEA", {0, 3, 33});
  auto d = due(orders, day_of(63));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].interval_days, 30);
  EXPECT_EQ(d[0].basis, IntervalBasis::kMember);
  // Only short gaps: no interval of their own; bob's 40 is the SKU's.
  auto quick = joined({buys("ann", "TEA", {0, 3}), buys("bob", "TEA", {0, 40})});
  auto q = due(quick, day_of(43));
  ASSERT_EQ(q.size(), 1u);
  EXPECT_EQ(q[0].member_id, "ann");
  EXPECT_EQ(q[0].basis, IntervalBasis::kSku);
  EXPECT_EQ(q[0].interval_days, 40);
  // A 3-day habit counts once min_interval_days allows it.
  Replenishment short_gaps;
  short_gaps.min_interval_days = 3;
  short_gaps.lead_days = 0;
  short_gaps.late_days = 0;
  auto s = due(quick, day_of(6), short_gaps);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].interval_days, 3);
}

// Due from lead_days before the expected date through late_days after it.
TEST(Replenishment, TheWindowRunsFromLeadDaysBeforeToLateDaysAfter) {
  auto orders = buys("ann", "TEA", {0, 30});  // expected on day 60
  Replenishment config;
  config.lead_days = 3;
  config.late_days = 7;
  EXPECT_TRUE(due(orders, day_of(56), config).empty());  // 4 days before
  auto first = due(orders, day_of(57), config);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].days_left, 3);
  auto last = due(orders, day_of(67), config);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].days_left, -7);
  EXPECT_TRUE(due(orders, day_of(68), config).empty());  // 8 days late
  EXPECT_TRUE(due(orders, day_of(20), config).empty());  // long before
  config.lead_days = 0;
  config.late_days = 0;
  EXPECT_TRUE(due(orders, day_of(59), config).empty());
  EXPECT_EQ(due(orders, day_of(60), config).size(), 1u);
  EXPECT_TRUE(due(orders, day_of(61), config).empty());
}

// Days are local: 23:30 on 1 March and 00:30 on 31 March in Taipei are 30
// local days apart, though only 29 in UTC (15:30Z and 16:30Z the day before).
TEST(Replenishment, DaysAreLocalToTheProgramTimeZone) {
  std::vector<Order> orders = {
      order("a1", "ann", at("2026-03-01T23:30:00+08:00"), {line("TEA")}),
      order("a2", "ann", at("2026-03-31T00:30:00+08:00"), {line("TEA")}),
  };
  Replenishment config;
  config.lead_days = 0;
  config.late_days = 0;
  auto d = replenishments_due(config, orders, taipei(), day("2026-04-30"));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].interval_days, 30);
  EXPECT_EQ(d[0].last_purchased_on, day("2026-03-31"));
  auto utc = replenishments_due(config, orders, date::locate_zone("UTC"), day("2026-04-28"));
  ASSERT_EQ(utc.size(), 1u);
  EXPECT_EQ(utc[0].interval_days, 29);
  EXPECT_EQ(utc[0].last_purchased_on, day("2026-03-30"));
}

// Reward (gift) lines and lines refunded in full are no purchase; a partly
// refunded line is, for the units kept. Guest orders count for nobody.
TEST(Replenishment, RewardLinesRefundedLinesAndGuestOrdersAreNotPurchases) {
  OrderLine gift = line("TEA");
  gift.reward = true;
  OrderLine returned = line("TEA", 2);
  returned.refunded_quantity = 2;
  OrderLine partly = line("TEA", 3);
  partly.refunded_quantity = 1;
  std::vector<Order> orders = {
      order("a1", "ann", noon(0), {line("TEA")}),        order("a2", "ann", noon(30), {partly}),
      order("a3", "ann", noon(40), {gift, line("BAG")}),  // a gift of TEA: not bought
      order("a4", "ann", noon(45), {returned}),           // returned in full
      order("g1", "", noon(10), {line("TEA")}),           // a guest
  };
  auto d = due(orders, day_of(60));
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].member_id, "ann");
  EXPECT_EQ(d[0].sku, "TEA");
  EXPECT_EQ(d[0].last_order_id, "a2");
  EXPECT_EQ(d[0].last_purchased_on, day_of(30));
  EXPECT_EQ(d[0].interval_days, 30) << "no gap to day 40, 45 or the guest's day 10";
  EXPECT_EQ(d[0].quantity, 2);
  EXPECT_EQ(purchase_units(gift), 0);
  EXPECT_EQ(purchase_units(returned), 0);
  EXPECT_EQ(purchase_units(partly), 2);
}

// The last purchase is the newest: buying again moves the cycle, so a member
// who already restocked is not reminded of the old one.
TEST(Replenishment, BuyingAgainStartsANewCycle) {
  auto orders = buys("ann", "TEA", {0, 30});
  ASSERT_EQ(due(orders, day_of(60)).size(), 1u);
  orders.push_back(order("ann-3", "ann", noon(58), {line("TEA")}));
  auto d = due(orders, day_of(60));
  EXPECT_TRUE(d.empty()) << "expected again on day 86 (intervals 30, 28: lower middle 28)";
  auto later = due(orders, day_of(86));
  ASSERT_EQ(later.size(), 1u);
  EXPECT_EQ(later[0].last_order_id, "ann-3");
  EXPECT_EQ(later[0].interval_days, 28);
}

TEST(Replenishment, CategoriesOrSkusLimitWhatIsWatched) {
  std::vector<Order> orders;
  for (int offset : {0, 30}) {
    std::string n = std::to_string(offset);
    orders.push_back(order(
        "o" + n, "ann", noon(offset),
        {line("SERUM", 1, "skincare"), line("KIBBLE", 1, "pet-food"), line("MUG", 1, "kitchen")}));
  }
  auto skus_of = [&](const Replenishment& config) {
    std::vector<std::string> out;
    for (const auto& d : due(orders, day_of(60), config)) out.push_back(d.sku);
    return out;
  };
  EXPECT_EQ(skus_of({}), (std::vector<std::string>{"KIBBLE", "MUG", "SERUM"}));
  Replenishment categories;
  categories.categories = {"skincare"};
  EXPECT_EQ(skus_of(categories), (std::vector<std::string>{"SERUM"}));
  Replenishment either = categories;
  either.skus = {"MUG"};  // either list is enough
  EXPECT_EQ(skus_of(either), (std::vector<std::string>{"MUG", "SERUM"}));
  Replenishment only_skus;
  only_skus.skus = {"KIBBLE"};
  EXPECT_EQ(skus_of(only_skus), (std::vector<std::string>{"KIBBLE"}));
  auto d = due(orders, day_of(60), categories);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].category, "skincare");
  EXPECT_EQ(d[0].brand, "acme");
}

// The answer does not depend on the order orders arrive in (the job reads
// them by id, not by time), ties of placed_at included.
TEST(Replenishment, TheOrderOrdersArriveInDoesNotMatter) {
  auto orders = joined(
      {buys("ann", "TEA", {0, 20, 50, 90}), buys("bob", "TEA", {3, 40}), buys("cat", "TEA", {85})});
  orders.push_back(order("ann-9", "ann", noon(90), {line("TEA", 5)}));  // same time as ann-4
  auto expected = due(orders, day_of(117));  // ann: 90 + 30; cat: 85 + 30 (of 20, 30, 37, 40)
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_EQ(expected[0].last_order_id, "ann-9") << "equal times: the greater id";
  EXPECT_EQ(expected[0].quantity, 5);
  std::mt19937 random(7);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(orders.begin(), orders.end(), random);
    EXPECT_EQ(due(orders, day_of(117)), expected) << round;
  }
}

}  // namespace
}  // namespace patron::rules
