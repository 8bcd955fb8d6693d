// One seeded run of the ledger property test: random commands applied to the
// production WalletLedger (rebuilt from the stored state per command, as the
// app does) and to ReferenceWallet, with every check made after each step.
// See ledger_property_test.cpp for what is checked and how to reproduce a seed.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ledger/policy.h"
#include "ledger/types.h"
#include "ledger/wallet_ledger.h"
#include "reference_wallet.h"
#include "sim_support.h"

namespace patron::sim {

// An integer from the environment, or `fallback` when unset.
int64_t env_int(const char* name, int64_t fallback);

// What happened across all seeds, to show (and assert) what the run covered.
struct Coverage {
  std::map<std::string, int64_t> ok;
  std::map<std::string, int64_t> failed;  // "<command>:<error code>"
  int64_t debt_added = 0;
  int64_t written_off = 0;
  int64_t restored_to_new_lots = 0;
  int64_t restored_expired_now = 0;
  int64_t breakage = 0;
  int64_t multi_line_spends = 0;
  int64_t spent_then_expired = 0;  // refunds owing value spent from since-expired lots
  std::set<std::string> policies;
  // The same command on a partial load (ledger::leave_out): how often the
  // ledger had to fetch the left-out lots, and how often it did without.
  int64_t partial_loaded_rest = 0;
  int64_t partial_sufficed = 0;
};

class Simulation {
 public:
  Simulation(uint64_t seed, Coverage& coverage);

  // One command as the CLI would be given it, recorded for replay through the
  // real binary (sim_cli_replay_test.cpp). Hold ids are the simulation's; the
  // replay maps them to the ids the database hands out.
  struct CliCall {
    Instant now{};
    std::vector<std::string> args;   // after `patron --db FILE --now T`
    std::string lines_json;          // non-empty: written to a file, passed as --lines
    std::optional<ErrorCode> error;  // what production answered
    int64_t creates_hold = 0;        // reserve that succeeded: the new hold's id
    int64_t uses_hold = -1;          // capture/release: the hold named (args carry a placeholder)
  };
  void record_cli(std::vector<CliCall>* calls) { record_ = calls; }
  const ledger::WalletState& stored() const { return stored_; }
  const ledger::WalletPolicy& policy() const { return policy_; }
  Instant now() const { return now_; }

  // Runs `steps` random steps; stops at the first failing one and prints how to rerun it.
  void run(int steps);

 private:
  // --- randomness ---
  int64_t uniform(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  template <class T>
  const T& pick(const std::vector<T>& values) {
    return values[static_cast<std::size_t>(uniform(0, static_cast<int64_t>(values.size()) - 1))];
  }
  int64_t amount() { return chance(0.15) ? uniform(1, 5) : uniform(1, 400); }

  void step();
  void grant();
  void spend();
  void reserve();
  void capture();
  void release();
  void clawback();
  void restore();
  void adjust();
  void release_order();
  void clock_jump();
  void invalid();

  ledger::Scope random_scope();
  std::vector<ledger::PayLine> random_lines();
  int64_t random_hold_id();

  template <class Prod, class Model, class Compare>
  void execute(const std::string& kind, const std::string& what, Prod prod, Model model,
               Compare compare);
  template <class Prod, class R>
  void check_partial_loads(const CountingIds& ids_before, Prod& prod, const R& full_result,
                           const ledger::Changes& settled, const ledger::Changes& changes,
                           const ledger::WalletLedger& full);
  void commit(ledger::WalletLedger& ledger, const std::vector<ledger::Changes>& changes);
  void check_against_model(const ledger::WalletLedger& ledger);

  uint64_t seed_;
  bool trace_ = env_int("PATRON_SIM_TRACE", 0) == 1;  // log every transfer
  Coverage& coverage_;
  std::mt19937_64 rng_;
  std::mt19937_64 partial_rng_;  // its own stream: seeds replay as before
  ledger::WalletPolicy policy_;
  CountingIds ids_;
  ledger::WalletState stored_;
  std::vector<ledger::Transfer> transfers_;
  std::map<std::string, int64_t> accounts_;  // balance of every account over transfers_
  Instant now_{};
  ReferenceWallet model_;
  std::vector<std::string> log_;
  const std::vector<std::string> orders_ = {"o1", "o2", "o3", "o4", "o5", "o6"};
  const std::vector<std::string> line_ids_ = {"l1", "l2", "l3"};
  std::vector<CliCall>* record_ = nullptr;
  std::optional<ErrorCode> last_error_;  // the last executed command's failure, if any
  void record(std::vector<std::string> args, std::string lines_json = "", int64_t creates_hold = 0,
              int64_t uses_hold = -1);
};

}  // namespace patron::sim
