// Running many commands in few transactions (imports): each transaction is
// one exclusive turn on the writer, so a server sharing the writer stays
// responsive between chunks. Commands carry their own `now` (a simulated
// clock: an import replays history at the times it happened).
#pragma once

#include <functional>
#include <span>
#include <vector>

#include "app/commands.h"
#include "app/writer.h"

namespace patron::app {

struct BulkOptions {
  // All or nothing: one transaction; the first failing command rolls back
  // everything and is reported.
  bool strict = false;
  std::size_t per_transaction = 5'000;
  // Called after each committed chunk with (commands done, total).
  std::function<void(std::size_t, std::size_t)> progress;
  // Outbox events of the commands (docs/webhooks.md). Off for imports of
  // history and simulations: old rebates and signups are not news.
  bool events = false;
};

struct BulkFailure {
  std::size_t index = 0;  // into the command list
  Error error;
};

struct BulkReport {
  std::size_t applied = 0;
  std::vector<BulkFailure> failures;  // non-strict: skipped commands; strict: the one that failed
  bool rolled_back = false;
};

// Commands that fail (bad input, a conflict) change nothing and are listed;
// a storage failure stops the run with an error (committed chunks stay).
Result<BulkReport> run_bulk(Writer& writer, const std::vector<Command>& commands,
                            const BulkOptions& options);
// The same over commands held elsewhere, unchanged (a simulation's two
// replays share one history): no copies of the bodies.
Result<BulkReport> run_bulk(Writer& writer, std::span<const Command* const> commands,
                            const BulkOptions& options);

}  // namespace patron::app
