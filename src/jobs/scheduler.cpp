#include "jobs/scheduler.h"

#include <pthread.h>

#include <cstdio>

#include "app/queries.h"

namespace patron::jobs {

Result<std::unique_ptr<Scheduler>> Scheduler::start(app::Writer& writer, app::StoreFactory& factory,
                                                    const app::Clock& clock,
                                                    std::chrono::seconds interval, OnRun on_run) {
  if (interval.count() <= 0) {
    return fail(ErrorCode::kInvalidArgument, "--jobs-interval", "must be positive");
  }
  auto reader = factory.open();
  if (!reader) return std::unexpected(reader.error());
  return std::unique_ptr<Scheduler>(
      new Scheduler(writer, std::move(*reader), clock, interval, std::move(on_run)));
}

Scheduler::Scheduler(app::Writer& writer, std::unique_ptr<app::Store> reader,
                     const app::Clock& clock, std::chrono::seconds interval, OnRun on_run)
    : writer_(writer),
      reader_(std::move(reader)),
      clock_(clock),
      interval_(interval),
      on_run_(std::move(on_run)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "patron-jobs");
    loop();
  });
}

Scheduler::~Scheduler() {
  stop();
}

void Scheduler::request_stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

void Scheduler::stop() {
  request_stop();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::loop() {
  for (;;) {
    tick();
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, interval_, [this] { return stopping_; })) return;
  }
}

void Scheduler::tick() {
  for (const auto& [program_id, program] : writer_.programs().all()) {
    for (std::string_view name : app::kJobNames) {
      std::string job(name);
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      const Instant now = clock_.now();
      const auto today = local_date(now, program.zone);
      const bool daily = app::daily_job(job);
      Daily* state = daily ? &daily_[{program_id, job}] : nullptr;
      if (state && (state->done == today || now < state->retry_after)) continue;
      int64_t failed = 0;
      auto run = app::run_and_record(writer_, *reader_, clock_, program_id, job, now, "schedule",
                                     /*record_if_idle=*/false, &failed);
      if (state) {
        if (run && run->ok && failed == 0) {
          state->done = today;
        } else {
          // A member's command that fails every time must not bring the
          // whole scan back on every tick: try again in an hour.
          state->retry_after = now + kDailyRetry;
        }
      }
      if (!run) {
        std::fprintf(stderr, "patron: job %s in program %s failed: %s\n", job.c_str(),
                     program_id.c_str(), run.error().message.c_str());
        continue;
      }
      if (on_run_) on_run_(*run);
    }
  }
}

}  // namespace patron::jobs
