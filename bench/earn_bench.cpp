// Earn evaluation in core (issue 4 target: >= 500,000 ten-line orders/s on
// one core; design §6: >= 1M earn evaluations/s). Run: build/bench/earn_bench
#include <benchmark/benchmark.h>
#include <date/tz.h>

#include <cstdio>

#include "rules/earn.h"

namespace {

using namespace patron;

// The Taiwan fashion program's earning: 每滿 1000 送 50 with tier rates, a
// points rule, one category multiplier, one exclusion and a member day.
rules::Rules taiwan_rules() {
  rules::Rules r;
  rules::EarnRule rebate;
  rebate.id = "rebate";
  rebate.wallet = "credit";
  rebate.rate = {rules::Rate::Kind::kSteps, 0, 1000, 50};
  rebate.tier_rates = {{"silver", {rules::Rate::Kind::kPercent, 300, 0, 0}},
                       {"gold", {rules::Rate::Kind::kPercent, 500, 0, 0}},
                       {"vip", {rules::Rate::Kind::kPercent, 800, 0, 0}}};
  rebate.base.exclude_categories = {"gift_card"};
  rebate.multipliers = {{"new_arrivals", "", "", 20000}};
  rules::EarnRule points;
  points.id = "points";
  points.wallet = "points";
  points.rate = {rules::Rate::Kind::kPercent, 100, 0, 0};
  r.earn = {rebate, points};
  r.member_days = {{"day8", 8, -1, 20000, {}}};
  return r;
}

rules::Order ten_lines() {
  rules::Order o;
  o.id = "O-1001";
  o.member_id = "M-42";
  o.placed_at = patron::Instant{std::chrono::seconds{1'772'956'800}};  // 2026-03-08 08:00 Taipei
  const char* categories[] = {"tops", "new_arrivals", "shoes", "gift_card", "bags"};
  for (int i = 0; i < 10; ++i) {
    rules::OrderLine l;
    char id[32];
    std::snprintf(id, sizeof id, "L%d", i);
    l.line_id = id;
    std::snprintf(id, sizeof id, "SKU-%d", 1000 + i);
    l.sku = id;
    l.category = categories[i % 5];
    l.brand = "house";
    l.quantity = 1 + i % 3;
    l.unit_price = 390 + 170 * i;
    l.discount = i % 4 == 0 ? 50 : 0;
    o.lines.push_back(l);
  }
  return o;
}

void BM_EarnTenLineOrder(benchmark::State& state) {
  auto rules = taiwan_rules();
  auto order = ten_lines();
  const char* tiers[] = {"", "silver", "gold", "vip"};
  rules::EarnContext context{tiers[state.range(0)], date::locate_zone("Asia/Taipei")};
  rules::EarnOutcome out;
  for (auto _ : state) {
    rules::evaluate_earn(rules, order, context, out);
    benchmark::DoNotOptimize(out.rules[0].amount);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EarnTenLineOrder)->Arg(0)->Arg(2);

}  // namespace

BENCHMARK_MAIN();
