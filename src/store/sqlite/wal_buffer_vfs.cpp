#include "store/sqlite/wal_buffer_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace patron::store {
namespace {

// A commit of 64 orders writes ~2.4 MB of frames; longer runs go out early.
constexpr int kBufferBytes = 4 << 20;
// The default VFS writes at most 128 KiB - 1 bytes per call (it masks the
// length): the gathered run goes out in pieces of 64 KiB.
constexpr int kWriteBytes = 64 << 10;
// SQLite's WAL write lock: the first shared-memory lock slot.
constexpr int kWalWriteLock = 0;

sqlite3_vfs* g_base = nullptr;  // the default VFS, set once by wal_buffer_vfs()

// A WAL file: the default VFS's file (`real`, stored right after this
// struct), and writes not yet handed to it: `length` bytes at `offset`.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* buffer;
  sqlite3_int64 offset;
  int length;
  bool buffered;  // false: every write goes straight through
  std::string* path;
};

// A database file: the default VFS's file, and the path of its WAL.
struct DbFile {
  sqlite3_file base;
  sqlite3_file* real;
  std::string* wal_path;
};

constexpr std::size_t kWalRealAt = (sizeof(WalFile) + 15) / 16 * 16;
constexpr std::size_t kDbRealAt = (sizeof(DbFile) + 15) / 16 * 16;

// The open WAL files of this process by path: when a connection releases
// the write lock, what its WAL file still holds is dropped (db_shm_lock).
std::mutex g_registry_mutex;
std::unordered_map<std::string, std::vector<WalFile*>>& registry() {
  static auto* r = new std::unordered_map<std::string, std::vector<WalFile*>>();
  return *r;
}

WalFile* wal(sqlite3_file* f) {
  return reinterpret_cast<WalFile*>(f);
}
DbFile* dbf(sqlite3_file* f) {
  return reinterpret_cast<DbFile*>(f);
}
const sqlite3_io_methods& real_methods(sqlite3_file* real) {
  return *real->pMethods;
}

// Hands the gathered run to the file. On failure the run is kept: the
// transaction fails (its sync flushes again), and nothing it wrote is lost
// while it might still commit.
int flush(WalFile* w) {
  if (w->length == 0) return SQLITE_OK;  // no write: readers' files are left alone
  int at = 0;
  while (at < w->length) {
    int n = std::min(kWriteBytes, w->length - at);
    int rc = real_methods(w->real).xWrite(w->real, w->buffer + at, n, w->offset + at);
    if (rc != SQLITE_OK) {
      std::memmove(w->buffer, w->buffer + at, static_cast<std::size_t>(w->length - at));
      w->offset += at;
      w->length -= at;
      return rc;
    }
    at += n;
  }
  w->length = 0;
  return SQLITE_OK;
}

// --- WAL file ----------------------------------------------------------------

int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  int flushed = flush(w);
  {
    std::lock_guard lock(g_registry_mutex);
    auto it = registry().find(*w->path);
    if (it != registry().end()) {
      std::erase(it->second, w);
      if (it->second.empty()) registry().erase(it);
    }
  }
  int rc = real_methods(w->real).xClose(w->real);
  sqlite3_free(w->buffer);
  delete w->path;
  w->buffer = nullptr;
  w->path = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int wal_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w->real).xRead(w->real, out, amount, offset);
}

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  if (!w->buffered) return real_methods(w->real).xWrite(w->real, data, amount, offset);
  // The next bytes of the run being gathered.
  if (w->length > 0 && offset == w->offset + w->length && w->length <= kBufferBytes - amount) {
    std::memcpy(w->buffer + w->length, data, static_cast<std::size_t>(amount));
    w->length += amount;
    return SQLITE_OK;
  }
  // Anywhere else: what is gathered goes first, so writes keep their order.
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  if (amount > kWriteBytes) return real_methods(w->real).xWrite(w->real, data, amount, offset);
  if (!w->buffer) {
    w->buffer = static_cast<char*>(sqlite3_malloc(kBufferBytes));
    if (!w->buffer) return real_methods(w->real).xWrite(w->real, data, amount, offset);
  }
  std::memcpy(w->buffer, data, static_cast<std::size_t>(amount));
  w->offset = offset;
  w->length = amount;
  return SQLITE_OK;
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w->real).xTruncate(w->real, size);
}

int wal_sync(sqlite3_file* f, int flags) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w->real).xSync(w->real, flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w->real).xFileSize(w->real, size);
}

int wal_lock(sqlite3_file* f, int level) {
  return real_methods(wal(f)->real).xLock(wal(f)->real, level);
}

int wal_unlock(sqlite3_file* f, int level) {
  return real_methods(wal(f)->real).xUnlock(wal(f)->real, level);
}

int wal_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(wal(f)->real).xCheckReservedLock(wal(f)->real, out);
}

int wal_file_control(sqlite3_file* f, int op, void* arg) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w->real).xFileControl(w->real, op, arg);
}

int wal_sector_size(sqlite3_file* f) {
  return real_methods(wal(f)->real).xSectorSize(wal(f)->real);
}

int wal_device_characteristics(sqlite3_file* f) {
  return real_methods(wal(f)->real).xDeviceCharacteristics(wal(f)->real);
}

// Version 1: SQLite maps shared memory and pages through the database file,
// never through the WAL.
const sqlite3_io_methods kWalMethods = {
    .iVersion = 1,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved_lock,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device_characteristics,
    .xShmMap = nullptr,
    .xShmLock = nullptr,
    .xShmBarrier = nullptr,
    .xShmUnmap = nullptr,
    .xFetch = nullptr,
    .xUnfetch = nullptr,
};

// --- database file: everything forwarded; xShmLock empties the WAL buffer
// before the write lock goes -----------------------------------------------------

sqlite3_file* real_of(sqlite3_file* f) {
  return dbf(f)->real;
}

int db_close(sqlite3_file* f) {
  DbFile* d = dbf(f);
  int rc = real_methods(d->real).xClose(d->real);
  delete d->wal_path;
  d->wal_path = nullptr;
  return rc;
}
int db_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return real_methods(real_of(f)).xRead(real_of(f), out, amount, offset);
}
int db_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  return real_methods(real_of(f)).xWrite(real_of(f), data, amount, offset);
}
int db_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_methods(real_of(f)).xTruncate(real_of(f), size);
}
int db_sync(sqlite3_file* f, int flags) {
  return real_methods(real_of(f)).xSync(real_of(f), flags);
}
int db_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_methods(real_of(f)).xFileSize(real_of(f), size);
}
int db_lock(sqlite3_file* f, int level) {
  return real_methods(real_of(f)).xLock(real_of(f), level);
}
int db_unlock(sqlite3_file* f, int level) {
  return real_methods(real_of(f)).xUnlock(real_of(f), level);
}
int db_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(real_of(f)).xCheckReservedLock(real_of(f), out);
}
int db_file_control(sqlite3_file* f, int op, void* arg) {
  return real_methods(real_of(f)).xFileControl(real_of(f), op, arg);
}
int db_sector_size(sqlite3_file* f) {
  return real_methods(real_of(f)).xSectorSize(real_of(f));
}
int db_device_characteristics(sqlite3_file* f) {
  return real_methods(real_of(f)).xDeviceCharacteristics(real_of(f));
}
int db_shm_map(sqlite3_file* f, int region, int size, int extend, void volatile** out) {
  return real_methods(real_of(f)).xShmMap(real_of(f), region, size, extend, out);
}
int db_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  const bool releases_write_lock = (flags & SQLITE_SHM_UNLOCK) && (flags & SQLITE_SHM_EXCLUSIVE) &&
                                   offset <= kWalWriteLock && kWalWriteLock < offset + n;
  if (releases_write_lock) {
    // Only the connection that held the lock can have buffered frames, and
    // none of them belongs to a commit: SQLite synced (so flushed) every
    // committed frame before publishing it. What is left is a rolled-back
    // transaction's spill, or the rest of a commit whose flush failed (it
    // was reported failed and must not come back in a recovery): dropped.
    // Without POWERSAFE_OVERWRITE SQLite writes a commit's padding after its
    // sync: then the buffer is written out instead, while the lock is held.
    const bool psow = (real_methods(real_of(f)).xDeviceCharacteristics(real_of(f)) &
                       SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
    std::lock_guard lock(g_registry_mutex);
    auto it = registry().find(*dbf(f)->wal_path);
    if (it != registry().end()) {
      for (WalFile* w : it->second) {
        if (w->length == 0) continue;
        if (psow || flush(w) != SQLITE_OK) w->length = 0;
      }
    }
  }
  return real_methods(real_of(f)).xShmLock(real_of(f), offset, n, flags);
}
void db_shm_barrier(sqlite3_file* f) {
  real_methods(real_of(f)).xShmBarrier(real_of(f));
}
int db_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_methods(real_of(f)).xShmUnmap(real_of(f), delete_flag);
}
int db_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
  return real_methods(real_of(f)).xFetch(real_of(f), offset, amount, out);
}
int db_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
  return real_methods(real_of(f)).xUnfetch(real_of(f), offset, page);
}

const sqlite3_io_methods kDbMethods = {
    .iVersion = 3,
    .xClose = db_close,
    .xRead = db_read,
    .xWrite = db_write,
    .xTruncate = db_truncate,
    .xSync = db_sync,
    .xFileSize = db_file_size,
    .xLock = db_lock,
    .xUnlock = db_unlock,
    .xCheckReservedLock = db_check_reserved_lock,
    .xFileControl = db_file_control,
    .xSectorSize = db_sector_size,
    .xDeviceCharacteristics = db_device_characteristics,
    .xShmMap = db_shm_map,
    .xShmLock = db_shm_lock,
    .xShmBarrier = db_shm_barrier,
    .xShmUnmap = db_shm_unmap,
    .xFetch = db_fetch,
    .xUnfetch = db_unfetch,
};

// Opens `real` with the default VFS; on failure closes what it may have
// left open (SQLite closes a file whose methods are set, even after a
// failed open: ours stay unset).
int open_real(const char* name, sqlite3_file* f, sqlite3_file* real, int flags, int* out_flags) {
  int rc = g_base->xOpen(g_base, name, real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (real->pMethods) real->pMethods->xClose(real);
    f->pMethods = nullptr;
  }
  return rc;
}

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  if (flags & SQLITE_OPEN_WAL) {
    WalFile* w = wal(f);
    std::memset(w, 0, sizeof(WalFile));
    w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kWalRealAt);
    if (int rc = open_real(name, f, w->real, flags, out_flags); rc != SQLITE_OK) return rc;
    // Without POWERSAFE_OVERWRITE SQLite pads a commit and writes part of
    // it after the sync: written through.
    w->buffered = (real_methods(w->real).xDeviceCharacteristics(w->real) &
                   SQLITE_IOCAP_POWERSAFE_OVERWRITE) != 0;
    w->path = new std::string(name ? name : "");
    {
      std::lock_guard lock(g_registry_mutex);
      registry()[*w->path].push_back(w);
    }
    w->base.pMethods = &kWalMethods;
    return SQLITE_OK;
  }
  if ((flags & SQLITE_OPEN_MAIN_DB) && name) {
    DbFile* d = dbf(f);
    std::memset(d, 0, sizeof(DbFile));
    d->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kDbRealAt);
    if (int rc = open_real(name, f, d->real, flags, out_flags); rc != SQLITE_OK) return rc;
    d->wal_path = new std::string(std::string(name) + "-wal");
    d->base.pMethods = &kDbMethods;
    return SQLITE_OK;
  }
  return g_base->xOpen(g_base, name, f, flags, out_flags);
}

sqlite3_vfs g_vfs;

}  // namespace

const char* wal_buffer_vfs() {
  static std::once_flag once;
  static bool registered = false;
  std::call_once(once, [] {
    g_base = sqlite3_vfs_find(nullptr);
    if (!g_base) return;
    // Everything but opening files is the default VFS's, with its own
    // pAppData: it never learns there is a second VFS.
    g_vfs = *g_base;
    g_vfs.pNext = nullptr;
    g_vfs.zName = "patron-wal-buffer";
    g_vfs.szOsFile = static_cast<int>(std::max(kWalRealAt, kDbRealAt)) + g_base->szOsFile;
    g_vfs.xOpen = open_file;
    registered = sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
  });
  return registered ? g_vfs.zName : nullptr;
}

}  // namespace patron::store
