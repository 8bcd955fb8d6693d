// ReaderPool: tasks run on a reader thread with a connection of their own;
// try_run_here lends an idle connection to the caller only when nothing is
// queued, and never one a reader is using.
#include "app/reader_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "store/memory/memory_store.h"

namespace patron::app {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<ReaderPool> start_pool(std::size_t threads) {
  static auto factory = store::make_memory_store_factory();
  auto pool = ReaderPool::start(*factory, threads, 64);
  EXPECT_TRUE(pool) << pool.error().message;
  return std::move(*pool);
}

TEST(ReaderPool, RunsHereOnAnIdleConnectionWhenNothingIsQueued) {
  auto pool = start_pool(2);
  std::thread::id ran_on;
  ReaderPool::Task task = [&](Store&) { ran_on = std::this_thread::get_id(); };
  ASSERT_TRUE(pool->try_run_here(task));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(ReaderPool, NeverLendsAConnectionInUse) {
  auto pool = start_pool(1);
  std::promise<void> started;
  std::promise<void> release;
  auto gate = release.get_future().share();
  Store* busy = nullptr;
  ASSERT_TRUE(pool->post([&, gate](Store& store) {
    busy = &store;
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();
  bool ran = false;
  ReaderPool::Task task = [&](Store&) { ran = true; };
  EXPECT_FALSE(pool->try_run_here(task)) << "the only connection is in use";
  EXPECT_FALSE(ran);
  release.set_value();
  // Once the reader is done its connection is idle again and may be lent.
  Store* lent = nullptr;
  ReaderPool::Task again = [&](Store& store) { lent = &store; };
  bool here = false;
  for (int i = 0; i < 500 && !here; ++i) {
    here = pool->try_run_here(again);
    if (!here) std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(here);
  EXPECT_EQ(lent, busy);
}

TEST(ReaderPool, QueuedWorkGoesFirst) {
  auto pool = start_pool(1);
  std::promise<void> started;
  std::promise<void> release;
  auto gate = release.get_future().share();
  ASSERT_TRUE(pool->post([&, gate](Store&) {
    started.set_value();
    gate.wait();
  }));
  started.get_future().wait();
  std::atomic<bool> queued_ran{false};
  ASSERT_TRUE(pool->post([&](Store&) { queued_ran = true; }));
  ReaderPool::Task task = [](Store&) {};
  EXPECT_FALSE(pool->try_run_here(task)) << "a read is queued: the caller posts behind it";
  release.set_value();
  pool.reset();  // drains the queue
  EXPECT_TRUE(queued_ran);
}

// Readers and callers running here at once never share a connection.
TEST(ReaderPool, ConnectionsAreNeverSharedUnderLoad) {
  auto pool = start_pool(2);
  std::mutex mutex;
  std::set<Store*> in_use;
  std::atomic<bool> shared{false};
  std::atomic<int> done{0};
  auto use = [&](Store& store) {
    {
      std::lock_guard lock(mutex);
      if (!in_use.insert(&store).second) shared = true;
    }
    std::this_thread::sleep_for(50us);
    std::lock_guard lock(mutex);
    in_use.erase(&store);
  };
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 300; ++i) {
        auto make = [&] {
          return ReaderPool::Task([&](Store& store) {
            use(store);
            ++done;
          });
        };
        ReaderPool::Task task = make();
        if (pool->try_run_here(task)) continue;
        while (!pool->post(make())) std::this_thread::sleep_for(100us);
      }
    });
  }
  for (auto& c : callers) c.join();
  // Every task runs without the destructor's wake-up (a lost wake-up would
  // leave one queued).
  for (int i = 0; i < 5000 && done.load() < 900; ++i) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(done.load(), 900);
  pool.reset();
  EXPECT_FALSE(shared);
}

// The pool outlives a connection it lent: its destructor waits for the
// caller to give it back (with one reader, it used to wait forever; with
// two, it freed the connection under the caller).
TEST(ReaderPool, DestructionWaitsForALentConnection) {
  for (std::size_t readers : {1u, 2u}) {
    SCOPED_TRACE(std::to_string(readers) + " readers");
    auto pool = start_pool(readers);
    std::promise<void> lent;
    std::atomic<bool> finished{false};
    std::thread caller([&] {
      ReaderPool::Task task = [&](Store& store) {
        lent.set_value();
        std::this_thread::sleep_for(100ms);
        EXPECT_TRUE(store.programs()) << "the lent connection still works";
        finished = true;
      };
      EXPECT_TRUE(pool->try_run_here(task));
    });
    lent.get_future().wait();
    pool.reset();
    EXPECT_TRUE(finished) << "destroyed while the connection was out";
    caller.join();
  }
}

}  // namespace
}  // namespace patron::app
