// Seeded stateful property test of the wallet ledger against ReferenceWallet.
//
// Each seed runs random grants, spends, holds, clawbacks, restores,
// adjustments, order releases and clock jumps. Every command runs, as in the
// app, on a new WalletLedger built from the stored state (every lot kept) at
// the command's `now`, and in parallel on the reference model. After every
// step: both agree on success or ErrorCode (and field); a failed command left
// the state and the transfers untouched (and nothing is stored); the stored
// Changes reproduce ledger.state(); every transfer is one balanced row;
// verify_wallet() is empty; balances, lots, holds, redemptions, debt and the
// system accounts match the model.
//
// Environment: PATRON_SIM_SEEDS (default 300), PATRON_SIM_STEPS (default 60),
// PATRON_SIM_SEED (run one seed: what a failure prints), PATRON_SIM_TRACE=1 (log
// every transfer in the failure report).
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <random>

#include "ledger/policy.h"
#include "simulation.h"

namespace patron::sim {
namespace {

constexpr int kDefaultSeeds = 300;
constexpr int kDefaultSteps = 60;

void run_seeds() {
  int64_t seeds = env_int("PATRON_SIM_SEEDS", kDefaultSeeds);
  int64_t steps = env_int("PATRON_SIM_STEPS", kDefaultSteps);
  int64_t only = env_int("PATRON_SIM_SEED", -1);
  int64_t first = only >= 0 ? only : 1;
  int64_t last = only >= 0 ? only : seeds;
  Coverage coverage;
  for (int64_t seed = first; seed <= last; ++seed) {
    Simulation sim(static_cast<uint64_t>(seed), coverage);
    sim.run(static_cast<int>(steps));
    if (::testing::Test::HasFailure()) return;
  }
  std::cout << "[ sim      ] seeds " << first << ".." << last << " x " << steps << " steps;";
  for (const auto& [kind, n] : coverage.ok) std::cout << " " << kind << "=" << n;
  std::cout << "\n[ sim      ] failures:";
  for (const auto& [kind, n] : coverage.failed) std::cout << " " << kind << "=" << n;
  std::cout << "\n[ sim      ] debt " << coverage.debt_added << ", written off "
            << coverage.written_off << ", breakage " << coverage.breakage
            << ", restored to new lots " << coverage.restored_to_new_lots
            << ", restored then expired " << coverage.restored_expired_now << ", multi-line spends "
            << coverage.multi_line_spends << ", refunds of spent value on expired lots "
            << coverage.spent_then_expired
            << "\n[ sim      ] partial loads: " << coverage.partial_sufficed << " sufficed, "
            << coverage.partial_loaded_rest << " fetched the left-out lots\n";
  if (only < 0 && seeds >= 100) {
    // The generator must reach every rule, or the agreement above means little.
    EXPECT_EQ(coverage.policies.size(), 4u) << "every DebtPolicy x RestorePolicy";
    for (const char* kind : {"grant", "spend", "reserve", "capture", "release", "clawback",
                             "restore", "adjust", "release_order"}) {
      EXPECT_GT(coverage.ok[kind], 0) << kind;
    }
    for (const char* failure :
         {"spend:insufficient_funds", "reserve:insufficient_funds", "capture:conflict",
          "capture:not_found", "capture:failed_precondition", "release:conflict",
          "restore:failed_precondition", "adjust:insufficient_funds"}) {
      EXPECT_GT(coverage.failed[failure], 0) << failure;
    }
    EXPECT_GT(coverage.debt_added, 0);
    EXPECT_GT(coverage.written_off, 0);
    EXPECT_GT(coverage.breakage, 0);
    EXPECT_GT(coverage.restored_to_new_lots, 0);
    EXPECT_GT(coverage.restored_expired_now, 0);
    EXPECT_GT(coverage.multi_line_spends, 0);
    EXPECT_GT(coverage.spent_then_expired, 0);
    EXPECT_GT(coverage.partial_loaded_rest, 0);
    EXPECT_GT(coverage.partial_sufficed, 0);
  }
}

TEST(LedgerProperty, RandomCommandsAgreeWithTheReferenceModel) {
  run_seeds();
}

// The model's own pieces, checked on cases worked out by hand, so that an
// agreement between model and production is not an agreement of two errors.
ModelLot lot_with(int64_t remaining, ledger::Scope scope = {}) {
  ModelLot l;
  l.remaining = remaining;
  l.scope = std::move(scope);
  return l;
}

ledger::PayLine pay_line(const std::string& category, int64_t amount) {
  ledger::PayLine l;
  l.line_id = category;
  l.category = category;
  l.amount = amount;
  return l;
}

TEST(ReferenceModel, MaxPayableIsTheMinCut) {
  ModelLot open = lot_with(100);
  ModelLot shoes = lot_with(100, ledger::Scope{{}, {"shoes"}, {}, {}});
  ModelLot toys = lot_with(70, ledger::Scope{{}, {"toys"}, {}, {}});
  std::vector<ledger::PayLine> cart = {pay_line("shoes", 100), pay_line("bags", 100)};
  EXPECT_EQ(max_payable({&open, &shoes}, cart), 200);
  EXPECT_EQ(max_payable({&shoes}, cart), 100);
  EXPECT_EQ(max_payable({&toys}, cart), 0);
  EXPECT_EQ(max_payable({&open, &shoes, &toys}, {pay_line("shoes", 30), pay_line("bags", 100)}),
            130);
  EXPECT_EQ(max_payable({}, cart), 0);
}

TEST(ReferenceModel, ExpiryArithmeticMatchesTheTaipeiCalendar) {
  ledger::WalletPolicy policy = sim_policy(0);
  ReferenceWallet model(model_config(policy));
  std::mt19937_64 rng(7);
  Instant start = *parse_instant("2025-01-01T00:00:00Z", nullptr, "t");
  for (int i = 0; i < 2000; ++i) {
    Instant t = start + std::chrono::seconds{std::uniform_int_distribution<int64_t>(
                            0, 6 * 366 * kSecondsPerDay)(rng)};
    EXPECT_EQ(model.end_of_local_day_plus(t, 30),
              ledger::expires_at(ledger::ExpiryRule::days(30), t, policy.zone))
        << format_instant(t);
    EXPECT_EQ(model.end_of_local_month(t),
              ledger::expires_at(ledger::ExpiryRule::end_of(CalendarUnit::kMonth), t, policy.zone))
        << format_instant(t);
  }
}

}  // namespace
}  // namespace patron::sim
