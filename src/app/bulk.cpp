#include "app/bulk.h"

#include <algorithm>

#include "app/service.h"
#include "core/assert.h"

namespace patron::app {

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
        const Command& c = *commands[i];
        PATRON_ASSERT(c.now.has_value());
        auto executed = execute(session.store(), session.programs(), session.ids(), c, *c.now);
        if (!executed) {
          if (executed.error().code == ErrorCode::kStorage) {
            session.rollback();
            return std::unexpected(executed.error());
          }
          failures.push_back({i, executed.error()});
          if (options.strict) {
            session.rollback();
            rolled_back = true;
            return std::string();
          }
          continue;
        }
        if (executed->replayed) {
          ++applied;
          continue;
        }
        if (auto r = apply_executed(session.store(), session.programs(), *executed, options.events);
            !r) {
          session.rollback();
          return std::unexpected(r.error());
        }
        ++applied;
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

}  // namespace patron::app
