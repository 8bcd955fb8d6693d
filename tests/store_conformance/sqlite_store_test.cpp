// SQLite-specific behaviour: the file persists, migrations are versioned and
// upgrade older files in place, a newer schema is refused, corrupt columns are
// reported, transfers and the audit log are append-only, the JSON codecs of
// rules and order bodies refuse what they cannot read.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "rules/tiers.h"
#include "store/codec.h"
#include "store/sqlite/wal_buffer_vfs.h"
#include "support/temp_dir.h"

namespace patron {
namespace store {
const std::vector<std::pair<int, std::string_view>>& migrations();  // generated, embedded
}  // namespace store

namespace {

void exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text;
}

TEST(SqliteStore, CreatesWalFileAndRecordsSchemaVersion) {
  testing::TempDir dir;
  auto f = store::open_sqlite(dir.file("p.db"));
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_GE(store::sqlite_schema_version(), 1);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("p.db").c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "wal");
  sqlite3_finalize(s);
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT MAX(version) FROM schema_version", -1, &s, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(s, 0), store::sqlite_schema_version());
  sqlite3_finalize(s);
  sqlite3_close(db);
  // Opening again applies nothing and keeps working.
  EXPECT_TRUE(store::open_sqlite(dir.file("p.db")));
}

// The scratch database of `patron simulate`: connections of one factory
// share it; another factory has its own; a rollback discards.
TEST(SqliteStore, InMemoryDatabasesAreSharedByTheirFactoryOnly) {
  auto f = store::open_sqlite_memory();
  ASSERT_TRUE(f) << f.error().message;
  auto g = store::open_sqlite_memory();
  ASSERT_TRUE(g) << g.error().message;
  auto writer = (*f)->open();
  auto reader = (*f)->open();
  auto other = (*g)->open();
  ASSERT_TRUE(writer && reader && other);
  ASSERT_TRUE((*writer)->begin());
  ASSERT_TRUE((*writer)->put_program(app::default_program()));
  ASSERT_TRUE((*writer)->commit());
  auto seen = (*reader)->programs();
  ASSERT_TRUE(seen) << seen.error().message;
  EXPECT_EQ(seen->size(), 1u);
  auto elsewhere = (*other)->programs();
  ASSERT_TRUE(elsewhere) << elsewhere.error().message;
  EXPECT_TRUE(elsewhere->empty());
  app::Program second = app::default_program();
  second.id = "second";
  ASSERT_TRUE((*writer)->begin());
  ASSERT_TRUE((*writer)->put_program(second));
  (*writer)->rollback();
  EXPECT_EQ((*reader)->programs()->size(), 1u);
  // The factory keeps the database when every store it opened is closed.
  writer->reset();
  reader->reset();
  auto later = (*f)->open();
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_EQ((*later)->programs()->size(), 1u);
}

// Runs `sql` on an open connection; a failure fails the test, naming it.
void run_sql(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << text;
}

int64_t query_int(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  int64_t value = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
  sqlite3_finalize(s);
  sqlite3_close(db);
  return value;
}

// Whether SQLite's integrity check finds the database file at `path` sound.
bool integrity_ok(const std::string& path) {
  return query_int(path,
                   "SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'") == 1;
}

// A write that upserts member `id` of the default program.
app::CommandWrite member_write(std::string id, Instant updated_at) {
  app::CommandWrite w;
  w.program_id = "default";
  w.member_id = id;
  w.member = app::Member{"default",    std::move(id),
                         std::nullopt, "someone@example.com",
                         "",           from_unix_seconds(0),
                         updated_at,   {},
                         "",           "",
                         "",           "",
                         {},           {}};
  return w;
}

// serve turns off SQLite's automatic checkpoints and runs them on a thread:
// the WAL must still reach the database file while the process runs.
TEST(SqliteStore, BackgroundCheckpointCopiesTheWalIntoTheDatabase) {
  testing::TempDir dir;
  const std::string path = dir.file("ckpt.db");
  store::SqliteOptions options;
  options.background_checkpoint = true;
  options.checkpoint_interval_ms = 20;
  auto factory = store::open_sqlite(path, options);
  ASSERT_TRUE(factory);
  auto s = (*factory)->open();
  ASSERT_TRUE(s);
  auto size0 = std::filesystem::file_size(path);
  ASSERT_TRUE((*s)->begin());
  ASSERT_TRUE((*s)->put_program(app::default_program()));
  for (int i = 0; i < 3000; ++i) {
    ASSERT_TRUE((*s)->apply(
        member_write("member-with-a-long-enough-id-" + std::to_string(i), from_unix_seconds(0))));
  }
  ASSERT_TRUE((*s)->commit());
  auto grown = size0;
  for (int i = 0; i < 150 && grown < size0 + 100'000; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    grown = std::filesystem::file_size(path);
  }
  EXPECT_GE(grown, size0 + 100'000) << "the database file did not grow: no checkpoint ran";
}

// A writer committing back to back while the background thread checkpoints:
// the WAL must start over once it holds wal_restart_frames, not grow with
// every commit (it did: 2 GiB in 15 s of order events under serve).
void wal_under_sustained_commits(int64_t restart_frames, int64_t interval_ms, uintmax_t& largest) {
  testing::TempDir dir;
  const std::string path = dir.file("wal.db");
  store::SqliteOptions options;
  options.background_checkpoint = true;
  options.checkpoint_interval_ms = interval_ms;
  options.wal_restart_frames = restart_frames;
  auto factory = store::open_sqlite(path, options);
  ASSERT_TRUE(factory);
  auto s = (*factory)->open();
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->begin());
  ASSERT_TRUE((*s)->put_program(app::default_program()));
  ASSERT_TRUE((*s)->commit());
  largest = 0;
  for (int i = 0; i < 1500; ++i) {
    ASSERT_TRUE((*s)->begin());
    for (int j = 0; j < 4; ++j) {
      // Spread over the key space, as random members are.
      ASSERT_TRUE((*s)->apply(member_write(
          "member-" + std::to_string((i * 7919 + j * 104729) % 100'003), from_unix_seconds(i))));
    }
    ASSERT_TRUE((*s)->commit());
    largest = std::max(largest, std::filesystem::file_size(path + "-wal"));
  }
}

TEST(SqliteStore, TheWalStartsOverUnderSustainedCommits) {
  constexpr int64_t kFrames = 128;
  constexpr uintmax_t kFrameBytes = 4096 + 24;
  uintmax_t largest = 0;
  wal_under_sustained_commits(kFrames, 2, largest);
  // The log only passes the mark by what commits add while a catch-up is
  // postponed (the background thread holds the checkpoint lock, or has not
  // copied enough yet).
  EXPECT_LE(largest, 4 * kFrames * kFrameBytes);
  EXPECT_GT(largest, kFrames * kFrameBytes / 2) << "too few commits to test anything";
  // A background thread that never runs on its own: the commits past the
  // mark wake it, and the log starts over once it has copied most of it.
  wal_under_sustained_commits(kFrames, 3'600'000, largest);
  EXPECT_LE(largest, 4 * kFrames * kFrameBytes);
  // Without the catch-up the same commits leave a log many times that size.
  uintmax_t unbounded = 0;
  wal_under_sustained_commits(0, 2, unbounded);
  EXPECT_GT(unbounded, 8 * kFrames * kFrameBytes);
}

// The WAL write buffer (wal_buffer_vfs.h): a transaction larger than the page
// cache spills frames before its commit and reads them back; frames go out
// in runs longer than the default VFS takes in one write; a rollback after a
// spill leaves nothing. Another connection on the default VFS must read
// exactly what was committed, and the file must stay well-formed.
TEST(SqliteStore, TheWalBufferKeepsEveryCommittedFrameAndNothingElse) {
  testing::TempDir dir;
  const std::string path = dir.file("buffered.db");
  const char* vfs = store::wal_buffer_vfs();
  ASSERT_NE(vfs, nullptr);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
            SQLITE_OK);
  run_sql(db,
          "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA cache_size = 16;"
          "PRAGMA wal_autocheckpoint = 0;"
          "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID");
  const std::string rows =
      "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 20000) "
      "INSERT INTO t SELECT printf('%08d', (i * 7919) % 1000003) || '-";
  run_sql(db, "BEGIN; " + rows + "a', randomblob(200) FROM c;");
  // Read back in the same transaction: pages that only the WAL holds.
  sqlite3_stmt* count = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*), SUM(LENGTH(v)) FROM t", -1, &count, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(count), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(count, 0), 20000);
  EXPECT_EQ(sqlite3_column_int64(count, 1), 20000 * 200);
  sqlite3_finalize(count);
  run_sql(db, "COMMIT");
  auto wal_bytes = std::filesystem::file_size(path + "-wal");
  EXPECT_GT(wal_bytes, uintmax_t{4} << 20) << "the commit should pass the 4 MiB buffer";
  // A commit that writes all its frames at once: runs longer than the
  // buffer, and than what the default VFS takes in one write.
  run_sql(db, "PRAGMA cache_size = 100000; BEGIN; " + rows + "c', randomblob(200) FROM c; COMMIT;");
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t WHERE k LIKE '%-c'"), 20000);
  run_sql(db, "PRAGMA cache_size = 16");
  // A spilled transaction rolled back: invisible, and the next commit follows.
  run_sql(db, "BEGIN; " + rows + "b', randomblob(200) FROM c; ROLLBACK;");
  run_sql(db, "INSERT INTO t VALUES ('last', x'00')");
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t"), 40001);
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t WHERE k LIKE '%-b'"), 0);
  EXPECT_EQ(query_int(path, "SELECT SUM(LENGTH(v)) FROM t"), 40000 * 200 + 1);
  EXPECT_TRUE(integrity_ok(path));
  // And after the log is copied back and started over.
  run_sql(db, "PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES ('after', x'01')");
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t"), 40002);
  sqlite3_close(db);
  EXPECT_TRUE(integrity_ok(path));
}

// Frames still buffered when a connection releases the WAL write lock (a
// transaction that spilled and rolled back) must never reach the file after
// it: the next writer (another process: an import beside serve) commits into
// the same slots, and a late flush would overwrite its commit. Driven
// through the VFS itself: SQLite's rollback usually reads (and so flushes)
// before it unlocks, which hides a missing hook.
TEST(SqliteStore, TheWalBufferIsDroppedWhenTheWriteLockGoes) {
  testing::TempDir dir;
  const std::string path = dir.file("lock.db");
  ASSERT_NE(store::wal_buffer_vfs(), nullptr);
  sqlite3_vfs* vfs = sqlite3_vfs_find(store::wal_buffer_vfs());
  ASSERT_NE(vfs, nullptr);
  std::vector<char> db_file(static_cast<std::size_t>(vfs->szOsFile));
  std::vector<char> wal_file(static_cast<std::size_t>(vfs->szOsFile));
  auto* db = reinterpret_cast<sqlite3_file*>(db_file.data());
  auto* wal = reinterpret_cast<sqlite3_file*>(wal_file.data());
  // SQLite hands the VFS names that live as long as the file, each followed
  // by its (here empty) list of URI parameters: NUL-terminated twice more.
  const std::string wal_path = path + "-wal";
  const std::string db_name = path + std::string(4, '\0');
  const std::string wal_name = wal_path + std::string(4, '\0');
  int out = 0;
  ASSERT_EQ(vfs->xOpen(vfs, db_name.c_str(), db,
                       SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE, &out),
            SQLITE_OK);
  ASSERT_EQ(vfs->xOpen(vfs, wal_name.c_str(), wal,
                       SQLITE_OPEN_WAL | SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE, &out),
            SQLITE_OK);
  void volatile* region = nullptr;
  ASSERT_EQ(db->pMethods->xShmMap(db, 0, 32768, 1, &region), SQLITE_OK);
  ASSERT_EQ(db->pMethods->xShmLock(db, 0, 1, SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE), SQLITE_OK);
  const std::string frame(4120, 'x');
  ASSERT_EQ(wal->pMethods->xWrite(wal, frame.data(), 4120, 32), SQLITE_OK);
  EXPECT_EQ(std::filesystem::file_size(wal_path), 0u) << "the write should be buffered";
  ASSERT_EQ(db->pMethods->xShmLock(db, 0, 1, SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE), SQLITE_OK);
  // A frame still buffered at the release belongs to no commit: dropped, so
  // neither a read nor the close writes it once another writer may own
  // those slots.
  char byte = 0;
  EXPECT_NE(wal->pMethods->xRead(wal, &byte, 1, 32), SQLITE_OK);  // a short read: nothing there
  EXPECT_EQ(wal->pMethods->xClose(wal), SQLITE_OK);
  EXPECT_EQ(std::filesystem::file_size(wal_path), 0u)
      << "a frame buffered before the write lock was released reached the file after it";
  EXPECT_EQ(db->pMethods->xShmUnmap(db, 1), SQLITE_OK);
  EXPECT_EQ(db->pMethods->xClose(db), SQLITE_OK);
}

// Two writers on one database through the buffer: one spills and rolls back,
// the other commits into the same WAL slots, the first reads and writes
// again and closes. The commit must stay whole and the file well-formed.
TEST(SqliteStore, TheWalBufferKeepsAnotherWritersCommit) {
  testing::TempDir dir;
  const std::string path = dir.file("two.db");
  const char* vfs = store::wal_buffer_vfs();
  ASSERT_NE(vfs, nullptr);
  auto open = [&](sqlite3** db) {
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
  };
  sqlite3* a = nullptr;
  sqlite3* b = nullptr;
  open(&a);
  open(&b);
  const char* setup =
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA wal_autocheckpoint = 0;";
  run_sql(a, setup);
  run_sql(b, setup);
  // a's cache holds 256 pages: its transaction spills.
  run_sql(a, "PRAGMA cache_size = 256");
  // Page 1 out of the WAL: a's rollback then has nothing to re-read there.
  run_sql(
      a,
      "CREATE TABLE t (k TEXT PRIMARY KEY, v BLOB) WITHOUT ROWID; PRAGMA wal_checkpoint(TRUNCATE)");
  // Keys in order: the pages a spills are full leaves it never reads again,
  // so the last of them are still in its buffer when it rolls back.
  auto rows = [](int n, const char* tag) {
    return "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " +
           std::to_string(n) + ") INSERT INTO t SELECT printf('%08d', i) || '-" + tag +
           "', randomblob(1000) FROM c;";
  };
  run_sql(a, "BEGIN; " + rows(5000, "a") + " ROLLBACK;");
  // b commits more frames into the same WAL slots.
  run_sql(b, "BEGIN; " + rows(10000, "b") + " COMMIT;");
  // a reads (a flush point) and closes (another).
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t WHERE k LIKE '%-b'"), 10000);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(a, "SELECT COUNT(*) FROM t", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(q, 0), 10000);
  sqlite3_finalize(q);
  run_sql(a, "INSERT INTO t VALUES ('late', x'00')");
  sqlite3_close(a);
  sqlite3_close(b);
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t WHERE k LIKE '%-b'"), 10000);
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t WHERE k LIKE '%-a'"), 0);
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM t"), 10001);
  EXPECT_EQ(query_int(path, "SELECT SUM(LENGTH(v)) FROM t"), 10000 * 1000 + 1);
  EXPECT_TRUE(integrity_ok(path));
}

TEST(SqliteStore, UpgradesAVersion1DatabaseAndKeepsItsData) {
  ASSERT_GE(store::sqlite_schema_version(), 2);
  ASSERT_GE(store::migrations().size(), 2u);
  ASSERT_EQ(store::migrations()[0].first, 1);
  testing::TempDir dir;
  const std::string path = dir.file("v1.db");
  // A database as a version-1 patron left it: schema 1 and some rows.
  exec(path, std::string(store::migrations()[0].second).c_str());
  exec(path,
       "CREATE TABLE schema_version (version INTEGER NOT NULL);"
       "INSERT INTO schema_version (version) VALUES (1);"
       "INSERT INTO programs (id, currency, minor_digits, time_zone) VALUES ('default', 'TWD', 0, "
       "'Asia/Taipei');"
       "INSERT INTO members VALUES ('default', 'm1', NULL, 'a@b.tw', '', 0, 0);");
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'api_keys'"), 0);

  auto f = store::open_sqlite(path);
  ASSERT_TRUE(f) << f.error().message;
  const auto migrated = static_cast<int64_t>(store::migrations().size());
  EXPECT_EQ(query_int(path, "SELECT MAX(version) FROM schema_version"),
            store::sqlite_schema_version());
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM schema_version"), migrated)
      << "one row per migration";
  auto s = (*f)->open();
  ASSERT_TRUE(s);
  EXPECT_EQ((*(*s)->find_member("default", "m1"))->email, "a@b.tw") << "version-1 rows survive";
  app::ApiKey key{"key_1",     "default", app::Role::kIntegration,
                  "hash-1",    "shop",    from_unix_seconds(1'790'000'000),
                  std::nullopt};
  app::CommandWrite w;
  w.api_key = key;
  w.audit = {app::AuditEntry{0, "default", "cli", "key.create", "key_1", "{}", key.created_at}};
  ASSERT_TRUE((*s)->begin());
  auto applied = (*s)->apply(w);
  ASSERT_TRUE(applied) << applied.error().message;
  ASSERT_TRUE((*s)->commit());
  s->reset();
  f->reset();

  // Reopened: nothing left to migrate, the key and its audit entry are there.
  auto again = store::open_sqlite(path);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM schema_version"), migrated);
  auto reader = (*again)->open();
  ASSERT_TRUE(reader);
  auto found = (*reader)->find_api_key("hash-1");
  ASSERT_TRUE(found && found->has_value());
  EXPECT_EQ(**found, key);
  EXPECT_EQ((*reader)->audit_log("default", {})->size(), 1u);
}

TEST(SqliteStore, AuditLogIsAppendOnlyAndColumnsAreChecked) {
  testing::TempDir dir;
  const std::string path = dir.file("p.db");
  ASSERT_TRUE(store::open_sqlite(path));
  exec(path,
       "INSERT INTO programs (id, currency, minor_digits, time_zone) VALUES ('default', 'TWD', 0, "
       "'Asia/Taipei');"
       "INSERT INTO audit_log (program_id, actor, action, target, detail, at) "
       "VALUES ('default', 'cli', 'key.create', 'key_1', '{}', 0)");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  auto refused = [&](const char* sql) {
    return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK;
  };
  EXPECT_TRUE(refused("UPDATE audit_log SET actor = 'someone else'"));
  EXPECT_TRUE(refused("DELETE FROM audit_log"));
  EXPECT_TRUE(refused("INSERT INTO api_keys VALUES ('key_1', 'default', 'root', 'h', '', 0, NULL)"))
      << "unknown role";
  EXPECT_TRUE(
      refused("INSERT INTO job_runs (program_id, job, trigger, as_of, started_at, finished_at, ok, "
              "report) VALUES ('default', 'expire', 'cli', 0, 0, 0, 2, '{}')"))
      << "ok is 0 or 1";
  EXPECT_FALSE(
      refused("INSERT INTO api_keys VALUES ('key_1', 'default', 'analyst', 'h', '', 0, NULL)"));
  sqlite3_close(db);
}

TEST(SqliteStore, RefusesANewerSchema) {
  testing::TempDir dir;
  ASSERT_TRUE(store::open_sqlite(dir.file("p.db")));
  exec(dir.file("p.db"), "INSERT INTO schema_version (version) VALUES (999)");
  auto f = store::open_sqlite(dir.file("p.db"));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_NE(f.error().message.find("999"), std::string::npos);
}

TEST(SqliteStore, RefusesAFileThatIsNotADatabase) {
  testing::TempDir dir;
  {
    FILE* fp = std::fopen(dir.file("junk.db").c_str(), "w");
    ASSERT_NE(fp, nullptr);
    std::fputs("this is not sqlite, just text that is long enough to have a header......", fp);
    std::fclose(fp);
  }
  auto f = store::open_sqlite(dir.file("junk.db"));
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().code, ErrorCode::kStorage);
}

TEST(SqliteStore, ReportsCorruptColumnsInsteadOfTrustingThem) {
  testing::TempDir dir;
  auto f = store::open_sqlite(dir.file("p.db"));
  ASSERT_TRUE(f);
  exec(dir.file("p.db"),
       "INSERT INTO programs (id, currency, minor_digits, time_zone) VALUES ('default', 'TWD', 0, "
       "'Asia/Taipei');"
       "INSERT INTO members (program_id, id, birthday, email, phone, created_at, updated_at) "
       "VALUES ('default', 'm1', NULL, '', '', 0, 0);"
       "INSERT INTO lots VALUES (1, 'default', 'm1', 'credit', 'signup', 10, 10, 0, 0, "
       "'available', 0,"
       " 0, NULL, '{not json', '', '[]', '');");
  auto s = (*f)->open();
  ASSERT_TRUE(s);
  auto state = (*s)->load_wallet("default", "m1", "credit", {});
  ASSERT_FALSE(state);
  EXPECT_EQ(state.error().code, ErrorCode::kCorruption);
}

TEST(SqliteStore, TransfersAreAppendOnly) {
  testing::TempDir dir;
  ASSERT_TRUE(store::open_sqlite(dir.file("p.db")));
  exec(dir.file("p.db"),
       "INSERT INTO transfers VALUES (1, 1, 'default', 'm1', 'credit', 'grant', 'issued:x',"
       " 'member:available', 5, 1, 0)");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(dir.file("p.db").c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "UPDATE transfers SET amount = 6", nullptr, nullptr, nullptr),
            SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM transfers", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db,
                         "INSERT INTO transfers VALUES (2, 1, 'default', 'm1', 'credit', 'x', 'a',"
                         " 'b', 0, 1, 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << "zero amounts are refused by the schema";
  sqlite3_close(db);
}

TEST(SqliteStore, UpgradesAVersion3DatabaseItsProgramsGetEmptyRules) {
  ASSERT_GE(store::migrations().size(), 4u);
  testing::TempDir dir;
  const std::string path = dir.file("v3.db");
  exec(path, "CREATE TABLE schema_version (version INTEGER NOT NULL)");
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(store::migrations()[i].first, static_cast<int>(i + 1));
    exec(path, std::string(store::migrations()[i].second).c_str());
    exec(path,
         ("INSERT INTO schema_version (version) VALUES (" + std::to_string(i + 1) + ")").c_str());
  }
  exec(path,
       "INSERT INTO programs (id, currency, minor_digits, time_zone, version) "
       "VALUES ('default', 'TWD', 0, 'Asia/Taipei', 2);"
       "INSERT INTO members VALUES ('default', 'm1', '1990-02-28', 'a@b.tw', '0912', 5, 6);");

  auto f = store::open_sqlite(path);
  ASSERT_TRUE(f) << f.error().message;
  EXPECT_EQ(query_int(path, "SELECT MAX(version) FROM schema_version"),
            store::sqlite_schema_version());
  auto s = (*f)->open();
  ASSERT_TRUE(s);
  auto programs = (*s)->programs();
  ASSERT_TRUE(programs) << programs.error().message;
  ASSERT_EQ(programs->size(), 1u);
  EXPECT_EQ((*programs)[0].version, 2) << "version-3 rows survive";
  EXPECT_EQ((*programs)[0].rules, rules::Rules{}) << "'{}' decodes to no rules";
  EXPECT_FALSE((*programs)[0].rules.tiers.enabled());

  // Members of a version-3 file are at the base level, with no tier period.
  auto m1 = (*s)->find_member("default", "m1");
  ASSERT_TRUE(m1) << m1.error().message;
  ASSERT_TRUE(m1->has_value());
  EXPECT_EQ((**m1).email, "a@b.tw") << "version-3 members survive";
  EXPECT_EQ((**m1).created_at, from_unix_seconds(5));
  EXPECT_EQ((**m1).tier, rules::TierState{});
  EXPECT_EQ(query_int(path,
                      "SELECT COUNT(*) FROM members WHERE tier = '' AND tier_since IS NULL AND "
                      "tier_until IS NULL AND tier_previous = '' AND tier_upgraded_by = ''"),
            1);
  EXPECT_EQ(query_int(path,
                      "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND "
                      "name = 'members_tier_due'"),
            1);
  auto due = (*s)->members_tier_due("default", from_unix_seconds(4'000'000'000));
  ASSERT_TRUE(due) << due.error().message;
  EXPECT_TRUE(due->empty()) << "no period: never due";
  // The upgraded member takes a tier like any other.
  app::Member tiered = **m1;
  tiered.tier = {"gold", from_unix_seconds(10), from_unix_seconds(20), "", "o-1"};
  app::CommandWrite mw;
  mw.program_id = "default";
  mw.member_id = "m1";
  mw.member = tiered;
  ASSERT_TRUE((*s)->begin());
  auto member_applied = (*s)->apply(mw);
  ASSERT_TRUE(member_applied) << member_applied.error().message;
  ASSERT_TRUE((*s)->commit());
  EXPECT_EQ(**(*s)->find_member("default", "m1"), tiered);
  EXPECT_EQ(query_int(path, "SELECT tier_until FROM members WHERE id = 'm1'"), 20);
  EXPECT_EQ(*(*s)->members_tier_due("default", from_unix_seconds(20)),
            std::vector<std::string>{"m1"});

  // Orders can be written to the upgraded file; analytics columns are real columns.
  app::OrderRecord o;
  o.program_id = "default";
  o.order.id = "o-1";
  o.order.member_id = "m1";
  o.order.placed_at = from_unix_seconds(1'790'000'000);
  o.order.lines = {{"L1", "SKU", "shoes", "", 2, 1500, 200, 0, false, 0}};
  o.paid_at = from_unix_seconds(1'790'000'100);
  app::CommandWrite w;
  w.program_id = "default";
  w.order = o;
  ASSERT_TRUE((*s)->begin());
  auto applied = (*s)->apply(w);
  ASSERT_TRUE(applied) << applied.error().message;
  ASSERT_TRUE((*s)->commit());
  EXPECT_EQ(**(*s)->find_order("default", "o-1"), o);
  EXPECT_EQ(query_int(path, "SELECT subtotal FROM orders WHERE id = 'o-1'"), 2800);
  EXPECT_EQ(query_int(path, "SELECT paid_at FROM orders WHERE id = 'o-1'"), 1'790'000'100);
  EXPECT_EQ(query_int(path, "SELECT COUNT(*) FROM orders WHERE fulfilled_at IS NULL"), 1);
  EXPECT_EQ(query_int(path, "SELECT paid_value FROM orders WHERE id = 'o-1'"),
            rules::paid_value(o.order, 0));
  EXPECT_EQ(query_int(path, "SELECT paid_value FROM orders WHERE id = 'o-1'"), 2800);
}

TEST(SqliteStore, ReportsCorruptRulesAndOrderRows) {
  testing::TempDir dir;
  const std::string path = dir.file("p.db");
  auto f = store::open_sqlite(path);
  ASSERT_TRUE(f);
  exec(path,
       "INSERT INTO programs (id, currency, minor_digits, time_zone, rules) VALUES ('default', "
       "'TWD', 0, 'Asia/Taipei', '{\"earn_on\":\"weekly\"}');"
       "INSERT INTO orders VALUES ('default', 'bad-json', 'm1', 0, NULL, NULL, NULL, NULL, NULL, "
       "0, 0, 0, '{not json', 0, 0);"
       "INSERT INTO orders VALUES ('default', 'bad-subtotal', 'm2', 0, NULL, NULL, NULL, NULL, "
       "NULL, 0, 999, 5, '{\"lines\":[{\"line_id\":\"L1\",\"quantity\":1,\"unit_price\":5}]}', 0, "
       "0);");
  auto s = (*f)->open();
  ASSERT_TRUE(s);
  auto programs = (*s)->programs();
  ASSERT_FALSE(programs);
  EXPECT_EQ(programs.error().code, ErrorCode::kCorruption);
  for (const char* id : {"bad-json", "bad-subtotal"}) {
    auto found = (*s)->find_order("default", id);
    ASSERT_FALSE(found) << id;
    EXPECT_EQ(found.error().code, ErrorCode::kCorruption) << id;
  }
  auto page = (*s)->orders_page("default", {});
  ASSERT_FALSE(page);
  EXPECT_EQ(page.error().code, ErrorCode::kCorruption);
  auto of_member = (*s)->member_orders("default", "m2");
  ASSERT_FALSE(of_member);
  EXPECT_EQ(of_member.error().code, ErrorCode::kCorruption);
}

TEST(StoreCodec, RulesDecodeDefaultsForMissingKeysAndRefuseWrongOnes) {
  auto empty = store::decode_rules("{}");
  ASSERT_TRUE(empty) << empty.error().message;
  EXPECT_EQ(*empty, rules::Rules{});
  auto partial = store::decode_rules(
      R"({"earn_on":"fulfilled","earn":[{"id":"r","rate":{"kind":"steps","every":100,"get":1}}]})");
  ASSERT_TRUE(partial) << partial.error().message;
  EXPECT_EQ(partial->earn_on, rules::EarnTrigger::kFulfilled);
  EXPECT_EQ(partial->return_window_days, rules::Rules{}.return_window_days);
  ASSERT_EQ(partial->earn.size(), 1u);
  EXPECT_EQ(partial->earn[0].rate, (rules::Rate{rules::Rate::Kind::kSteps, 0, 100, 1}));
  EXPECT_EQ(partial->earn[0].source, "purchase") << "missing keys keep the struct default";
  EXPECT_TRUE(partial->earn[0].member_days);
  EXPECT_EQ(partial->tiers, rules::Tiers{}) << "no tiers key: no tiers";

  auto tiers =
      store::decode_rules(R"({"tiers":{"window":"calendar_year","downgrade":"to_qualifying",)"
                          R"("levels":[{"id":"base"},{"id":"gold","name":"金卡","entry":5000}]}})");
  ASSERT_TRUE(tiers) << tiers.error().message;
  rules::Tiers expected;
  expected.window = rules::Tiers::Window::kCalendarYear;
  expected.downgrade = rules::Tiers::Downgrade::kToQualifying;
  expected.levels = {{"base", "", 0, 0, "", 12}, {"gold", "金卡", 5000, 0, "", 12}};
  EXPECT_EQ(tiers->tiers, expected) << "missing tier keys keep the struct defaults";
  EXPECT_EQ(tiers->earn_on, rules::EarnTrigger::kPaid);

  for (const char* bad : {
           "",
           "{not json",
           "[]",
           R"({"earn_on":"weekly"})",
           R"({"earn_on":1})",
           R"({"return_window_days":"7"})",
           R"({"return_window_days":1.5})",
           R"({"earn":{}})",
           R"({"earn":[1]})",
           R"({"earn":[{"rate":{"kind":"flat"}}]})",
           R"({"earn":[{"rate":[]}]})",
           R"({"earn":[{"tier_rates":[{"tier":"gold","rate":{"bp":"5"}}]}]})",
           R"({"earn":[{"multipliers":[{"factor_bp":true}]}]})",
           R"({"earn":[{"base":{"include_shipping":"yes"}}]})",
           R"({"earn":[{"base":{"exclude_skus":[1]}}]})",
           R"({"earn":[{"member_days":1}]})",
           R"({"member_days":[{"day_of_month":4294967296}]})",
           R"({"member_days":[{"tiers":"gold"}]})",
           R"({"tiers":[]})",
           R"({"tiers":"gold"})",
           R"({"tiers":{"basis":"points"}})",
           R"({"tiers":{"basis":1}})",
           R"({"tiers":{"count_on":"shipped"}})",
           R"({"tiers":{"window":"weekly"}})",
           R"({"tiers":{"window":null}})",
           R"({"tiers":{"downgrade":"to_base"}})",
           R"({"tiers":{"window_months":"12"}})",
           R"({"tiers":{"period_months":1.5}})",
           R"({"tiers":{"warn_days":true}})",
           R"({"tiers":{"levels":{}}})",
           R"({"tiers":{"levels":[1]}})",
           R"({"tiers":{"levels":[{"id":5}]}})",
           R"({"tiers":{"levels":[{"name":["金卡"]}]}})",
           R"({"tiers":{"levels":[{"entry":"1000"}]}})",
           R"({"tiers":{"levels":[{"retain":null}]}})",
       }) {
    auto r = store::decode_rules(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruption) << bad;
  }
}

TEST(StoreCodec, OrderBodiesRoundTripAndRefuseWrongOnes) {
  app::OrderRecord o;
  o.order.channel = "app";
  o.order.shipping = 60;
  o.order.lines = {{"L1", "S", "c", "b", 3, 100, 10, 20, true, 1}};
  o.refund_ids = {"r1", "r2"};
  o.refunded_amount = 40;
  o.earned = {{"x", 5}, {"y", 0}};
  o.earned_units = {{"L1", 2}};
  auto back = store::decode_order_body(store::encode_order_body(o));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, o);

  for (const char* bad : {
           "{not json",
           "[]",
           R"({"lines":{}})",
           R"({"lines":[{"quantity":"1"}]})",
           R"({"lines":[{"reward":0}]})",
           R"({"refund_ids":["r1",2]})",
           R"({"refunded_amount":null})",
           R"({"earned":[{"value":5}]})",
           R"({"earned":[{"rule_id":"x"}]})",
           R"({"earned":[["x",5]]})",
           R"({"lines":[["L1","S","c","b",3,100,10,20,true]]})",
           R"({"lines":[["L1","S","c","b","3",100,10,20,true,0]]})",
           R"({"lines":[["L1","S","c",null,3,100,10,20,true,0]]})",
           R"({"lines":[["L1","S","c","b",3,100,10,20,1,0]]})",
           R"({"lines":[],"earned_units":[["L1"]]})",
           R"({"lines":[],"earned_units":{}})",
       }) {
    auto r = store::decode_order_body(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruption) << bad;
  }
}

// The hand-written JSON (orders, line shares) escapes what JSON requires and
// passes UTF-8 through; line shares written before session 3 (objects) still
// decode.
TEST(StoreCodec, HandWrittenJsonEscapesAndOldLineSharesDecode) {
  std::string awkward = "a\"b\\c\n\t\x01 購物金 \xe2\x82\xac";
  app::OrderRecord o;
  o.order.channel = awkward;
  o.order.lines = {{awkward, awkward, "", "", 1, 0, 0, 0, false, 0}};
  o.refund_ids = {awkward};
  o.earned = {{awkward, 7}};
  auto back = store::decode_order_body(store::encode_order_body(o));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, o);
  std::vector<ledger::LineShare> shares = {{awkward, 5, 1}, {"2", 0, 0}};
  auto text = store::encode_line_shares(shares);
  EXPECT_NO_THROW(boost::json::parse(text));
  auto decoded = store::decode_line_shares(text);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, shares);
  auto old = store::decode_line_shares(R"([{"line_id":"L1","amount":70,"clawed":10}])");
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_EQ(*old, (std::vector<ledger::LineShare>{{"L1", 70, 10}}));
  for (const char* bad :
       {R"([["L1",70]])", R"([["L1","70",0]])", R"([7])", R"([{"line_id":"L1"}])"}) {
    auto r = store::decode_line_shares(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kCorruption) << bad;
  }
}

}  // namespace
}  // namespace patron
