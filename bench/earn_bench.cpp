// Earn evaluation in core (issue 4 target: >= 500,000 ten-line orders/s on
// one core; design §6: >= 1M earn evaluations/s). Run: build/bench/earn_bench
#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "rules/earn.h"
#include "ten_line_order.h"

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

void BM_EarnTenLineOrder(benchmark::State& state) {
  auto rules = taiwan_rules();
  auto order = bench::ten_line_order();
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
