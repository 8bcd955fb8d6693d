// Chooses which lots pay for which lines. Lots are ranked soonest expiry first
// (no expiry last, then oldest, then lowest id); a lot may pay a line only when
// its scope covers the line. With one line this is a greedy walk in rank order.
// With several lines a plain walk can strand value (an unrestricted lot used
// on a line that only a scoped lot could pay), so each lot in rank order pays
// what it can through augmenting paths that may move earlier lots' value to
// other lines they cover: the largest payable total, preferring lower-ranked
// lots (the optimum of a min-cost flow with costs rising by rank).
#pragma once

#include <cstdint>
#include <vector>

#include "ledger/types.h"

namespace patron::ledger {

// Lots eligible to pay now: available, remaining > 0, not expired at `now`.
// Returned as indexes into `lots`, in spending order.
std::vector<std::size_t> spendable_in_order(const std::vector<Lot>& lots, Instant now);

struct Piece {
  std::size_t lot_index = 0;
  std::size_t line_index = 0;
  int64_t amount = 0;
};

// Allocates up to `amount` across `lines` (each taking at most line.amount)
// from the lots at `order` (indexes into `lots`). Returns the pieces; their sum
// is the largest payable total not above `amount`.
std::vector<Piece> allocate(const std::vector<Lot>& lots, const std::vector<std::size_t>& order,
                            const std::vector<PayLine>& lines, int64_t amount);

}  // namespace patron::ledger
