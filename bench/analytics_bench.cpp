// Analytics math (issue 8 targets: BG/NBD + Gamma-Gamma fit on 25,000 members
// <= 0.3 s; design §6: BG/NBD fit on 25k customers <= 1 s, RFM over 1M <= 1 s).
// Run: build/bench/analytics_bench
//
// BM_FitBgnbd/0 simulates continuous purchase times, so every customer is a
// distinct (x, t_x, T): the worst case. /1 rounds times to whole days, as the
// app's per-day summaries are, and the fit collapses identical summaries.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "analytics/bgnbd.h"
#include "analytics/gamma_gamma.h"
#include "analytics/rfm.h"
#include "analytics/simulate.h"

namespace {

using namespace patron;
using namespace patron::analytics;

constexpr std::size_t kFitCustomers = 25'000;
constexpr std::size_t kRfmMembers = 1'000'000;
const BgnbdParameters kTruth{0.243, 4.414, 0.793, 2.426};  // CDNOW-like

double to_whole_days(double weeks) {
  return std::floor(weeks * 7.0) / 7.0;
}

std::vector<BgnbdCustomer> fit_sample(bool whole_days) {
  auto customers = simulate_bgnbd(kTruth, kFitCustomers, 26.0, 52.0, 42);
  if (whole_days) {
    for (auto& c : customers) {
      c.age_weeks = std::max(to_whole_days(c.age_weeks), 1.0 / 7.0);
      c.last_purchase_weeks = std::min(to_whole_days(c.last_purchase_weeks), c.age_weeks);
    }
  }
  return customers;
}

void BM_FitBgnbd(benchmark::State& state) {
  const auto customers = fit_sample(state.range(0) == 1);
  int evaluations = 0;
  for (auto _ : state) {
    auto fit = fit_bgnbd(customers);
    if (!fit) state.SkipWithError(fit.error().message.c_str());
    evaluations = fit ? fit->evaluations : 0;
    benchmark::DoNotOptimize(fit);
  }
  state.counters["evaluations"] = evaluations;
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(customers.size()));
}
BENCHMARK(BM_FitBgnbd)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_FitGammaGamma(benchmark::State& state) {
  const auto purchases = fit_sample(false);
  std::vector<int64_t> counts;
  for (const auto& c : purchases) {
    if (c.repeat_purchases > 0) counts.push_back(c.repeat_purchases);
  }
  const auto spend = simulate_gamma_gamma({6.25, 3.74, 1544.0}, counts, 43);
  for (auto _ : state) {
    auto fit = fit_gamma_gamma(spend);
    if (!fit) state.SkipWithError(fit.error().message.c_str());
    benchmark::DoNotOptimize(fit);
  }
  state.counters["customers"] = static_cast<double>(spend.size());
}
BENCHMARK(BM_FitGammaGamma)->Unit(benchmark::kMillisecond);

std::vector<MemberSummary> rfm_members() {
  std::mt19937_64 rng(7);
  const int64_t as_of = 1'782'777'600;  // 2026-06-30
  std::uniform_int_distribution<int64_t> days_ago(0, 730);
  std::geometric_distribution<int64_t> extra_orders(0.4);
  std::lognormal_distribution<double> order_value(7.5, 0.8);  // ~NT$1,800 median
  std::vector<MemberSummary> members(kRfmMembers);
  for (std::size_t i = 0; i < members.size(); ++i) {
    const int64_t last = days_ago(rng);
    const int64_t first = last + days_ago(rng) / 2;
    const int64_t orders = 1 + extra_orders(rng);
    members[i].member_id = "M-" + std::to_string(i);
    members[i].first_order_at = from_unix_seconds(as_of - first * kSecondsPerDay);
    members[i].last_order_at = from_unix_seconds(as_of - last * kSecondsPerDay);
    members[i].orders = orders;
    members[i].total_value_minor = std::llround(orders * order_value(rng));
  }
  return members;
}

void BM_Rfm(benchmark::State& state) {
  const auto members = rfm_members();
  const Instant as_of = from_unix_seconds(1'782'777'600);
  for (auto _ : state) {
    auto report = compute_rfm(members, as_of);
    if (!report) state.SkipWithError(report.error().message.c_str());
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(members.size()));
}
BENCHMARK(BM_Rfm)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
