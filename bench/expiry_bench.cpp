// The expiry job over a SQLite file: N lots (default 1,000,000, 10 per member)
// all due, run through the real job (`patron jobs run expire`: find due member
// wallets, settle each through the single writer with group commit). The
// fixture is written with plain SQL (not measured); the job is.
//
// With --job reminders the lots expire one day apart over a year (lot i on
// day i % 365) and the reminders job runs with [reminders] expiry_days =
// [7, 1]: the members with value expiring within 8 days hear of it.
//
// With --job replenishment the fixture is orders instead of lots: --members
// M (default 100,000) each buying --lines L / M order lines (default
// 1,000,000 in all) from three favourite SKUs of 1,000, two lines an order,
// every 14 to 60 days with up to two days of jitter; the replenishment job
// runs with the default [replenishment] (every SKU) 250 days into the year.
// The win-back job (a reward after 90 days without an order) is timed on
// the same orders, for the issue 7 total.
//
// With --job remarketing the three together on one file, first run and
// daily run: see remarketing_bench.
//
// Usage: expiry_bench [--lots N] [--lots-per-member K] [--dir D]
//                     [--job expire|reminders|replenishment|remarketing] [--members M]
//                     [--lines L]
// Targets: expire 1,000,000 lots in <= 3 s (issue 3); reminders, replenishment
// and win-back over 100,000 members and 1,000,000 lots in <= 5 s together (issue 7).
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "app/queries.h"
#include "app/writer.h"
#include "rules/tiers.h"
#include "store/codec.h"
#include "store/sqlite/sqlite_store.h"

using namespace patron;

namespace {

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

// Deletes the SQLite file at `path` with its WAL and shared-memory files.
void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// A new, empty (migrated) database at `path`; null after printing why not.
std::unique_ptr<app::StoreFactory> fresh_sqlite(const std::string& path) {
  remove_database(path);
  auto factory = store::open_sqlite(path);
  if (!factory) {
    std::fprintf(stderr, "%s\n", factory.error().message.c_str());
    return nullptr;
  }
  return std::move(*factory);
}

void build_fixture(const std::string& path, int64_t lots, int64_t per_member, int64_t granted,
                   int64_t expires, bool spread, bool add_members = true) {
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
    if (add_members && (id - 1) % per_member == 0) {
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

// 1 January 2026, 00:00 UTC: the first orders of the replenishment fixture.
constexpr int64_t kOrdersStart = 1'767'225'600;
constexpr int64_t kSkus = 1'000;
constexpr int64_t kDay = 86'400;

// `members` members, each with lines / members / 2 orders of two lines.
void build_orders(const std::string& path, int64_t members, int64_t lines) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", nullptr, nullptr, nullptr), db,
        "begin");
  sqlite3_stmt* member = nullptr;
  sqlite3_stmt* order = nullptr;
  check(sqlite3_prepare_v2(
            db,
            "INSERT INTO members (program_id, id, birthday, email, phone, created_at, updated_at) "
            "VALUES ('default', ?, NULL, '', '', ?, ?)",
            -1, &member, nullptr),
        db, "prepare");
  check(sqlite3_prepare_v2(
            db,
            "INSERT INTO orders (program_id, id, member_id, placed_at, paid_at, fulfilled_at, "
            "completed_at, cancelled_at, earned_at, program_version, subtotal, paid_value, body, "
            "created_at, updated_at) VALUES ('default', ?, ?, ?, ?, NULL, NULL, NULL, NULL, 1, ?, "
            "?, ?, ?, ?)",
            -1, &order, nullptr),
        db, "prepare");
  uint64_t seed = 88172645463325252ull;  // xorshift64: deterministic jitter, quantities, prices
  auto next = [&seed] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  const int64_t orders_each = std::max<int64_t>(1, lines / members / 2);
  for (int64_t m = 0; m < members; ++m) {
    const std::string id = "member-" + std::to_string(m);
    sqlite3_bind_text(member, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(member, 2, kOrdersStart);
    sqlite3_bind_int64(member, 3, kOrdersStart);
    check(sqlite3_step(member), db, "member");
    sqlite3_reset(member);
    const int64_t favourites[3] = {(m * 7) % kSkus, (m * 13 + 1) % kSkus, (m * 31 + 2) % kSkus};
    const int64_t interval_days = 14 + m % 47;
    for (int64_t k = 0; k < orders_each; ++k) {
      app::OrderRecord r;
      r.order.id = "o-" + std::to_string(m) + "-" + std::to_string(k);
      r.order.member_id = id;
      r.order.placed_at = from_unix_seconds(kOrdersStart + k * interval_days * kDay +
                                            static_cast<int64_t>(next() % (2 * kDay)) + 36'000);
      for (int64_t j = 0; j < 2; ++j) {
        const int64_t sku = favourites[(k + j) % 3];
        rules::OrderLine l;
        l.line_id = std::to_string(j + 1);
        l.sku = "SKU-" + std::to_string(sku);
        l.category = "cat-" + std::to_string(sku % 20);
        l.brand = "brand-" + std::to_string(sku % 50);
        l.quantity = 1 + static_cast<int64_t>(next() % 3);
        l.unit_price = 100 + static_cast<int64_t>(next() % 900);
        r.order.lines.push_back(l);
      }
      const std::string body = store::encode_order_body(r);
      const int64_t placed = to_unix_seconds(r.order.placed_at);
      sqlite3_bind_text(order, 1, r.order.id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_text(order, 2, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(order, 3, placed);
      sqlite3_bind_int64(order, 4, placed);  // paid
      sqlite3_bind_int64(order, 5, r.order.subtotal());
      sqlite3_bind_int64(order, 6, rules::paid_value(r.order, 0));
      sqlite3_bind_text(order, 7, body.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(order, 8, placed);
      sqlite3_bind_int64(order, 9, placed);
      check(sqlite3_step(order), db, "order");
      sqlite3_reset(order);
    }
  }
  sqlite3_finalize(member);
  sqlite3_finalize(order);
  check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db,
        "commit");
  sqlite3_close(db);
}

// The program of the replenishment and remarketing benches: the default
// [replenishment] (every SKU), a 90-day win-back reward of 100 credit and,
// with_reminders, [reminders] expiry_days = [1, 7].
bool apply_remarketing_program(app::StoreFactory& factory, const app::Clock& clock,
                               bool with_reminders) {
  auto w = std::move(*app::Writer::start(factory, clock));
  app::Program p = w->programs().find("default").value()->program;
  if (with_reminders) p.rules.reminders.expiry_days = {1, 7};
  p.rules.replenishment = rules::Replenishment{};
  rules::Reward winback;
  winback.id = "come_back";
  winback.on = rules::RewardOn::kWinback;
  winback.inactive_days = 90;
  winback.wallet = "credit";
  winback.amount = 100;
  p.rules.rewards = {winback};
  app::Command apply;
  apply.body = app::ApplyProgram{p, "# bench", std::nullopt, false};
  if (auto r = w->execute(std::move(apply)); !r) {
    std::fprintf(stderr, "%s\n", r.error().message.c_str());
    return false;
  }
  return true;
}

// --job replenishment: see the file comment.
int replenishment_bench(const std::string& dir, int64_t members, int64_t lines) {
  std::string path = dir + "/patron-replenishment-bench.db";
  auto factory = fresh_sqlite(path);
  if (!factory) return 1;
  app::SystemClock clock;
  if (!apply_remarketing_program(*factory, clock, /*with_reminders=*/false)) return 1;
  auto fixture_start = std::chrono::steady_clock::now();
  build_orders(path, members, lines);
  double fixture_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fixture_start).count();
  auto writer = std::move(*app::Writer::start(*factory, clock));
  auto reader = std::move(*factory->open());
  const Instant now = from_unix_seconds(kOrdersStart + 250 * kDay);
  double seconds[2] = {0, 0};
  app::JobReport reports[2];
  const char* jobs[2] = {"replenishment", "winback"};
  for (int i = 0; i < 2; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto report = app::run_job(*writer, *reader, jobs[i], now);
    seconds[i] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!report || report->failed != 0) {
      std::fprintf(stderr, "%s job failed\n", jobs[i]);
      return 1;
    }
    reports[i] = *report;
  }
  if (reports[0].reminders == 0) {
    std::fprintf(stderr, "replenishment job sent nothing\n");
    return 1;
  }
  auto again_start = std::chrono::steady_clock::now();
  auto again = app::run_job(*writer, *reader, "replenishment", now);
  double again_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - again_start).count();
  if (!again || again->reminders != 0) {
    std::fprintf(stderr, "replenishment rerun failed or sent again\n");
    return 1;
  }
  const int64_t orders_each = std::max<int64_t>(1, lines / members / 2);
  std::printf(
      "replenishment job on SQLite: %lld order lines (%lld orders) of %lld members, %lld "
      "members reminded, %lld replenishment.due sent in %.2f s (rerun, nothing to send: %.2f s); "
      "winback job on the same orders: %lld offers in %.2f s (fixture built in %.1f s)\n",
      static_cast<long long>(members * orders_each * 2),
      static_cast<long long>(members * orders_each), static_cast<long long>(members),
      static_cast<long long>(reports[0].members), static_cast<long long>(reports[0].reminders),
      seconds[0], again_s, static_cast<long long>(reports[1].rewards), seconds[1], fixture_s);
  remove_database(path);
  return 0;
}

// --job remarketing: the three issue 7 jobs on one program and one file:
// the orders of --job replenishment (100,000 members, 1,000,000 lines) and
// 1,000,000 lots (10 a member) granted on 1 January and expiring one day
// apart over a year from 1 February, with [reminders] expiry_days = [1, 7],
// the default [replenishment] and a 90-day win-back reward. First run
// (catch-up: everything that became due since 1 January at once) on day
// 250, then the daily run on day 251 (what the scheduler does every day),
// then a rerun of day 251 (nothing new: the cost of a run that finds
// everything sent).
int remarketing_bench(const std::string& dir, int64_t members, int64_t lines) {
  std::string path = dir + "/patron-remarketing-bench.db";
  auto factory = fresh_sqlite(path);
  if (!factory) return 1;
  app::SystemClock clock;
  if (!apply_remarketing_program(*factory, clock, /*with_reminders=*/true)) return 1;
  auto fixture_start = std::chrono::steady_clock::now();
  build_orders(path, members, lines);
  const int64_t lots = members * 10;
  build_fixture(path, lots, 10, kOrdersStart, kOrdersStart + 31 * kDay, /*spread=*/true,
                /*add_members=*/false);
  double fixture_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - fixture_start).count();
  auto writer = std::move(*app::Writer::start(*factory, clock));
  auto reader = std::move(*factory->open());
  const char* jobs[3] = {"reminders", "replenishment", "winback"};
  struct Run {
    double seconds[3] = {0, 0, 0};
    int64_t sent[3] = {0, 0, 0};
    double total() const { return seconds[0] + seconds[1] + seconds[2]; }
  };
  auto run_all = [&](int64_t day, Run& run) {
    for (int i = 0; i < 3; ++i) {
      auto start = std::chrono::steady_clock::now();
      auto report = app::run_job(*writer, *reader, jobs[i],
                                 from_unix_seconds(kOrdersStart + day * kDay + 9 * 3600));
      run.seconds[i] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!report || report->failed != 0) {
        std::fprintf(stderr, "%s job failed\n", jobs[i]);
        return false;
      }
      run.sent[i] = i == 2 ? report->rewards : report->reminders;
    }
    return true;
  };
  Run first, daily, rerun;
  if (!run_all(250, first) || !run_all(251, daily) || !run_all(251, rerun)) return 1;
  auto print = [&](const char* what, const Run& r) {
    std::printf(
        "%-28s reminders %.2f s (%lld credit.expiring), replenishment %.2f s (%lld "
        "replenishment.due), winback %.2f s (%lld offers): %.2f s together\n",
        what, r.seconds[0], static_cast<long long>(r.sent[0]), r.seconds[1],
        static_cast<long long>(r.sent[1]), r.seconds[2], static_cast<long long>(r.sent[2]),
        r.total());
  };
  std::printf(
      "remarketing jobs on SQLite: %lld members, %lld lots, %lld orders of two lines (fixture "
      "built in %.1f s)\n",
      static_cast<long long>(members), static_cast<long long>(lots),
      static_cast<long long>(members * std::max<int64_t>(1, lines / members / 2)), fixture_s);
  print("first run (day 250):", first);
  print("daily run (day 251):", daily);
  print("rerun (day 251, all sent):", rerun);
  if (first.sent[0] == 0 || first.sent[1] == 0 || first.sent[2] == 0 || daily.sent[0] == 0 ||
      daily.sent[1] == 0 || daily.sent[2] == 0 ||
      rerun.sent[0] + rerun.sent[1] + rerun.sent[2] != 0) {
    std::fprintf(stderr, "a run sent nothing, or the rerun sent again\n");
    return 1;
  }
  remove_database(path);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t lots = 1'000'000, per_member = 10, members = 100'000, lines = 1'000'000;
  std::string job = "expire";
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--lots")) lots = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--lots-per-member")) per_member = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--job")) job = argv[i + 1];
    if (!std::strcmp(argv[i], "--members")) members = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--lines")) lines = std::atoll(argv[i + 1]);
  }
  if (job == "replenishment" || job == "remarketing") {
    if (members < 1 || lines < 2) {
      std::fprintf(stderr, "--members must be at least 1 and --lines at least 2\n");
      return 1;
    }
    return job == "replenishment" ? replenishment_bench(dir, members, lines)
                                  : remarketing_bench(dir, members, lines);
  }
  if (job != "expire" && job != "reminders") {
    std::fprintf(stderr, "--job must be expire, reminders, replenishment or remarketing\n");
    return 1;
  }
  std::string path = dir + "/patron-expiry-bench.db";
  auto factory = fresh_sqlite(path);
  if (!factory) return 1;
  app::SystemClock clock;
  {  // creates the default program; reminders: with expiry reminders
    auto w = std::move(*app::Writer::start(*factory, clock));
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

  auto writer = std::move(*app::Writer::start(*factory, clock));
  auto reader = std::move(*factory->open());
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
    remove_database(path);
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
  remove_database(path);
  return 0;
}
