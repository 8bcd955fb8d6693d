// The expiry job over a SQLite file: N lots (default 1,000,000, 10 per member)
// all due, run through the real job (`patron jobs run expire`: find due member
// wallets, settle each through the single writer with group commit). The
// fixture is written with plain SQL (not measured); the job is.
//
// With --job reminders the lots expire one day apart over a year (lot i on
// day i % 365) and the reminders job runs with [reminders] expiry_days =
// [7, 1]: the members with value expiring within 8 days hear of it.
//
// Usage: expiry_bench [--lots N] [--lots-per-member K] [--dir D] [--job expire|reminders]
// Targets: expire 1,000,000 lots in <= 3 s (issue 3); reminders, replenishment
// and win-back over 100,000 members and 1,000,000 lots in <= 5 s together (issue 7).
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "app/queries.h"
#include "app/writer.h"
#include "store/sqlite/sqlite_store.h"

using namespace patron;

namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

void build_fixture(const std::string& path, int64_t lots, int64_t per_member, int64_t granted,
                   int64_t expires, bool spread) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", nullptr, nullptr, nullptr), db,
        "begin");
  sqlite3_stmt* member = nullptr;
  sqlite3_stmt* lot = nullptr;
  sqlite3_stmt* transfer = nullptr;
  check(sqlite3_prepare_v2(
            db,
            "INSERT INTO members (program_id, id, birthday, email, phone, created_at, updated_at) "
            "VALUES ('default', ?, NULL, '', '', ?, ?)",
            -1, &member, nullptr),
        db, "prepare");
  check(sqlite3_prepare_v2(db,
                           "INSERT INTO lots VALUES (?, 'default', ?, 'credit', 'birthday', 100, "
                           "100, 0, 0, 'available', ?, ?, ?, '{}', '', '[]', '')",
                           -1, &lot, nullptr),
        db, "prepare");
  check(sqlite3_prepare_v2(db,
                           "INSERT INTO transfers VALUES (?, ?, 'default', ?, 'credit', 'grant', "
                           "'issued:birthday', 'member:available', 100, ?, ?)",
                           -1, &transfer, nullptr),
        db, "prepare");
  for (int64_t id = 1; id <= lots; ++id) {
    std::string m = "member-" + std::to_string((id - 1) / per_member);
    if ((id - 1) % per_member == 0) {
      sqlite3_bind_text(member, 1, m.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(member, 2, granted);
      sqlite3_bind_int64(member, 3, granted);
      check(sqlite3_step(member), db, "member");
      sqlite3_reset(member);
    }
    sqlite3_bind_int64(lot, 1, id);
    sqlite3_bind_text(lot, 2, m.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(lot, 3, granted);
    sqlite3_bind_int64(lot, 4, granted);
    sqlite3_bind_int64(lot, 5, spread ? expires + ((id - 1) % 365) * 86'400 : expires);
    check(sqlite3_step(lot), db, "lot");
    sqlite3_reset(lot);
    sqlite3_bind_int64(transfer, 1, id);
    sqlite3_bind_int64(transfer, 2, id);
    sqlite3_bind_text(transfer, 3, m.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(transfer, 4, id);
    sqlite3_bind_int64(transfer, 5, granted);
    check(sqlite3_step(transfer), db, "transfer");
    sqlite3_reset(transfer);
  }
  sqlite3_finalize(member);
  sqlite3_finalize(lot);
  sqlite3_finalize(transfer);
  check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db,
        "commit");
  sqlite3_close(db);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t lots = 1'000'000, per_member = 10;
  std::string job = "expire";
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--lots")) lots = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--lots-per-member")) per_member = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--job")) job = argv[i + 1];
  }
  if (job != "expire" && job != "reminders") {
    std::fprintf(stderr, "--job must be expire or reminders\n");
    return 1;
  }
  std::string path = dir + "/patron-expiry-bench.db";
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  auto factory = store::open_sqlite(path);
  if (!factory) {
    std::fprintf(stderr, "%s\n", factory.error().message.c_str());
    return 1;
  }
  app::SystemClock clock;
  {  // creates the default program; reminders: with expiry reminders
    auto w = std::move(*app::Writer::start(**factory, clock));
    if (job == "reminders") {
      app::Program p = w->programs().find("default").value()->program;
      p.rules.reminders.expiry_days = {1, 7};
      app::Command apply;
      apply.body = app::ApplyProgram{p, "# bench", std::nullopt, false};
      if (auto r = w->execute(std::move(apply)); !r) {
        std::fprintf(stderr, "%s\n", r.error().message.c_str());
        return 1;
      }
    }
  }
  const int64_t granted = 1'790'000'000;
  const int64_t expires = granted + 30 * 86'400;
  auto fixture_start = std::chrono::steady_clock::now();
  build_fixture(path, lots, per_member, granted, expires, job == "reminders");
  double fixture_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fixture_start).count();

  auto writer = std::move(*app::Writer::start(**factory, clock));
  auto reader = std::move(*(*factory)->open());
  if (job == "reminders") {
    // A day before the first lots expire: 8 days of the year are within reach.
    auto start = std::chrono::steady_clock::now();
    auto report = app::run_job(*writer, *reader, "reminders", from_unix_seconds(expires - 86'400));
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!report || report->failed != 0 || report->reminders == 0) {
      std::fprintf(stderr, "reminders job failed or sent nothing\n");
      return 1;
    }
    std::printf(
        "reminders job on SQLite: %lld lots of %lld members (expiring over a year), %lld "
        "members with value expiring within 8 days, %lld credit.expiring sent in %.2f s "
        "(fixture built in %.1f s)\n",
        static_cast<long long>(lots), static_cast<long long>(lots / per_member),
        static_cast<long long>(report->members), static_cast<long long>(report->reminders), seconds,
        fixture_s);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
    return 0;
  }
  auto start = std::chrono::steady_clock::now();
  auto report = app::run_job(*writer, *reader, "expire", from_unix_seconds(expires + 1));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!report || report->failed != 0 || report->expired != lots * 100) {
    std::fprintf(stderr, "expiry job failed or incomplete\n");
    return 1;
  }
  std::printf(
      "expiry job on SQLite: %lld lots (%lld per member) expired in %.2f s = %.0f lots/s "
      "(fixture built in %.1f s)\n",
      static_cast<long long>(lots), static_cast<long long>(per_member), seconds,
      static_cast<double>(lots) / seconds, fixture_s);
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  return 0;
}
