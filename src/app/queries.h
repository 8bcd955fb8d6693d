// Reads and jobs. Reads use their own connection (never the writer's), so
// they do not wait for writes; they show the wallet as it is at `now`
// (settled in memory: due pending lots count as available, due lots as
// expired) even when the jobs have not run yet.
#pragma once

#include <string>
#include <vector>

#include "app/programs.h"
#include "app/store.h"
#include "app/writer.h"

namespace patron::app {

// {"member": {...}, "wallets": {"credit": {"available", "pending", "held", "debt",
//  "unit", "lots": [...], "holds": [...]}, ...}}
Result<std::string> member_view(Store& store, const Programs& programs,
                                const std::string& program_id, const std::string& member_id,
                                Instant now);

// {"member_id", "transfers": [...]} for one wallet or all.
Result<std::string> ledger_view(Store& store, const Programs& programs,
                                const std::string& program_id, const std::string& member_id,
                                const std::string& wallet);

struct VerifyReport {
  int64_t members = 0;
  int64_t wallets = 0;
  int64_t transfers = 0;
  std::vector<std::string> problems;
};

// Checks every ledger invariant of every member wallet of every program.
Result<VerifyReport> verify(Store& store, const Programs& programs);

struct JobReport {
  std::string job;
  int64_t members = 0;
  int64_t matured = 0;
  int64_t expired = 0;
  int64_t holds_expired = 0;
  int64_t failed = 0;
};

// Runs a job (mature, expire, holds) at `now` over every program: finds the
// member wallets with something due and settles each through the writer.
Result<JobReport> run_job(Writer& writer, Store& reader, const std::string& job, Instant now);

}  // namespace patron::app
