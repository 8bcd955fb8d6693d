#include "app/writer.h"

#include <pthread.h>

#include <chrono>

#include "app/service.h"

namespace patron::app {

class Writer::Counters final : public ledger::IdSource {
 public:
  explicit Counters(IdHighWater h) : h_(h) {}
  void reset(IdHighWater h) { h_ = h; }
  int64_t next_lot_id() override { return ++h_.lot; }
  int64_t next_hold_id() override { return ++h_.hold; }
  int64_t next_redemption_id() override { return ++h_.redemption; }
  int64_t next_journal_id() override { return ++h_.journal; }
  int64_t next_transfer_id() override { return ++h_.transfer; }

 private:
  IdHighWater h_;
};

Result<std::unique_ptr<Writer>> Writer::start(StoreFactory& factory, const Clock& clock,
                                              WriterOptions options) {
  if (options.batch_max == 0 || options.batch_max > limits::kCommitBatchMax) {
    return fail(ErrorCode::kInvalidArgument, "batch_max", "must be between 1 and 1000");
  }
  if (options.wait_us < 0 || options.wait_us > limits::kCommitWaitMicrosecondsMax) {
    return fail(ErrorCode::kInvalidArgument, "wait_us", "must be between 0 and 2000");
  }
  auto store = factory.open();
  if (!store) return std::unexpected(store.error());
  auto programs = Programs::load(**store);
  if (!programs) return std::unexpected(programs.error());
  auto fingerprint = (*store)->programs_fingerprint();
  if (!fingerprint) return std::unexpected(fingerprint.error());
  auto high = (*store)->id_high_water();
  if (!high) return std::unexpected(high.error());
  auto writer = std::unique_ptr<Writer>(
      new Writer(std::move(*store), std::move(*programs), clock, options, *high));
  writer->fingerprint_ = *fingerprint;
  return writer;
}

Writer::Writer(std::unique_ptr<Store> store, Programs programs, const Clock& clock,
               WriterOptions options, IdHighWater high_water)
    : store_(std::move(store)),
      clock_(clock),
      options_(options),
      counters_(std::make_unique<Counters>(high_water)) {
  snapshots_.push_back(std::make_unique<const Programs>(std::move(programs)));
  programs_.store(snapshots_.back().get(), std::memory_order_release);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "patron-writer");  // shows in top, perf, gdb
    loop();
  });
}

Writer::~Writer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Writer::Pending::answer(Result<Response> result) {
  if (done) {
    done(std::move(result));
  } else {
    promise.set_value(std::move(result));
  }
}

std::future<Result<Response>> Writer::submit(Command command) {
  return enqueue(Pending{std::move(command), {}, {}, {}});
}

void Writer::submit(Command command, Done done) {
  enqueue(Pending{std::move(command), {}, {}, std::move(done)});
}

std::future<Result<Response>> Writer::submit_exclusive(ExclusiveWork work) {
  return enqueue(Pending{{}, {}, std::move(work), {}});
}

std::future<Result<Response>> Writer::enqueue(Pending pending) {
  auto future = pending.promise.get_future();
  {
    std::unique_lock lock(mutex_);
    if (stopping_ || queue_.size() >= limits::kWriterQueueMax) {
      bool was_stopping = stopping_;
      lock.unlock();
      // Transient: nothing was applied and a retry (same idempotency key) is safe.
      pending.answer(fail(ErrorCode::kStorage, "",
                          was_stopping ? "the writer is stopping" : "the writer queue is full"));
      return future;
    }
    queue_.push_back(std::move(pending));
  }
  wake_.notify_one();
  return future;
}

ledger::IdSource& Writer::Session::ids() {
  return *writer_.counters_;
}

Result<void> Writer::Session::begin() {
  if (auto r = store_.begin(); !r) return r;
  auto high = store_.id_high_water();
  if (!high) {
    store_.rollback();
    return std::unexpected(high.error());
  }
  writer_.counters_->reset(*high);
  return {};
}

Result<void> Writer::Session::commit() {
  auto r = store_.commit();
  if (!r) store_.rollback();
  return r;
}

WriterStats Writer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Writer::loop() {
  for (;;) {
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      if (options_.wait_us > 0 && queue_.size() < options_.batch_max) {
        wake_.wait_for(lock, std::chrono::microseconds(options_.wait_us),
                       [&] { return stopping_ || queue_.size() >= options_.batch_max; });
      }
      if (queue_.front().exclusive) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      } else {
        while (!queue_.empty() && !queue_.front().exclusive && batch.size() < options_.batch_max) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
    }
    if (batch.front().exclusive) {
      Session session(*store_, *this);
      auto out = batch.front().exclusive(session);
      batch.front().answer(out ? Result<Response>(Response{std::move(*out), false})
                               : Result<Response>(std::unexpected(out.error())));
      continue;
    }
    run_batch(batch);
  }
}

Result<void> Writer::run_in_transaction(std::vector<Pending*>& items,
                                        std::vector<Result<Response>>& results) {
  results.clear();
  if (auto r = store_->begin(); !r) return r;
  // Other processes may write the same database (CLI runs beside a server):
  // continue ids from what is committed, read under the write lock.
  auto high = store_->id_high_water();
  if (!high) {
    store_->rollback();
    return std::unexpected(high.error());
  }
  counters_->reset(*high);
  // What another process committed: safe to publish at once.
  if (auto r = refresh_programs(); !r) {
    store_->rollback();
    return r;
  }
  // A program applied in this batch: later commands of the batch use it, the
  // rest of the process only once it is committed.
  std::unique_ptr<const Programs> staged;
  std::string staged_fingerprint;
  for (Pending* item : items) {
    Instant now = item->command.now.value_or(clock_.now());
    const Programs& current = staged ? *staged : programs();
    auto executed = app::execute(*store_, current, *counters_, item->command, now);
    if (!executed) {
      if (executed.error().code == ErrorCode::kStorage) {
        store_->rollback();
        return std::unexpected(executed.error());
      }
      results.emplace_back(std::unexpected(executed.error()));
      continue;
    }
    if (!executed->replayed) {
      if (auto r = apply_executed(*store_, current, *executed); !r) {
        store_->rollback();
        return r;
      }
      if (executed->write.program) {
        auto list = store_->programs();
        auto fingerprint = store_->programs_fingerprint();
        if (!list || !fingerprint) {
          store_->rollback();
          return std::unexpected(!list ? list.error() : fingerprint.error());
        }
        staged = std::make_unique<const Programs>(Programs::resolve(std::move(*list)));
        staged_fingerprint = std::move(*fingerprint);
      }
    }
    results.emplace_back(Response{std::move(executed->response), executed->replayed});
  }
  if (auto r = store_->commit(); !r) {
    store_->rollback();
    return r;
  }
  if (staged) publish(std::move(staged), std::move(staged_fingerprint));
  return {};
}

Result<void> Writer::refresh_programs() {
  auto fingerprint = store_->programs_fingerprint();
  if (!fingerprint) return std::unexpected(fingerprint.error());
  if (*fingerprint == fingerprint_) return {};
  auto list = store_->programs();
  if (!list) return std::unexpected(list.error());
  publish(std::make_unique<const Programs>(Programs::resolve(std::move(*list))),
          std::move(*fingerprint));
  return {};
}

void Writer::publish(std::unique_ptr<const Programs> programs, std::string fingerprint) {
  // Only committed configurations get here, one per applied version, so the
  // kept snapshots grow with the number of applies, not with traffic.
  snapshots_.push_back(std::move(programs));
  programs_.store(snapshots_.back().get(), std::memory_order_release);
  fingerprint_ = std::move(fingerprint);
}

void Writer::run_batch(std::vector<Pending>& batch) {
  std::vector<Pending*> all;
  for (Pending& p : batch) all.push_back(&p);
  std::vector<Result<Response>> results;
  std::vector<Result<Response>> outcomes;
  uint64_t commits = 1;
  if (run_in_transaction(all, results)) {
    outcomes = std::move(results);
  } else {
    // Retry one by one so a single failing write only fails its own caller.
    commits = all.size();
    for (Pending* p : all) {
      std::vector<Pending*> one{p};
      auto alone = run_in_transaction(one, results);
      outcomes.push_back(alone ? std::move(results[0])
                               : Result<Response>(std::unexpected(alone.error())));
    }
  }
  {
    // Count before answering, so a caller that saw its answer sees the stats too.
    std::lock_guard lock(mutex_);
    stats_.commands += batch.size();
    stats_.batches += commits;
    stats_.largest_batch = std::max<uint64_t>(stats_.largest_batch, batch.size());
  }
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i].answer(std::move(outcomes[i]));
}

}  // namespace patron::app
