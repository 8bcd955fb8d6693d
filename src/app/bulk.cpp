#include "app/bulk.h"

#include <algorithm>

#include "app/service.h"
#include "core/assert.h"

namespace patron::app {

namespace {

enum class Step { kApplied, kFailed };

// One command of a bulk run inside the open transaction. A command that fails
// is listed in `failures` (it changed nothing); a storage failure is an error.
Result<Step> run_one(Writer::Session& session, const Command& c, std::size_t index, bool events,
                     std::vector<BulkFailure>& failures) {
  PATRON_ASSERT(c.now.has_value());
  auto executed = execute(session.store(), session.programs(), session.ids(), c, *c.now);
  if (!executed) {
    if (executed.error().code == ErrorCode::kStorage) return std::unexpected(executed.error());
    failures.push_back({index, executed.error()});
    return Step::kFailed;
  }
  if (executed->replayed) return Step::kApplied;
  if (auto r = apply_executed(session.store(), session.programs(), *executed, events); !r) {
    return std::unexpected(r.error());
  }
  return Step::kApplied;
}

}  // namespace

Result<BulkReport> run_bulk(Writer& writer, const std::vector<Command>& commands,
                            const BulkOptions& options) {
  std::vector<const Command*> list;
  list.reserve(commands.size());
  for (const Command& c : commands) list.push_back(&c);
  return run_bulk(writer, std::span<const Command* const>(list), options);
}

Result<BulkReport> run_bulk(Writer& writer, std::span<const Command* const> commands,
                            const BulkOptions& options) {
  BulkReport report;
  std::size_t chunk = options.strict ? std::max<std::size_t>(commands.size(), 1)
                                     : std::max<std::size_t>(options.per_transaction, 1);
  for (std::size_t start = 0; start < commands.size(); start += chunk) {
    std::size_t end = std::min(commands.size(), start + chunk);
    std::vector<BulkFailure> failures;
    std::size_t applied = 0;
    bool rolled_back = false;
    auto turn = writer.submit_exclusive([&](Writer::Session& session) -> Result<std::string> {
      if (auto r = session.begin(); !r) return std::unexpected(r.error());
      for (std::size_t i = start; i < end; ++i) {
        auto step = run_one(session, *commands[i], i, options.events, failures);
        if (!step) {
          session.rollback();
          return std::unexpected(step.error());
        }
        if (*step == Step::kApplied) {
          ++applied;
        } else if (options.strict) {
          session.rollback();
          rolled_back = true;
          return std::string();
        }
      }
      if (auto r = session.commit(); !r) return std::unexpected(r.error());
      return std::string();
    });
    auto done = turn.get();
    if (!done) return std::unexpected(done.error());
    report.failures.insert(report.failures.end(), failures.begin(), failures.end());
    if (rolled_back) {
      report.rolled_back = true;
      report.applied = 0;
      return report;
    }
    report.applied += applied;
    if (options.progress) options.progress(end, commands.size());
  }
  return report;
}

// ---------------------------------------------------------------------------
// BulkFeed

BulkFeed::BulkFeed(Writer& writer, const BulkOptions& options)
    : limit_(std::max<std::size_t>(options.per_transaction, 1)),
      events_(options.events),
      wait_max_(options.feed_wait_max) {
  PATRON_ASSERT(!options.strict);
  done_ = writer.submit_exclusive([this](Writer::Session& session) {
    auto r = run(session);
    if (!r) {
      std::lock_guard lock(mutex_);
      gave_up_ = true;
    }
    return r;
  });
}

BulkFeed::~BulkFeed() {
  if (!finished_) (void)finish(false);
}

bool BulkFeed::push(const Command& command) {
  bool wake = false, accepted = false;
  {
    std::lock_guard lock(mutex_);
    PATRON_ASSERT(!closed_);
    if (gave_up_) return false;
    if (++pushed_ > limit_) {
      gave_up_ = true;
      abandon_ = true;
      queue_.clear();
      wake = true;
    } else {
      wake = queue_.empty();
      queue_.push_back(&command);
      accepted = true;
    }
  }
  if (wake) wake_.notify_one();
  return accepted;
}

Result<BulkFeed::Report> BulkFeed::finish(bool keep) {
  PATRON_ASSERT(!finished_);
  finished_ = true;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    keep_ = keep;
    if (!keep) abandon_ = true;
  }
  wake_.notify_one();
  auto done = done_.get();
  if (!done) return std::unexpected(done.error());
  if (!report_.committed) return Report{};
  return std::move(report_);
}

Result<std::string> BulkFeed::run(Writer::Session& session) {
  if (auto r = session.begin(); !r) return std::unexpected(r.error());
  std::vector<const Command*> batch;
  std::size_t taken = 0;
  auto waited = std::chrono::steady_clock::duration::zero();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      auto ready = [&] { return closed_ || gave_up_ || !queue_.empty(); };
      if (!ready()) {
        auto start = std::chrono::steady_clock::now();
        wake_.wait_for(lock, wait_max_ - waited, ready);
        waited += std::chrono::steady_clock::now() - start;
        if (!ready()) {  // the producer is too slow to hold the write lock for
          gave_up_ = true;
          abandon_ = true;
        }
      }
      if (gave_up_ || (closed_ && !keep_)) break;
      if (queue_.empty()) {  // closed with keep, and everything taken
        lock.unlock();
        if (auto r = session.commit(); !r) {
          commit_failed_ = true;
          return std::unexpected(r.error());
        }
        report_.committed = true;
        return std::string();
      }
      batch.swap(queue_);
    }
    for (const Command* c : batch) {
      if (abandon_.load(std::memory_order_relaxed)) break;
      auto step = run_one(session, *c, taken++, events_, report_.failures);
      if (!step) {
        session.rollback();
        return std::unexpected(step.error());
      }
      if (*step == Step::kApplied) ++report_.applied;
    }
    batch.clear();
  }
  session.rollback();
  return std::string();
}

}  // namespace patron::app
