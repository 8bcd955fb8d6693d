// The scheduler of `patron serve` (jobs/scheduler.h) on a real clock tick
// of one second, a fixed `now` and a memory store: the daily jobs run once a
// local day per program, the others on every tick, and a new local day runs
// the daily ones again.
#include "jobs/scheduler.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <thread>

#include "app/queries.h"
#include "store/memory/memory_store.h"

namespace patron {
namespace {

using namespace std::chrono_literals;

TEST(Scheduler, DailyJobsRunOnceALocalDayTheOthersEveryTick) {
  auto factory = store::make_memory_store_factory();
  // 23:59:58 in Taipei; the test moves the clock past midnight by hand.
  app::FixedClock clock(*parse_instant("2026-03-10T23:59:58+08:00", nullptr, "t"));
  auto writer = app::Writer::start(*factory, clock, {});
  ASSERT_TRUE(writer) << writer.error().message;
  std::mutex mutex;
  std::map<std::string, int> runs;  // job -> runs of program default
  auto scheduler = jobs::Scheduler::start(**writer, *factory, clock, 1s, [&](const app::JobRun& r) {
    EXPECT_TRUE(r.ok) << r.job << ": " << r.report;
    std::lock_guard lock(mutex);
    if (r.program_id == "default") runs[r.job] += 1;
  });
  ASSERT_TRUE(scheduler) << scheduler.error().message;
  auto count = [&](const std::string& job) {
    std::lock_guard lock(mutex);
    return runs[job];
  };
  auto wait_until = [&](const std::string& job, int n) {
    for (int i = 0; i < 100 && count(job) < n; ++i) std::this_thread::sleep_for(50ms);
    return count(job);
  };
  // Two whole ticks on 10 March ("products" is the last job of a tick).
  ASSERT_GE(wait_until("products", 2), 2);
  for (std::string_view job : app::kJobNames) {
    if (app::daily_job(job)) {
      EXPECT_EQ(count(std::string(job)), 1) << job;
    } else {
      EXPECT_GE(count(std::string(job)), 2) << job;
    }
  }
  clock.advance(3s);  // 11 March, 00:00:01 local
  const int ticks = count("products");
  ASSERT_GE(wait_until("products", ticks + 2), ticks + 2);
  for (std::string_view job : app::kJobNames) {
    if (app::daily_job(job)) {
      EXPECT_EQ(count(std::string(job)), 2) << job;
    }
  }
  (*scheduler)->stop();
}

}  // namespace
}  // namespace patron
