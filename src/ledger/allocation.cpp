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

// Successive shortest paths (Bellman-Ford) on source -> lot -> line -> sink.
// Graph sizes are bounded by limits::kOpenLotsMax x limits::kLinesMax, and in
// practice are tens of lots by a handful of lines.
struct FlowGraph {
  struct Edge {
    std::size_t to;
    int64_t capacity;
    int64_t cost;
  };
  std::vector<Edge> edges;
  std::vector<std::vector<std::size_t>> out;

  explicit FlowGraph(std::size_t nodes) : out(nodes) {}

  std::size_t add(std::size_t from, std::size_t to, int64_t capacity, int64_t cost) {
    out[from].push_back(edges.size());
    edges.push_back({to, capacity, cost});
    out[to].push_back(edges.size());
    edges.push_back({from, 0, -cost});
    return edges.size() - 2;
  }

  int64_t min_cost_flow(std::size_t source, std::size_t sink, int64_t wanted) {
    int64_t sent = 0;
    constexpr int64_t kInf = std::numeric_limits<int64_t>::max() / 4;
    while (sent < wanted) {
      std::vector<int64_t> dist(out.size(), kInf);
      std::vector<std::size_t> via(out.size(), SIZE_MAX);
      dist[source] = 0;
      // Bellman-Ford: at most |V| rounds; stops early when nothing relaxes.
      for (std::size_t round = 0; round < out.size(); ++round) {
        bool changed = false;
        for (std::size_t v = 0; v < out.size(); ++v) {
          if (dist[v] == kInf) continue;
          for (std::size_t e : out[v]) {
            const Edge& edge = edges[e];
            if (edge.capacity > 0 && dist[v] + edge.cost < dist[edge.to]) {
              dist[edge.to] = dist[v] + edge.cost;
              via[edge.to] = e;
              changed = true;
            }
          }
        }
        if (!changed) break;
      }
      if (dist[sink] == kInf) break;
      int64_t push = wanted - sent;
      for (std::size_t v = sink; v != source; v = edges[via[v] ^ 1].to) {
        push = std::min(push, edges[via[v]].capacity);
      }
      PATRON_ASSERT(push > 0);
      for (std::size_t v = sink; v != source; v = edges[via[v] ^ 1].to) {
        edges[via[v]].capacity -= push;
        edges[via[v] ^ 1].capacity += push;
      }
      sent += push;
    }
    return sent;
  }
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
  // Nodes: 0 source, 1 sink, 2.. lots (in rank order), then lines.
  std::size_t n_lots = order.size();
  FlowGraph graph(2 + n_lots + lines.size());
  constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max() / 4;
  std::vector<std::vector<std::pair<std::size_t, std::size_t>>> lot_line_edges(n_lots);
  for (std::size_t r = 0; r < n_lots; ++r) {
    const Lot& lot = lots[order[r]];
    graph.add(0, 2 + r, lot.remaining, static_cast<int64_t>(r));
    for (std::size_t l = 0; l < lines.size(); ++l) {
      if (covers(lot.scope, lines[l])) {
        lot_line_edges[r].push_back({l, graph.add(2 + r, 2 + n_lots + l, kUnbounded, 0)});
      }
    }
  }
  for (std::size_t l = 0; l < lines.size(); ++l) {
    graph.add(2 + n_lots + l, 1, lines[l].amount, 0);
  }
  graph.min_cost_flow(0, 1, amount);
  for (std::size_t r = 0; r < n_lots; ++r) {
    for (auto [l, e] : lot_line_edges[r]) {
      int64_t flow = graph.edges[e ^ 1].capacity;  // reverse residual = flow sent
      if (flow > 0) pieces.push_back({order[r], l, flow});
    }
  }
  return pieces;
}

}  // namespace patron::ledger
