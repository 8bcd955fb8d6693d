#include "store/sqlite/wal_buffer_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <mutex>

namespace patron::store {
namespace {

// A commit of 64 orders writes ~2.4 MB of frames; larger runs go out in
// pieces of this size.
constexpr int kBufferBytes = 4 << 20;

sqlite3_vfs* g_base = nullptr;  // the default VFS, set once by wal_buffer_vfs()

// A WAL file: the default VFS's file (`real`, stored right after this
// struct), and writes not yet handed to it: `length` bytes at `offset`.
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  char* buffer;
  sqlite3_int64 offset;
  int length;
};

constexpr std::size_t kRealAt = (sizeof(WalFile) + 15) / 16 * 16;

WalFile* wal(sqlite3_file* f) {
  return reinterpret_cast<WalFile*>(f);
}
const sqlite3_io_methods& real_methods(WalFile* w) {
  return *w->real->pMethods;
}

// The default VFS writes at most 128 KiB - 1 bytes per call (it masks the
// length): the gathered run goes out in pieces of 64 KiB.
constexpr int kWriteBytes = 64 << 10;

int flush(WalFile* w) {
  int rc = SQLITE_OK;
  for (int at = 0; at < w->length && rc == SQLITE_OK; at += kWriteBytes) {
    rc = real_methods(w).xWrite(w->real, w->buffer + at, std::min(kWriteBytes, w->length - at),
                                w->offset + at);
  }
  w->length = 0;  // on failure too: the transaction fails, nothing is published
  return rc;
}

int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  int flushed = flush(w);
  int rc = real_methods(w).xClose(w->real);
  sqlite3_free(w->buffer);
  w->buffer = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}

int wal_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w).xRead(w->real, out, amount, offset);
}

int wal_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  WalFile* w = wal(f);
  // The next bytes of the run being gathered.
  if (w->length > 0 && offset == w->offset + w->length && w->length <= kBufferBytes - amount) {
    std::memcpy(w->buffer + w->length, data, static_cast<std::size_t>(amount));
    w->length += amount;
    return SQLITE_OK;
  }
  // Anywhere else: what is gathered goes first, so writes keep their order.
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  if (amount > kWriteBytes) return real_methods(w).xWrite(w->real, data, amount, offset);
  if (!w->buffer) {
    w->buffer = static_cast<char*>(sqlite3_malloc(kBufferBytes));
    if (!w->buffer) return real_methods(w).xWrite(w->real, data, amount, offset);
  }
  std::memcpy(w->buffer, data, static_cast<std::size_t>(amount));
  w->offset = offset;
  w->length = amount;
  return SQLITE_OK;
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w).xTruncate(w->real, size);
}

int wal_sync(sqlite3_file* f, int flags) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w).xSync(w->real, flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w).xFileSize(w->real, size);
}

int wal_lock(sqlite3_file* f, int level) {
  return real_methods(wal(f)).xLock(wal(f)->real, level);
}

int wal_unlock(sqlite3_file* f, int level) {
  return real_methods(wal(f)).xUnlock(wal(f)->real, level);
}

int wal_check_reserved_lock(sqlite3_file* f, int* out) {
  return real_methods(wal(f)).xCheckReservedLock(wal(f)->real, out);
}

int wal_file_control(sqlite3_file* f, int op, void* arg) {
  WalFile* w = wal(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return real_methods(w).xFileControl(w->real, op, arg);
}

int wal_sector_size(sqlite3_file* f) {
  return real_methods(wal(f)).xSectorSize(wal(f)->real);
}

int wal_device_characteristics(sqlite3_file* f) {
  return real_methods(wal(f)).xDeviceCharacteristics(wal(f)->real);
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

int open_file(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  if (!(flags & SQLITE_OPEN_WAL)) return g_base->xOpen(g_base, name, f, flags, out_flags);
  WalFile* w = wal(f);
  std::memset(w, 0, sizeof(WalFile));
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealAt);
  int rc = g_base->xOpen(g_base, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    // SQLite closes a file whose methods are set even when the open failed:
    // close the real one here and leave ours unset.
    if (w->real->pMethods) w->real->pMethods->xClose(w->real);
    w->base.pMethods = nullptr;
    return rc;
  }
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
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
    g_vfs.szOsFile = static_cast<int>(kRealAt) + g_base->szOsFile;
    g_vfs.xOpen = open_file;
    registered = sqlite3_vfs_register(&g_vfs, 0) == SQLITE_OK;
  });
  return registered ? g_vfs.zName : nullptr;
}

}  // namespace patron::store
