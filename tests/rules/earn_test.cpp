// Purchase earning (rules/earn.h): rates, steps, tiers, the earn base,
// multipliers, member days, caps, and line attribution.
#include "rules/earn.h"

#include <date/tz.h>
#include <gtest/gtest.h>

#include <numeric>

namespace patron::rules {
namespace {

const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}

Instant utc(int y, unsigned m, unsigned d, int h = 0, int min = 0) {
  using namespace std::chrono;
  return Instant{sys_days{year{y} / month{m} / day{d}}} + hours{h} + minutes{min};
}

OrderLine line(std::string id, int64_t quantity, int64_t unit_price,
               std::string category = "tops") {
  OrderLine l;
  l.line_id = std::move(id);
  l.sku = "SKU-" + l.line_id;
  l.category = std::move(category);
  l.brand = "house";
  l.quantity = quantity;
  l.unit_price = unit_price;
  return l;
}

Order order_of(std::vector<OrderLine> lines, Instant at = utc(2026, 3, 3, 4)) {
  Order o;
  o.id = "O1";
  o.member_id = "M1";
  o.placed_at = at;
  o.lines = std::move(lines);
  return o;
}

EarnRule steps(int64_t every, int64_t get) {
  EarnRule r;
  r.id = "rebate";
  r.wallet = "credit";
  r.rate = Rate{Rate::Kind::kSteps, 0, every, get};
  return r;
}

EarnRule percent(int64_t bp) {
  EarnRule r;
  r.id = "points";
  r.wallet = "points";
  r.rate = Rate{Rate::Kind::kPercent, bp, 0, 0};
  return r;
}

Rules rules_of(std::vector<EarnRule> earn) {
  Rules r;
  r.earn = std::move(earn);
  return r;
}

int64_t earned(const Rules& rules, const Order& order, std::string_view tier = "") {
  return evaluate_earn(rules, order, {tier, taipei()}).rules.at(0).amount;
}

int64_t sum_shares(const RuleEarn& r) {
  return std::accumulate(r.shares.begin(), r.shares.end(), int64_t{0},
                         [](int64_t s, const ledger::LineShare& l) { return s + l.amount; });
}

TEST(Earn, StepsFloorPerWholeStep) {
  Rules rules = rules_of({steps(1000, 50)});
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 999)})), 0);
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 1000)})), 50);
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 1999)})), 50);
  EXPECT_EQ(earned(rules, order_of({line("1", 2, 1000)})), 100);
  // Steps count over the whole order, not per line.
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 600), line("2", 1, 400)})), 50);
}

TEST(Earn, PercentFloors) {
  Rules rules = rules_of({percent(100)});  // 1%
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 99)})), 0);
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 100)})), 1);
  EXPECT_EQ(earned(rules, order_of({line("1", 3, 1033)})), 30);  // 30.99 -> 30
}

TEST(Earn, TierRateReplacesTheRuleRate) {
  EarnRule rule = steps(1000, 50);
  rule.tier_rates = {{"silver", Rate{Rate::Kind::kPercent, 300, 0, 0}},
                     {"gold", Rate{Rate::Kind::kPercent, 500, 0, 0}}};
  Rules rules = rules_of({rule});
  Order o = order_of({line("1", 1, 2980)});
  EXPECT_EQ(earned(rules, o, ""), 100);
  EXPECT_EQ(earned(rules, o, "silver"), 89);  // 3% of 2980 = 89.4
  EXPECT_EQ(earned(rules, o, "gold"), 149);
  EXPECT_EQ(earned(rules, o, "bronze"), 100);  // a tier without a rate uses the rule's
}

TEST(Earn, DiscountsValuePaidWithCreditAndRewardLinesDoNotEarn) {
  Rules rules = rules_of({percent(1000)});  // 10%
  OrderLine discounted = line("1", 2, 500);
  discounted.discount = 200;  // net 800
  OrderLine credit_paid = line("2", 1, 1000);
  credit_paid.paid_with_value = 300;  // 700 earns
  OrderLine gift = line("3", 1, 5000);
  gift.reward = true;
  EXPECT_EQ(earned(rules, order_of({discounted, credit_paid, gift})), 150);
  rules.earn[0].base.exclude_paid_with_value = false;
  EXPECT_EQ(earned(rules, order_of({discounted, credit_paid, gift})), 180);
}

TEST(Earn, ExclusionsByCategoryBrandSku) {
  Rules rules = rules_of({percent(1000)});
  Order o = order_of(
      {line("1", 1, 1000, "tops"), line("2", 1, 1000, "gift_card"), line("3", 1, 1000, "shoes")});
  o.lines[2].brand = "outlet";
  EXPECT_EQ(earned(rules, o), 300);
  rules.earn[0].base.exclude_categories = {"gift_card"};
  EXPECT_EQ(earned(rules, o), 200);
  rules.earn[0].base.exclude_brands = {"outlet"};
  EXPECT_EQ(earned(rules, o), 100);
  rules.earn[0].base.exclude_skus = {"SKU-1"};
  EXPECT_EQ(earned(rules, o), 0);
}

TEST(Earn, RefundedUnitsDoNotEarn) {
  Rules rules = rules_of({percent(1000)});
  OrderLine l = line("1", 4, 1000);
  l.refunded_quantity = 1;
  EXPECT_EQ(earned(rules, order_of({l})), 300);
  l.refunded_quantity = 4;
  EXPECT_EQ(earned(rules, order_of({l})), 0);
}

TEST(Earn, ShippingCountsOnlyWhenIncluded) {
  Rules rules = rules_of({steps(1000, 50)});
  Order o = order_of({line("1", 1, 900)});
  o.shipping = 100;
  EXPECT_EQ(earned(rules, o), 0);
  rules.earn[0].base.include_shipping = true;
  auto out = evaluate_earn(rules, o, {"", taipei()});
  EXPECT_EQ(out.rules[0].amount, 50);
  ASSERT_EQ(out.rules[0].shares.size(), 2u);
  EXPECT_EQ(out.rules[0].shares[1].line_id, kShippingLine);
  EXPECT_EQ(out.rules[0].shares[0].amount + out.rules[0].shares[1].amount, 50);
}

TEST(Earn, MultipliersWeighLinesAndZeroExcludes) {
  EarnRule rule = percent(1000);
  rule.multipliers = {Multiplier{"new", "", "", 20000}, Multiplier{"", "", "SKU-3", 0}};
  Rules rules = rules_of({rule});
  Order o =
      order_of({line("1", 1, 1000, "new"), line("2", 1, 1000, "tops"), line("3", 1, 1000, "new")});
  auto out = evaluate_earn(rules, o, {"", taipei()});
  // Line 1: 1000 x2, line 2: 1000, line 3: new x2 but SKU-3 x0 -> 0.
  EXPECT_EQ(out.rules[0].amount, 300);
  EXPECT_EQ(out.rules[0].base, 2000);  // the base is unweighted
  ASSERT_EQ(out.rules[0].shares.size(), 2u);
  EXPECT_EQ(out.rules[0].shares[0].amount, 200);
  EXPECT_EQ(out.rules[0].shares[1].amount, 100);
}

TEST(Earn, MemberDayUsesTheLocalDateAndTheBestMultiplier) {
  Rules rules = rules_of({steps(1000, 50)});
  rules.member_days = {MemberDay{"day8", 8, -1, 20000, {}},
                       MemberDay{"vip8", 8, -1, 30000, {"vip"}}};
  Order o = order_of({line("1", 1, 1000)});
  // 2026-03-07 16:00 UTC is 2026-03-08 00:00 in Taipei: member day.
  o.placed_at = utc(2026, 3, 7, 16, 0);
  EXPECT_EQ(earned(rules, o), 100);
  EXPECT_EQ(earned(rules, o, "vip"), 150);
  // One minute earlier it is still the 7th locally.
  o.placed_at = utc(2026, 3, 7, 15, 59);
  EXPECT_EQ(earned(rules, o), 50);
  // 2026-03-08 16:00 UTC is the 9th locally.
  o.placed_at = utc(2026, 3, 8, 16, 0);
  EXPECT_EQ(earned(rules, o), 50);
  // A rule can opt out.
  rules.earn[0].member_days = false;
  o.placed_at = utc(2026, 3, 8, 1, 0);
  EXPECT_EQ(earned(rules, o), 50);
}

TEST(Earn, MemberDayByWeekday) {
  Rules rules = rules_of({percent(1000)});
  rules.member_days = {MemberDay{"sat", 0, 6, 15000, {}}};
  Order o = order_of({line("1", 1, 1000)});
  o.placed_at = utc(2026, 3, 7, 4);  // Saturday 2026-03-07, noon in Taipei
  EXPECT_EQ(earned(rules, o), 150);
  o.placed_at = utc(2026, 3, 8, 4);  // Sunday
  EXPECT_EQ(earned(rules, o), 100);
}

TEST(Earn, MinimumBaseAndPerOrderCap) {
  EarnRule rule = percent(1000);
  rule.min_base = 500;
  rule.per_order_max = 70;
  Rules rules = rules_of({rule});
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 499)})), 0);
  EXPECT_EQ(earned(rules, order_of({line("1", 1, 500)})), 50);
  auto out = evaluate_earn(rules, order_of({line("1", 1, 5000)}), {"", taipei()});
  EXPECT_EQ(out.rules[0].amount, 70);
  EXPECT_TRUE(out.rules[0].capped);
}

TEST(Earn, SharesFollowWeightsByLargestRemainder) {
  Rules rules = rules_of({steps(1000, 50)});
  // 3 equal lines, 50 to split: 16.67 each -> 17, 17, 16 (earlier lines first).
  auto out = evaluate_earn(
      rules, order_of({line("a", 1, 400), line("b", 1, 400), line("c", 1, 400)}), {"", taipei()});
  ASSERT_EQ(out.rules[0].shares.size(), 3u);
  EXPECT_EQ(out.rules[0].shares[0].amount, 17);
  EXPECT_EQ(out.rules[0].shares[1].amount, 17);
  EXPECT_EQ(out.rules[0].shares[2].amount, 16);
  // Unequal: 900 and 100 of 1000 -> 45 and 5.
  out = evaluate_earn(rules, order_of({line("a", 1, 900), line("b", 1, 100)}), {"", taipei()});
  EXPECT_EQ(out.rules[0].shares[0].amount, 45);
  EXPECT_EQ(out.rules[0].shares[1].amount, 5);
}

TEST(Earn, SharesAlwaysSumToTheAmountAndFollowWeights) {
  // A deterministic sweep over many carts: shares sum to the amount, each
  // share is within one unit of the exact proportional share.
  EarnRule rule = percent(737);
  rule.multipliers = {Multiplier{"x", "", "", 15000}};
  Rules rules = rules_of({rule, steps(300, 7)});
  uint64_t seed = 12345;
  auto next = [&] {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<int64_t>(seed >> 33);
  };
  for (int n = 0; n < 500; ++n) {
    std::vector<OrderLine> lines;
    int count = 1 + static_cast<int>(next() % 12);
    for (int i = 0; i < count; ++i) {
      lines.push_back(
          line(std::to_string(i), 1 + next() % 5, next() % 5000, next() % 3 == 0 ? "x" : "y"));
    }
    Order o = order_of(lines);
    auto out = evaluate_earn(rules, o, {"", taipei()});
    for (const auto& r : out.rules) {
      EXPECT_EQ(sum_shares(r), r.amount);
      for (const auto& s : r.shares) {
        EXPECT_GE(s.amount, 0);
      }
    }
    // Independent recomputation of the percent rule's total.
    __extension__ __int128 weight = 0;
    for (const auto& l : lines)
      weight += static_cast<decltype(weight)>(l.net()) * (l.category == "x" ? 15000 : 10000);
    EXPECT_EQ(out.rules[0].amount, static_cast<int64_t>(weight * 737 / 100000000));
  }
}

TEST(Earn, TotalsPerWallet) {
  Rules rules = rules_of({steps(1000, 50), percent(100)});
  auto out = evaluate_earn(rules, order_of({line("1", 1, 2000)}), {"", taipei()});
  EXPECT_EQ(out.total("credit"), 100);
  EXPECT_EQ(out.total("points"), 20);
  EXPECT_EQ(out.total("nothing"), 0);
}

TEST(Earn, GuestAndEmptyOrdersEarnNothing) {
  Rules rules = rules_of({steps(1000, 50)});
  auto out = evaluate_earn(rules, order_of({}), {"", taipei()});
  EXPECT_EQ(out.rules[0].amount, 0);
  EXPECT_TRUE(out.rules[0].shares.empty());
}

}  // namespace
}  // namespace patron::rules
