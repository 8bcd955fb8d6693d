// The SQLite store: one file, WAL journal, synchronous=FULL, foreign keys on,
// versioned migrations (migrations/NNNN_*.sql, embedded at build time) applied
// when the factory opens the file. A database whose schema is newer than this
// binary is refused. Each Store object is one connection (one thread).
#pragma once

#include <memory>
#include <string>

#include "app/store.h"

namespace patron::store {

struct SqliteOptions {
  // FULL: with WAL, a commit is durable against power loss, not only against a
  // process crash (NORMAL). Group commit makes the extra fsync affordable.
  bool synchronous_full = true;
  int busy_timeout_ms = 10'000;
  // Reads go through a memory map of up to this many bytes (fewer syscalls).
  int64_t mmap_bytes = int64_t{1} << 30;
  // Page cache per connection, in KiB.
  int64_t cache_kib = 64 * 1024;
  // Long-running processes (patron serve): copy the WAL back into the
  // database on a thread of the factory, every checkpoint_interval_ms, instead
  // of inside whichever commit crosses the 1000-page mark. That work was 20% of
  // the writer thread's time under write load (docs/benchmarks.md). Short
  // CLI runs keep SQLite's automatic checkpoints.
  bool background_checkpoint = false;
  int64_t checkpoint_interval_ms = 100;
  // With background checkpoints, the WAL file only starts over from its
  // beginning when a write transaction begins with every frame copied back,
  // which a writer committing back to back never sees: the file grew without
  // bound (2 GiB in 15 s of order events), and every append to new file
  // pages cost the kernel a page clear. Once a commit leaves at least this
  // many frames in the WAL, the writer finishes the copy itself before a
  // later transaction, which then rewinds the log (Checkpointer in
  // sqlite_store.cpp: when, and what it costs). 0: never (the WAL grows
  // until the process ends).
  int64_t wal_restart_frames = 8192;
  // open_sqlite_memory's databases: the path is a memdb URI, the journal in
  // memory (memdb has no WAL).
  bool in_memory = false;
};

// Opens (creating if needed) and migrates the database at `path`.
Result<std::unique_ptr<app::StoreFactory>> open_sqlite(const std::string& path,
                                                       SqliteOptions options = {});

// A private in-memory database with the same schema (SQLite's memdb VFS),
// shared by the factory's connections and gone with the factory: scratch
// space for replays (patron simulate). Nothing in it is durable. memdb has
// no WAL: a reader's open transaction holds off the writer's commit (and a
// read snapshot cannot outlive one), so use it from one sequence of steps,
// as a replay does, not for concurrent readers and writers.
Result<std::unique_ptr<app::StoreFactory>> open_sqlite_memory();

// The schema version this binary writes.
int sqlite_schema_version();

}  // namespace patron::store
