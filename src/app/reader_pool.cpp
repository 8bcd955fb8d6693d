#include "app/reader_pool.h"

#include <pthread.h>

namespace patron::app {

namespace {
thread_local bool t_reader_thread = false;
}  // namespace

bool ReaderPool::on_reader_thread() {
  return t_reader_thread;
}

Result<std::unique_ptr<ReaderPool>> ReaderPool::start(StoreFactory& factory, std::size_t threads,
                                                      std::size_t queue_max) {
  if (threads == 0 || threads > 64) {
    return fail(ErrorCode::kInvalidArgument, "threads", "must be between 1 and 64");
  }
  std::vector<std::unique_ptr<Store>> stores;
  for (std::size_t i = 0; i < threads; ++i) {
    auto s = factory.open();
    if (!s) return std::unexpected(s.error());
    stores.push_back(std::move(*s));
  }
  return std::unique_ptr<ReaderPool>(new ReaderPool(std::move(stores), queue_max));
}

ReaderPool::ReaderPool(std::vector<std::unique_ptr<Store>> stores, std::size_t queue_max)
    : stores_(std::move(stores)), queue_max_(queue_max) {
  for (auto& store : stores_) idle_.push_back(store.get());
  for (std::size_t i = 0; i < stores_.size(); ++i) {
    threads_.emplace_back([this] {
      pthread_setname_np(pthread_self(), "patron-reader");
      t_reader_thread = true;
      loop();
    });
  }
}

ReaderPool::~ReaderPool() {
  std::unique_lock lock(mutex_);
  stopping_ = true;
  lock.unlock();
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  // A connection lent by try_run_here comes back before the stores go.
  lock.lock();
  wake_.wait(lock, [&] { return idle_.size() == stores_.size(); });
}

bool ReaderPool::post(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= queue_max_) return false;
    queue_.push_back(std::move(task));
  }
  wake_.notify_one();
  return true;
}

bool ReaderPool::try_run_here(Task& task) {
  Store* store = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || !queue_.empty() || idle_.empty()) return false;
    store = idle_.back();
    idle_.pop_back();
  }
  // Given back however the task ends (a throw too).
  struct GiveBack {
    ReaderPool& pool;
    Store* store;
    ~GiveBack() { pool.give_back(store); }
  } give_back{*this, store};
  task(*store);
  return true;
}

void ReaderPool::give_back(Store* store) {
  bool queued = false;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(store);
    queued = !queue_.empty();
    stopping = stopping_;
  }
  // A reader may be waiting for a connection, or the destructor for all of them.
  if (stopping) {
    wake_.notify_all();
  } else if (queued) {
    wake_.notify_one();
  }
}

std::size_t ReaderPool::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void ReaderPool::loop() {
  for (;;) {
    Task task;
    Store* store = nullptr;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] {
        return (!queue_.empty() && !idle_.empty()) || (stopping_ && queue_.empty());
      });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
      store = idle_.back();
      idle_.pop_back();
    }
    task(*store);
    std::lock_guard lock(mutex_);
    idle_.push_back(store);
  }
}

}  // namespace patron::app
