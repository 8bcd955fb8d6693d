// The single writer: every command that changes the ledger goes through one
// thread that owns the write connection and the id counters. Commands are
// batched into one transaction (group commit): the writer takes whatever is
// queued, up to batch_max, optionally waits up to wait_us for more, runs each,
// and commits once; every caller gets its result only after the commit is
// durable. A command that fails leaves no writes (its CommandWrite is never
// applied). If the store fails mid-batch, the batch is rolled back and each
// command is retried alone, so one bad command cannot sink its neighbours.
//
// Thread safety: submit() may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include "app/clock.h"
#include "app/commands.h"
#include "app/programs.h"
#include "app/store.h"
#include "core/limits.h"

namespace patron::app {

struct WriterOptions {
  std::size_t batch_max = limits::kCommitBatchMax;  // 1 = one commit per command
  int64_t wait_us = 0;  // extra wait for a batch to fill; 0 = take what is queued
};

struct Response {
  std::string json;
  bool replayed = false;
};

struct WriterStats {
  uint64_t commands = 0;
  uint64_t batches = 0;
  uint64_t largest_batch = 0;
};

class Writer {
 public:
  // Opens the write connection, creates the default program in a new
  // database, and starts the writer thread.
  static Result<std::unique_ptr<Writer>> start(StoreFactory& factory, const Clock& clock,
                                               WriterOptions options = {});
  ~Writer();  // drains the queue, then stops
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  std::future<Result<Response>> submit(Command command);
  // Calls `done` on the writer thread once the command's batch is durable (or
  // failed). `done` must be quick and must not throw: adapters post the result
  // back to their own thread (the HTTP server resumes the request's coroutine).
  using Done = std::function<void(Result<Response>)>;
  void submit(Command command, Done done);
  Result<Response> execute(Command command) { return submit(std::move(command)).get(); }

  // Bulk work (jobs over many rows) that runs on the writer thread between
  // batches, with the write connection. It opens and commits its own
  // transactions through the Session, which keeps id counters in step.
  class Session {
   public:
    Store& store() { return store_; }
    ledger::IdSource& ids();
    const Programs& programs() const { return writer_.programs(); }
    Result<void> begin();  // BEGIN, then continue ids from what is committed
    Result<void> commit();
    void rollback() { store_.rollback(); }

   private:
    friend class Writer;
    Session(Store& store, Writer& writer) : store_(store), writer_(writer) {}
    Store& store_;
    Writer& writer_;
  };
  using ExclusiveWork = std::function<Result<std::string>(Session&)>;
  std::future<Result<Response>> submit_exclusive(ExclusiveWork work);

  WriterStats stats() const;
  // The programs as of the last batch. A program applied by this writer or
  // by another process is picked up at the start of the next batch. Every
  // published snapshot stays alive as long as the writer (applies are rare),
  // so a reference taken here stays valid.
  const Programs& programs() const { return *programs_.load(std::memory_order_acquire); }

 private:
  struct Pending {
    Command command;
    std::promise<Result<Response>> promise;
    ExclusiveWork exclusive;  // set: bulk work instead of a command
    Done done;                // set: answer through it instead of the promise
    void answer(Result<Response> result);
  };
  class Counters;

  Writer(std::unique_ptr<Store> store, Programs programs, const Clock& clock, WriterOptions options,
         IdHighWater high_water);
  std::future<Result<Response>> enqueue(Pending pending);
  void loop();
  void run_batch(std::vector<Pending>& batch);
  // Runs commands in the open transaction; fills results. Store errors abort.
  Result<void> run_in_transaction(std::vector<Pending*>& items,
                                  std::vector<Result<Response>>& results);

  // Reloads programs when the store's fingerprint changed; writer thread only.
  Result<void> refresh_programs();
  void publish(std::unique_ptr<const Programs> programs, std::string fingerprint);

  std::unique_ptr<Store> store_;
  std::vector<std::unique_ptr<const Programs>> snapshots_;  // writer thread only
  std::atomic<const Programs*> programs_{nullptr};
  std::string fingerprint_;  // writer thread only
  const Clock& clock_;
  WriterOptions options_;
  std::unique_ptr<Counters> counters_;

  mutable std::mutex mutex_;  // guards queue_, stopping_, stats_
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  WriterStats stats_;
  std::thread thread_;
};

}  // namespace patron::app
