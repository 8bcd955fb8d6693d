// The scheduler inside `patron serve`: every interval it runs the jobs over
// every program at the clock's `now`, and records each run that did
// something (or failed) in job_runs. The daily jobs (app::daily_job:
// reminders, winback, replenishment) run on the first tick of each local
// day in the program's time zone, and again an hour later if that run failed
// (or a member's command in it did); the others on every tick. The jobs are idempotent
// (a rerun finds nothing due), so a missed or repeated tick is harmless, and
// a restarted server simply runs the daily jobs again.
//
// Thread safety: start() and stop() from one thread; the jobs run on the
// scheduler's own thread with its own read connection.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "app/clock.h"
#include "app/store.h"
#include "app/writer.h"

namespace patron::jobs {

class Scheduler {
 public:
  using OnRun = std::function<void(const app::JobRun&)>;
  static Result<std::unique_ptr<Scheduler>> start(app::Writer& writer, app::StoreFactory& factory,
                                                  const app::Clock& clock,
                                                  std::chrono::seconds interval, OnRun on_run);
  ~Scheduler();         // stop()
  void request_stop();  // returns at once; no new job starts
  void stop();          // request_stop(), then waits for a running job to finish

 private:
  Scheduler(app::Writer& writer, std::unique_ptr<app::Store> reader, const app::Clock& clock,
            std::chrono::seconds interval, OnRun on_run);
  void loop();
  void tick();

  app::Writer& writer_;
  std::unique_ptr<app::Store> reader_;
  const app::Clock& clock_;
  std::chrono::seconds interval_;
  OnRun on_run_;
  std::mutex mutex_;  // guards stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  // Per program and daily job: the local day it last ran without failing,
  // and after a failure the time before which it is not tried again.
  struct Daily {
    std::optional<std::chrono::year_month_day> done;
    Instant retry_after{};
  };
  std::map<std::pair<std::string, std::string>, Daily> daily_;
  static constexpr std::chrono::hours kDailyRetry{1};
  std::thread thread_;
};

}  // namespace patron::jobs
