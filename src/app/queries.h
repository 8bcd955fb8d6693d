// Reads and jobs. Reads use their own connection (never the writer's), so
// they do not wait for writes; they show the wallet as it is at `now`
// (settled in memory: due pending lots count as available, due lots as
// expired) even when the jobs have not run yet.
#pragma once

#include <array>
#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "app/clock.h"
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

// {"member_id", "transfers": [...], "next_cursor": "ID" | null}: one page in
// transfer id order, of one wallet or (empty) all; read in SQL, so a long
// history costs one page, not the whole history.
Result<std::string> ledger_page(Store& store, const Programs& programs,
                                const std::string& program_id, const std::string& member_id,
                                const std::string& wallet, int64_t after_id, std::size_t limit);

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
  int64_t tier_changes = 0;        // tiers: members whose level changed
  int64_t rewards = 0;             // birthdays: rewards granted
  int64_t referrals_rewarded = 0;  // referrals: both sides rewarded
  int64_t referrals_held = 0;      // referrals: held for review
  int64_t reminders = 0;           // reminders, replenishment: outbox events sent
  int64_t failed = 0;
};

// Runs a job (mature, expire, holds) at `now` over every program, or only
// `only_program` when it is not empty: finds the member wallets with
// something due and settles each through the writer.
Result<JobReport> run_job(Writer& writer, Store& reader, const std::string& job, Instant now,
                          const std::string& only_program = "");

boost::json::object job_report_json(const JobReport& report);

// The jobs, in the order "all" runs them: holds first, because a hold past
// its TTL returns value that maturation and expiry then see in its place.
inline constexpr std::array<std::string_view, 12> kJobNames = {
    "holds",     "mature",    "expire",  "tiers", "birthdays",     "monthly",
    "referrals", "reminders", "winback", "carts", "replenishment", "products"};
// Jobs whose work is decided by the local day (reminders N days ahead, a
// replenishment or win-back date) and that scan or fit over all of a
// program's lots or orders, too costly to repeat every minute for nothing:
// the scheduler runs them once a local day per program, on its first tick
// of the day; the others on every tick. (Birthdays and monthly rewards stay
// on every tick: with grace_days = 0 a member who joins later on the reward
// day must still get it that day.)
bool daily_job(std::string_view name);
// "all" -> every job in that order; a job's name -> itself; anything else
// fails naming the field "job".
Result<std::vector<std::string>> jobs_named(std::string_view name);

// Runs a job over one program and records the run (job_runs), ok or not.
// Jobs are idempotent: a rerun at the same `as_of` finds nothing due.
// `record_if_idle` false: a run that found nothing due is not recorded (the
// scheduler runs every minute; only runs that did something are history).
// `failed`, when given, is set to the number of members whose command failed
// in a run that completed (0 when the run failed as a whole: run.ok false).
Result<JobRun> run_and_record(Writer& writer, Store& reader, const Clock& clock,
                              const std::string& program_id, const std::string& job, Instant as_of,
                              const std::string& trigger, bool record_if_idle = true,
                              int64_t* failed = nullptr);

}  // namespace patron::app
