// A SQLite VFS that gathers the writes to a WAL file into one buffer and
// hands them to the kernel in 64 KiB pieces, instead of SQLite's two pwrites
// per frame (~570 system calls per commit of 32 orders under group commit).
//
// Nothing buffered may outlive the connection's WAL write lock, or another
// writer (a CLI import beside `serve`) could commit frames at the same
// offsets and a late flush would overwrite them. So the buffer is written:
//  - when SQLite syncs, reads, truncates, sizes, controls or closes the WAL;
//  - and when the connection releases the write lock (the database file's
//    xShmLock is wrapped), whatever is still buffered is dropped: it is a
//    rolled-back transaction's spill, or the rest of a commit whose write
//    failed; never part of a commit (SQLite syncs, so flushes, those first).
// Not for exclusive locking mode (SQLite then takes no shared-memory locks):
// patron never sets it.
// Only for connections with synchronous=FULL: SQLite then syncs the WAL
// before it publishes a commit in the wal-index, so no reader needs a frame
// still in the buffer. A WAL file without POWERSAFE_OVERWRITE (SQLite then
// pads a commit after its sync) is written through unbuffered, and a
// database file without it has its WAL buffer written out, not dropped, at
// the lock release.
#pragma once

namespace patron::store {

// Registers the VFS (once, thread-safe) and returns its name for
// sqlite3_open_v2, or nullptr when SQLite has no default VFS.
const char* wal_buffer_vfs();

}  // namespace patron::store
