// The property test's own command sequences, replayed through the real
// `patron` binary on a SQLite file: every command must succeed or fail as it
// did in the core (same error class, via the exit code), and at the end
// `patron verify` passes and `member show` reports the balances the core
// computed. Only seeds whose wallet policy is the CLI program's default
// (negative balance, restore to a new lot) are replayed: the CLI cannot set
// policies until program configuration lands.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <fstream>
#include <map>
#include <sstream>

#include "ledger/wallet_ledger.h"
#include "simulation.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron::sim {
namespace {

namespace json = boost::json;

using testing::Outcome;

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 2;
    case ErrorCode::kNotFound:
      return 3;
    case ErrorCode::kInsufficientFunds:
      return 4;
    case ErrorCode::kConflict:
      return 5;
    case ErrorCode::kFailedPrecondition:
      return 6;
    default:
      return 10;
  }
}

class Replay {
 public:
  explicit Replay(const testing::TempDir& dir) : dir_(dir) {}

  Outcome run(Instant now, const std::vector<std::string>& args) {
    return testing::run_patron(PATRON_BINARY, dir_,
                               {"--db", dir_.file("sim.db"), "--now", format_instant(now)}, args);
  }

 private:
  const testing::TempDir& dir_;
};

TEST(PropertySequencesThroughTheCli, AgreeWithTheCoreAndVerify) {
  int64_t seeds = env_int("PATRON_SIM_CLI_SEEDS", 4);
  int64_t steps = env_int("PATRON_SIM_CLI_STEPS", 60);
  Coverage coverage;
  int replayed_commands = 0, replayed_failures = 0;
  for (int64_t k = 0; k < seeds; ++k) {
    uint64_t seed = static_cast<uint64_t>(4 * k + 4);  // seed % 4 == 0: the default policies
    SCOPED_TRACE("seed " + std::to_string(seed));
    Simulation sim(seed, coverage);
    ASSERT_EQ(sim.policy().debt, ledger::DebtPolicy::kNegativeBalance);
    ASSERT_EQ(sim.policy().restore, ledger::RestorePolicy::kNewLotIfExpired);
    std::vector<Simulation::CliCall> calls;
    sim.record_cli(&calls);
    sim.run(static_cast<int>(steps));
    ASSERT_FALSE(::testing::Test::HasFailure()) << "the core run itself failed";

    testing::TempDir dir;
    Replay replay(dir);
    ASSERT_EQ(
        replay.run(calls.empty() ? sim.now() : calls.front().now, {"member", "upsert", "sim"}).code,
        0);
    std::map<int64_t, int64_t> hold_ids;  // simulation hold id -> database hold id
    for (std::size_t i = 0; i < calls.size(); ++i) {
      Simulation::CliCall call = calls[i];
      std::string shown;
      for (const auto& a : call.args) shown += a + " ";
      SCOPED_TRACE("step " + std::to_string(i) + " at " + format_instant(call.now) + ": " + shown);
      if (call.uses_hold >= 0) {
        auto it = hold_ids.find(call.uses_hold);
        std::string id = it != hold_ids.end() ? std::to_string(it->second)
                                              : std::to_string(900'000 + call.uses_hold);
        for (auto& a : call.args) {
          if (a == "HOLD") a = id;
        }
      }
      if (!call.lines_json.empty()) {
        std::ofstream(dir.file("lines.json")) << call.lines_json;
        call.args.insert(call.args.end(), {"--lines", dir.file("lines.json")});
      }
      Outcome r = replay.run(call.now, call.args);
      int expected = call.error ? exit_code_for(*call.error) : 0;
      ASSERT_EQ(r.code, expected) << r.err;
      ++replayed_commands;
      if (call.error) ++replayed_failures;
      if (call.creates_hold > 0) {
        hold_ids[call.creates_hold] = json::parse(r.out).at("hold_id").as_int64();
      }
    }
    Outcome verify = replay.run(sim.now(), {"verify"});
    EXPECT_EQ(verify.code, 0) << verify.out;
    Outcome show = replay.run(sim.now(), {"--json", "member", "show", "sim"});
    ASSERT_EQ(show.code, 0) << show.err;
    json::value wallet = json::parse(show.out).at("wallets").at("credit");
    ledger::Balances core = ledger::balances_at(sim.stored(), sim.policy(), sim.now());
    EXPECT_EQ(wallet.at("available").as_int64(), core.available);
    EXPECT_EQ(wallet.at("pending").as_int64(), core.pending);
    EXPECT_EQ(wallet.at("held").as_int64(), core.held);
    EXPECT_EQ(wallet.at("debt").as_int64(), core.debt);
  }
  std::printf("[ replay   ] %d commands through the CLI, %d of them refused as in the core\n",
              replayed_commands, replayed_failures);
  EXPECT_GT(replayed_failures, 0) << "the sequences should include refused commands";
}

}  // namespace
}  // namespace patron::sim
