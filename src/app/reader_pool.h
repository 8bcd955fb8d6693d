// Threads that each own a read connection to the store. Adapters (the HTTP
// server) hand reads to the pool so their I/O threads never wait on the
// database; each task gets the connection of the thread that runs it.
//
// Thread safety: post() may be called from any thread. The queue is bounded:
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
  ~ReaderPool();  // runs what is queued, then stops
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  bool post(Task task);
  std::size_t queued() const;

 private:
  ReaderPool(std::vector<std::unique_ptr<Store>> stores, std::size_t queue_max);
  void loop(Store& store);

  std::vector<std::unique_ptr<Store>> stores_;
  std::size_t queue_max_;
  mutable std::mutex mutex_;  // guards queue_, stopping_
  std::condition_variable wake_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace patron::app
