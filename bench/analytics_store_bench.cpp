// KPIs + RFM over a SQLite file (design §6: 1,000,000 orders in <= 1 s): N
// orders (default 1,000,000, 5 per member, spread over two years, paid, a few
// cancelled) and one grant transfer per order, written with plain SQL (not
// measured); then app::kpi_report and app::rfm_summary as `patron analytics
// kpis` and `rfm` run them, on one read connection (measured together), and
// apart what `rfm --json` adds (app::rfm_json: a JSON row per member).
//
// Usage: analytics_store_bench [--orders N] [--orders-per-member K] [--dir D] [--keep 1]
// --keep 1 leaves the file in D and reuses it on the next run with --keep 1
// (same N and K): for profiling the reports without rebuilding the fixture.
// --dump PREFIX writes the reports to PREFIX-kpis.json and PREFIX-rfm.json, to
// check that a change leaves them identical.
#include <sqlite3.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>

#include "app/analytics.h"
#include "app/programs.h"
#include "app/writer.h"
#include "store/sqlite/sqlite_store.h"

using namespace patron;

namespace {

constexpr int64_t kStart = 1'735'660'800;  // 2025-01-01T00:00:00+08:00
constexpr int64_t kSpanSeconds = 730 * kSecondsPerDay;
constexpr int64_t kCancelledEvery = 50;  // one order in 50 is cancelled

void check(int rc, sqlite3* db, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    std::fprintf(stderr, "%s: %s\n", what, sqlite3_errmsg(db));
    std::exit(1);
  }
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* s = nullptr;
  check(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), db, "prepare");
  return s;
}

void run(sqlite3* db, sqlite3_stmt* s, const char* what) {
  check(sqlite3_step(s), db, what);
  sqlite3_reset(s);
}

void build_fixture(const std::string& path, int64_t orders, int64_t per_member) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db), db, "open");
  check(sqlite3_exec(db, "PRAGMA synchronous = OFF; BEGIN", nullptr, nullptr, nullptr), db,
        "begin");
  sqlite3_stmt* member =
      prepare(db,
              "INSERT INTO members (program_id, id, birthday, email, phone, "
              "created_at, updated_at) VALUES ('default', ?, NULL, '', '', ?, ?)");
  sqlite3_stmt* order =
      prepare(db,
              "INSERT INTO orders (program_id, id, member_id, placed_at, paid_at, fulfilled_at, "
              "completed_at, cancelled_at, earned_at, program_version, subtotal, paid_value, body, "
              "created_at, updated_at) VALUES ('default', ?, ?, ?, ?, ?, NULL, ?, NULL, 1, ?, ?, "
              "'{}', ?, ?)");
  sqlite3_stmt* transfer = prepare(db,
                                   "INSERT INTO transfers VALUES (?, ?, 'default', ?, 'credit', "
                                   "'grant', 'issued:purchase', 'member:available', ?, 0, ?)");
  uint64_t seed = 88172645463325252ull;  // xorshift64: deterministic spread of times and values
  auto next = [&seed] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return seed;
  };
  for (int64_t id = 1; id <= orders; ++id) {
    std::string m = "member-" + std::to_string((id - 1) / per_member);
    int64_t placed = kStart + static_cast<int64_t>(next() % kSpanSeconds);
    int64_t value = 100 + static_cast<int64_t>(next() % 5'000);
    if ((id - 1) % per_member == 0) {
      sqlite3_bind_text(member, 1, m.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64(member, 2, placed);
      sqlite3_bind_int64(member, 3, placed);
      run(db, member, "member");
    }
    std::string oid = "order-" + std::to_string(id);
    sqlite3_bind_text(order, 1, oid.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(order, 2, m.c_str(), -1, SQLITE_TRANSIENT);
    for (int col : {3, 4, 5, 9, 10}) sqlite3_bind_int64(order, col, placed);
    if (id % kCancelledEvery == 0) {
      sqlite3_bind_int64(order, 6, placed + 60);
    } else {
      sqlite3_bind_null(order, 6);
    }
    sqlite3_bind_int64(order, 7, value);
    sqlite3_bind_int64(order, 8, value);
    run(db, order, "order");
    sqlite3_bind_int64(transfer, 1, id);
    sqlite3_bind_int64(transfer, 2, id);
    sqlite3_bind_text(transfer, 3, m.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(transfer, 4, value / 20 + 1);
    sqlite3_bind_int64(transfer, 5, placed);
    run(db, transfer, "transfer");
  }
  for (auto* s : {member, order, transfer}) sqlite3_finalize(s);
  check(sqlite3_exec(db, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr), db,
        "commit");
  sqlite3_close(db);
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU time of this process: on a shared machine the wall time also counts
// the time other processes held the cores.
double cpu_seconds() {
  return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
}

}  // namespace

int main(int argc, char** argv) {
  int64_t orders = 1'000'000, per_member = 5;
  bool keep = false;
  std::string dump;
  std::string dir = std::filesystem::temp_directory_path().string();
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--orders")) orders = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--orders-per-member")) per_member = std::atoll(argv[i + 1]);
    if (!std::strcmp(argv[i], "--dir")) dir = argv[i + 1];
    if (!std::strcmp(argv[i], "--keep")) keep = std::atoll(argv[i + 1]) != 0;
    if (!std::strcmp(argv[i], "--dump")) dump = argv[i + 1];
  }
  if (orders < 1 || per_member < 1) return 2;
  std::string path = dir + "/patron-analytics-bench.db";
  const bool reuse = keep && std::filesystem::exists(path);
  if (!reuse) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  auto factory = store::open_sqlite(path);
  if (!factory) {
    std::fprintf(stderr, "%s\n", factory.error().message.c_str());
    return 1;
  }
  app::SystemClock clock;
  double fixture_s = 0;
  if (!reuse) {
    { auto w = app::Writer::start(**factory, clock); }  // creates the default program
    auto fixture_start = std::chrono::steady_clock::now();
    build_fixture(path, orders, per_member);
    fixture_s = seconds_since(fixture_start);
  }

  auto reader = std::move(*(*factory)->open());
  auto programs = app::Programs::load(*reader);
  if (!programs) return 1;
  const app::ResolvedProgram& program = **programs->find("default");
  auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_seconds();
  app::KpiRequest kpis{std::chrono::year{2025} / 1 / 1, std::chrono::year{2026} / 12 / 31, 90};
  auto k = app::kpi_report(*reader, program, kpis);
  double kpis_s = seconds_since(start);
  const double kpis_cpu_s = cpu_seconds() - cpu_start;
  auto r = app::rfm_summary(*reader, program, from_unix_seconds(kStart + kSpanSeconds));
  double total_s = seconds_since(start);
  const double total_cpu_s = cpu_seconds() - cpu_start;
  if (!k || !r) {
    std::fprintf(stderr, "report failed: %s\n", (!k ? k.error() : r.error()).message.c_str());
    return 1;
  }
  // What --json adds: a JSON row per member.
  auto json_start = std::chrono::steady_clock::now();
  boost::json::object rfm_json = app::rfm_json(*r);
  double json_s = seconds_since(json_start);
  std::printf(
      "analytics on SQLite: %lld orders (%lld per member): KPIs %.2f s + RFM %.2f s = %.2f s "
      "(CPU %.2f s + %.2f s = %.2f s; target <= 1 s); RFM rows as JSON +%.2f s; %lld buyers; "
      "fixture built in %.1f s\n",
      static_cast<long long>(orders), static_cast<long long>(per_member), kpis_s, total_s - kpis_s,
      total_s, kpis_cpu_s, total_cpu_s - kpis_cpu_s, total_cpu_s, json_s,
      static_cast<long long>(k->at("buyers").as_int64()), fixture_s);
  // Both as one report (KpiRequest::rfm: the segments as of the period's
  // end, from the same scan of the orders), what a dashboard's overview asks.
  kpis.rfm = true;
  auto both_start = std::chrono::steady_clock::now();
  const double both_cpu_start = cpu_seconds();
  auto both = app::kpi_report(*reader, program, kpis);
  const double both_s = seconds_since(both_start);
  const double both_cpu_s = cpu_seconds() - both_cpu_start;
  if (!both) {
    std::fprintf(stderr, "report failed: %s\n", both.error().message.c_str());
    return 1;
  }
  std::printf(
      "KPIs with RFM segments as one report (orders scanned once): %.2f s (CPU %.2f s; target "
      "<= 1 s); %lld members scored\n",
      both_s, both_cpu_s, static_cast<long long>(both->at("rfm").at("members").as_int64()));
  if (!dump.empty()) {
    std::ofstream(dump + "-kpis-rfm.json") << boost::json::serialize(*both) << "\n";
    std::ofstream(dump + "-kpis.json") << boost::json::serialize(*k) << "\n";
    std::ofstream(dump + "-rfm.json") << boost::json::serialize(rfm_json) << "\n";
  }
  if (!keep) {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  return 0;
}
