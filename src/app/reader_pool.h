// Reader threads and as many read connections to the store. Adapters (the
// HTTP server) hand reads to the pool so their I/O threads never wait on the
// database; each task gets a connection no other thread is using while it
// runs. try_run_here() lends an idle connection to the caller instead.
//
// Thread safety: post() and try_run_here() may be called from any thread;
// mutex_ guards the queue and the idle connections. The queue is bounded:
// post() returns false when it is full (the caller answers 503).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "app/store.h"

namespace patron::app {

class ReaderPool {
 public:
  using Task = std::move_only_function<void(Store&)>;

  // Opens `threads` connections; fails if any cannot be opened.
  static Result<std::unique_ptr<ReaderPool>> start(StoreFactory& factory, std::size_t threads,
                                                   std::size_t queue_max);
  // Runs what is queued, waits for connections lent by try_run_here, then stops.
  ~ReaderPool();
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  bool post(Task task);
  // Runs `task` on the calling thread, on a connection no reader is using,
  // when nothing is queued: for a caller with no other work, two thread hops
  // cost more than the read. false (task untouched): post() it instead.
  bool try_run_here(Task& task);
  static bool on_reader_thread();  // true on the pool's own threads
  std::size_t queued() const;

 private:
  ReaderPool(std::vector<std::unique_ptr<Store>> stores, std::size_t queue_max);
  void loop();
  void give_back(Store* store);

  std::vector<std::unique_ptr<Store>> stores_;
  std::size_t queue_max_;
  mutable std::mutex mutex_;  // guards queue_, idle_, stopping_
  std::condition_variable wake_;
  std::deque<Task> queue_;
  std::vector<Store*> idle_;  // connections no thread is using
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace patron::app
