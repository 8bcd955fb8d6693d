#include "ledger/allocation.h"

#include <algorithm>
#include <limits>

#include "core/assert.h"

namespace patron::ledger {

bool covers(const Scope& scope, const PayLine& line) {
  auto ok = [](const std::vector<std::string>& allowed, const std::string& value) {
    return allowed.empty() || std::find(allowed.begin(), allowed.end(), value) != allowed.end();
  };
  return ok(scope.channels, line.channel) && ok(scope.categories, line.category) &&
         ok(scope.brands, line.brand) && ok(scope.skus, line.sku);
}

std::vector<std::size_t> spendable_in_order(const std::vector<Lot>& lots, Instant now) {
  std::vector<std::size_t> order;
  order.reserve(lots.size());
  for (std::size_t i = 0; i < lots.size(); ++i) {
    const Lot& lot = lots[i];
    if (lot.state != LotState::kAvailable || lot.remaining <= 0) continue;
    if (lot.expires_at && *lot.expires_at <= now) continue;
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const Lot& x = lots[a];
    const Lot& y = lots[b];
    if (x.expires_at.has_value() != y.expires_at.has_value()) return x.expires_at.has_value();
    if (x.expires_at && *x.expires_at != *y.expires_at) return *x.expires_at < *y.expires_at;
    if (x.granted_at != y.granted_at) return x.granted_at < y.granted_at;
    return x.id < y.id;
  });
  return order;
}

namespace {

// Lots pay lines in rank order, each as much as it can: an augmenting path
// from lot r reaches a line with room left, possibly moving value that
// earlier lots put on one line to another line they also cover (never
// lowering what an earlier lot pays). This is the greedy algorithm of a
// polymatroid (the lot totals a bipartite flow can reach): it gives the
// largest payable total, and among those the one that spends lots in rank
// order first -- the optimum a min-cost flow with costs rising by rank finds,
// at a fraction of the work (no graph, a breadth-first search per push).
class Augmenter {
 public:
  Augmenter(const std::vector<Lot>& lots, const std::vector<std::size_t>& order,
            const std::vector<PayLine>& lines)
      : n_lots_(order.size()),
        n_lines_(lines.size()),
        covers_(n_lots_ * n_lines_),
        flow_(n_lots_ * n_lines_, 0),
        room_(n_lines_) {
    for (std::size_t r = 0; r < n_lots_; ++r) {
      for (std::size_t l = 0; l < n_lines_; ++l) {
        covers_[r * n_lines_ + l] = covers(lots[order[r]].scope, lines[l]);
      }
    }
    for (std::size_t l = 0; l < n_lines_; ++l) room_[l] = lines[l].amount;
  }

  // Pushes up to `want` from lot `r`; returns what it pushed.
  int64_t push_from(std::size_t r, int64_t want) {
    int64_t pushed = 0;
    while (want > 0) {
      int64_t step = augment(r, want);
      if (step == 0) break;
      pushed += step;
      want -= step;
    }
    return pushed;
  }

  int64_t flow(std::size_t r, std::size_t l) const { return flow_[r * n_lines_ + l]; }

 private:
  // One breadth-first search from lot `r` over lot -> covered line and
  // line -> lot that already pays it; the first line with room ends the path.
  int64_t augment(std::size_t r, int64_t want) {
    constexpr std::size_t kNone = SIZE_MAX;
    std::vector<std::size_t> line_from(n_lines_, kNone);  // the lot a line was reached from
    std::vector<std::size_t> lot_from(n_lots_, kNone);    // the line a lot was reached from
    std::vector<std::size_t> queue = {r};
    lot_from[r] = n_lines_;  // the start
    std::size_t end = kNone;
    for (std::size_t head = 0; head < queue.size() && end == kNone; ++head) {
      std::size_t x = queue[head];
      for (std::size_t l = 0; l < n_lines_ && end == kNone; ++l) {
        if (!covers_[x * n_lines_ + l] || line_from[l] != kNone) continue;
        line_from[l] = x;
        if (room_[l] > 0) {
          end = l;
          break;
        }
        for (std::size_t y = 0; y < n_lots_; ++y) {
          if (lot_from[y] == kNone && flow_[y * n_lines_ + l] > 0) {
            lot_from[y] = l;
            queue.push_back(y);
          }
        }
      }
    }
    if (end == kNone) return 0;
    // The bottleneck: the room of the last line, and every flow moved back.
    int64_t push = std::min(want, room_[end]);
    for (std::size_t l = end, x = line_from[l]; x != r; l = lot_from[x], x = line_from[l]) {
      push = std::min(push, flow_[x * n_lines_ + lot_from[x]]);
    }
    PATRON_ASSERT(push > 0);
    room_[end] -= push;
    for (std::size_t l = end;;) {
      std::size_t x = line_from[l];
      flow_[x * n_lines_ + l] += push;
      if (x == r) break;
      std::size_t back = lot_from[x];  // x moves `push` off line `back` onto `l`
      flow_[x * n_lines_ + back] -= push;
      l = back;
    }
    return push;
  }

  std::size_t n_lots_;
  std::size_t n_lines_;
  std::vector<char> covers_;   // [lot rank][line]
  std::vector<int64_t> flow_;  // [lot rank][line]
  std::vector<int64_t> room_;  // per line
};

}  // namespace

std::vector<Piece> allocate(const std::vector<Lot>& lots, const std::vector<std::size_t>& order,
                            const std::vector<PayLine>& lines, int64_t amount) {
  std::vector<Piece> pieces;
  if (amount <= 0 || lines.empty()) return pieces;
  if (lines.size() == 1) {
    int64_t left = std::min(amount, lines[0].amount);
    for (std::size_t index : order) {
      if (left == 0) break;
      const Lot& lot = lots[index];
      if (!covers(lot.scope, lines[0])) continue;
      int64_t take = std::min(left, lot.remaining);
      pieces.push_back({index, 0, take});
      left -= take;
    }
    return pieces;
  }
  // When every lot may pay every line, any assignment of lots to lines is
  // as good as another: the lots are used in rank order, which is what the
  // min-cost flow would choose, without building it (checkout quotes of
  // unrestricted lots stay in microseconds).
  bool all_cover = std::all_of(order.begin(), order.end(), [&](std::size_t index) {
    return lots[index].scope.unrestricted() ||
           std::all_of(lines.begin(), lines.end(),
                       [&](const PayLine& line) { return covers(lots[index].scope, line); });
  });
  if (all_cover) {
    std::size_t l = 0;
    int64_t line_left = lines[0].amount;
    int64_t left = amount;
    for (std::size_t index : order) {
      int64_t lot_left = lots[index].remaining;
      while (left > 0 && lot_left > 0 && l < lines.size()) {
        int64_t take = std::min({left, lot_left, line_left});
        if (take > 0) pieces.push_back({index, l, take});
        left -= take;
        lot_left -= take;
        line_left -= take;
        if (line_left == 0 && ++l < lines.size()) line_left = lines[l].amount;
      }
      if (left == 0 || l == lines.size()) break;
    }
    return pieces;
  }
  Augmenter flow(lots, order, lines);
  int64_t left = amount;
  for (std::size_t r = 0; r < order.size() && left > 0; ++r) {
    left -= flow.push_from(r, std::min(left, lots[order[r]].remaining));
  }
  for (std::size_t r = 0; r < order.size(); ++r) {
    for (std::size_t l = 0; l < lines.size(); ++l) {
      if (flow.flow(r, l) > 0) pieces.push_back({order[r], l, flow.flow(r, l)});
    }
  }
  return pieces;
}

}  // namespace patron::ledger
