// A SQLite VFS that gathers the writes to a WAL file into one buffer and
// hands them to the kernel in 64 KiB pieces when SQLite syncs, reads,
// truncates or closes the file. SQLite writes each WAL frame as two pwrites (a 24-byte
// header, then the page): under group commit that was ~570 system calls per
// commit of 32 orders, a fifth of the writer thread on a virtual machine.
//
// Only for connections with synchronous=FULL: SQLite then syncs the WAL
// before it publishes a commit in the wal-index, so nothing another
// connection can read is still in the buffer. (With NORMAL it publishes
// without a sync, and a reader would find frames that are not in the file.)
// Every other file (the database, the shared-memory index, temp files) is
// the default VFS's own, untouched.
#pragma once

namespace patron::store {

// Registers the VFS (once, thread-safe) and returns its name for
// sqlite3_open_v2, or nullptr when SQLite has no default VFS.
const char* wal_buffer_vfs();

}  // namespace patron::store
