// Pure core throughput (one core): earn (grant) and spend evaluations on a
// member wallet with a realistic number of lots, expiry over many lots, and
// the multi-line allocation. Target (design.md §6): >= 1M earn+spend ops/s.
#include <benchmark/benchmark.h>
#include <date/tz.h>

#include "ledger/allocation.h"
#include "ledger/wallet_ledger.h"

namespace patron::ledger {
namespace {

class Counter final : public IdSource {
 public:
  int64_t next_lot_id() override { return ++n_; }
  int64_t next_hold_id() override { return ++n_; }
  int64_t next_redemption_id() override { return ++n_; }
  int64_t next_journal_id() override { return ++n_; }
  int64_t next_transfer_id() override { return ++n_; }

 private:
  int64_t n_ = 1'000'000;
};

const date::time_zone* zone() {
  return date::locate_zone("Asia/Taipei");
}
Instant t0() {
  return from_unix_seconds(1'790'000'000);
}

WalletState wallet_with_lots(int n) {
  WalletState s;
  s.wallet = "credit";
  for (int i = 0; i < n; ++i) {
    Lot lot;
    lot.id = i + 1;
    lot.wallet = "credit";
    lot.source = i % 3 == 0 ? "birthday" : "purchase";
    lot.amount = 100;
    lot.remaining = 100;
    lot.granted_at = t0() - std::chrono::days(30 - i);
    lot.available_at = lot.granted_at;
    if (i % 2 == 0) lot.expires_at = t0() + std::chrono::days(10 + i);
    s.lots.push_back(lot);
  }
  return s;
}

// One command on a wallet opened from its loaded state (settled at `now`),
// with the changes collected, as the app does. Reports ops/s.
template <class Command>
void run_command(benchmark::State& state, Command command) {
  WalletPolicy policy = default_credit_policy(zone());
  WalletState base = wallet_with_lots(static_cast<int>(state.range(0)));
  Counter ids;
  for (auto _ : state) {
    WalletLedger w(base, policy, ids, t0());
    benchmark::DoNotOptimize(command(w));
    auto changes = w.take_changes();
    benchmark::DoNotOptimize(changes);
  }
  state.counters["ops/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

// One earn: grant a purchase rebate.
void BM_Earn(benchmark::State& state) {
  Grant g;
  g.amount = 50;
  g.source = "purchase";
  g.order_id = "O1";
  run_command(state, [&](WalletLedger& w) { return w.grant(g); });
}
BENCHMARK(BM_Earn)->Arg(5)->Arg(20);

// One spend paid soonest-expiry-first across lots.
void BM_Spend(benchmark::State& state) {
  Spend s;
  s.amount = 250;
  s.order_id = "O2";
  run_command(state, [&](WalletLedger& w) { return w.spend(s); });
}
BENCHMARK(BM_Spend)->Arg(5)->Arg(20);

// The figure: an earn and a spend on the same wallet, each opening
// the wallet from its loaded state as the app does. Two ops per iteration.
void BM_EarnAndSpend(benchmark::State& state) {
  WalletPolicy policy = default_credit_policy(zone());
  WalletState base = wallet_with_lots(static_cast<int>(state.range(0)));
  Counter ids;
  Grant g;
  g.amount = 50;
  g.source = "purchase";
  g.order_id = "O1";
  Spend s;
  s.amount = 120;
  s.order_id = "O2";
  for (auto _ : state) {
    WalletLedger earn(base, policy, ids, t0());
    benchmark::DoNotOptimize(earn.grant(g));
    auto earned = earn.take_changes();
    WalletLedger spend(base, policy, ids, t0());
    benchmark::DoNotOptimize(spend.spend(s));
    auto spent = spend.take_changes();
    benchmark::DoNotOptimize(earned);
    benchmark::DoNotOptimize(spent);
  }
  state.counters["ops/s"] = benchmark::Counter(2.0 * static_cast<double>(state.iterations()),
                                               benchmark::Counter::kIsRate);
}
BENCHMARK(BM_EarnAndSpend)->Arg(5)->Arg(20);

// A 10-line cart against 20 lots, half of them scoped: the min-cost flow path.
void BM_AllocateMultiLine(benchmark::State& state) {
  WalletState base = wallet_with_lots(20);
  for (std::size_t i = 0; i < base.lots.size(); i += 2)
    base.lots[i].scope.categories = {"c1", "c3"};
  std::vector<PayLine> lines;
  for (int l = 0; l < 10; ++l) {
    PayLine line;
    line.line_id = "L" + std::to_string(l);
    line.category = "c" + std::to_string(l % 4);
    line.amount = 120;
    lines.push_back(line);
  }
  auto order = spendable_in_order(base.lots, t0());
  for (auto _ : state) {
    auto pieces = allocate(base.lots, order, lines, 1000);
    benchmark::DoNotOptimize(pieces);
  }
}
BENCHMARK(BM_AllocateMultiLine);

// Expiry of one member's due lots (the per-member step of the expiry job).
void BM_ExpireWallet(benchmark::State& state) {
  WalletPolicy policy = default_credit_policy(zone());
  WalletState base = wallet_with_lots(10);
  for (auto& lot : base.lots) lot.expires_at = t0() - std::chrono::hours(1);
  Counter ids;
  for (auto _ : state) {
    WalletLedger w(base, policy, ids, t0());
    auto changes = w.take_changes();
    benchmark::DoNotOptimize(changes);
  }
  state.counters["lots/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()) * 10, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ExpireWallet);

}  // namespace
}  // namespace patron::ledger

BENCHMARK_MAIN();
