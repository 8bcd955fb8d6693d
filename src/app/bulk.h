// Running many commands in few transactions (imports): each transaction is
// one exclusive turn on the writer, so a server sharing the writer stays
// responsive between chunks. Commands carry their own `now` (a simulated
// clock: an import replays history at the times it happened).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <span>
#include <vector>

#include "app/commands.h"
#include "app/writer.h"

namespace patron::app {

struct BulkOptions {
  // All or nothing: one transaction; the first failing command rolls back
  // everything and is reported.
  bool strict = false;
  std::size_t per_transaction = 5'000;
  // Called after each committed chunk with (commands done, total).
  std::function<void(std::size_t, std::size_t)> progress;
  // Outbox events of the commands (docs/webhooks.md). Off for imports of
  // history and simulations: old rebates and signups are not news.
  bool events = false;
  // BulkFeed: how long its open transaction may wait for commands in all
  // (a slow or stalled producer) before it gives up.
  std::chrono::milliseconds feed_wait_max{2000};
};

struct BulkFailure {
  std::size_t index = 0;  // into the command list
  Error error;
};

struct BulkReport {
  std::size_t applied = 0;
  std::vector<BulkFailure> failures;  // non-strict: skipped commands; strict: the one that failed
  bool rolled_back = false;
};

// Commands that fail (bad input, a conflict) change nothing and are listed;
// a storage failure stops the run with an error (committed chunks stay).
Result<BulkReport> run_bulk(Writer& writer, const std::vector<Command>& commands,
                            const BulkOptions& options);
// The same over commands held elsewhere, unchanged (a simulation's two
// replays share one history): no copies of the bodies.
Result<BulkReport> run_bulk(Writer& writer, std::span<const Command* const> commands,
                            const BulkOptions& options);

// Commands applied while they are still being produced (an import applies a
// file's ops as it reads them): one transaction on the writer thread takes
// commands as they are pushed, and commits them only when the producer says
// they were right (finish(true)); finish(false) rolls them all back. The
// feed gives up (rolls back at once, and push returns false) past
// `per_transaction` commands, after waiting `feed_wait_max` in all for
// commands, or on a storage failure: the write lock is held for no more than
// the sorted path's chunk would hold it plus that wait. The producer then
// runs everything the usual way. While the feed runs it holds the writer's
// exclusive turn: nothing else may be submitted to the writer, and the
// Writer must not be destroyed, from the producer's thread until finish.
class BulkFeed {
 public:
  struct Report {
    bool committed = false;  // false: nothing stays (dropped, or the feed gave up)
    std::size_t applied = 0;
    std::vector<BulkFailure> failures;  // index = position among the pushed commands
  };

  BulkFeed(Writer& writer, const BulkOptions& options);
  ~BulkFeed();  // finish(false) when finish was not called
  BulkFeed(const BulkFeed&) = delete;
  BulkFeed& operator=(const BulkFeed&) = delete;

  // `command` must stay where it is until finish returns. False: the feed
  // gave up; further pushes are ignored.
  bool push(const Command& command);
  // No more pushes. keep: commit every pushed command; else roll back. A
  // storage failure is an error: nothing stays, unless commit_failed() (the
  // COMMIT itself failed: what stays is the store's to say).
  Result<Report> finish(bool keep);
  bool commit_failed() const { return commit_failed_; }

 private:
  Result<std::string> run(Writer::Session& session);

  std::size_t limit_;
  bool events_;
  std::chrono::milliseconds wait_max_;
  std::atomic<bool> abandon_{false};  // gave up, or closed without keep: stop at once
  bool commit_failed_ = false;        // written on the writer thread, read after done_
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<const Command*> queue_;  // pushed, not yet taken by the writer
  std::size_t pushed_ = 0;
  bool gave_up_ = false;  // over the limit, or the writer failed
  bool closed_ = false;
  bool keep_ = false;
  bool finished_ = false;
  Report report_;  // written on the writer thread, read after done_
  std::future<Result<Response>> done_;
};

}  // namespace patron::app
