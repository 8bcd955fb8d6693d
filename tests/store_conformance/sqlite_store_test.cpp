// SQLite-specific behaviour: the file persists, migrations are versioned, a
// newer schema is refused, corrupt columns are reported, transfers are append-only.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/temp_dir.h"

namespace patron {
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
       "INSERT INTO programs VALUES ('default', 'TWD', 0, 'Asia/Taipei');"
       "INSERT INTO members VALUES ('default', 'm1', NULL, '', '', 0, 0);"
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

}  // namespace
}  // namespace patron
