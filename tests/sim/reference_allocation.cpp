// The reference model's allocation: its own ranking of spendable lots, scope
// coverage, the largest payable total as a min cut, and soonest-expiry-first
// shares per lot derived from it (the lexicographic optimum that a min-cost
// flow with costs increasing by rank must equal).
#include <algorithm>
#include <limits>
#include <map>
#include <tuple>

#include "reference_wallet.h"

namespace patron::sim {

using ledger::PayLine;

bool model_covers(const ledger::Scope& scope, const PayLine& line) {
  auto allows = [](const std::vector<std::string>& allowed, const std::string& value) {
    if (allowed.empty()) return true;
    for (const std::string& a : allowed) {
      if (a == value) return true;
    }
    return false;
  };
  return allows(scope.channels, line.channel) && allows(scope.categories, line.category) &&
         allows(scope.brands, line.brand) && allows(scope.skus, line.sku);
}

int64_t max_payable(const std::vector<const ModelLot*>& lots, const std::vector<PayLine>& lines) {
  std::size_t n = lines.size();
  if (n > 16) return -1;  // the simulation never builds carts this large
  int64_t best = std::numeric_limits<int64_t>::max();
  for (uint32_t cut = 0; cut < (1u << n); ++cut) {
    int64_t cost = 0;
    for (std::size_t l = 0; l < n; ++l) {
      if (cut & (1u << l)) cost += lines[l].amount;
    }
    // A lot that covers a line whose capacity is not cut must be cut itself.
    for (const ModelLot* lot : lots) {
      for (std::size_t l = 0; l < n; ++l) {
        if (!(cut & (1u << l)) && model_covers(lot->scope, lines[l])) {
          cost += lot->remaining;
          break;
        }
      }
    }
    best = std::min(best, cost);
  }
  return best;
}

// Soonest expiry first; no expiry last; then oldest grant; then lowest id.
std::vector<std::size_t> ReferenceWallet::ranked_spendable(bool unrestricted_only) const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < lots_.size(); ++i) {
    const ModelLot& l = lots_[i];
    if (l.state != ModelLotState::kAvailable || l.remaining <= 0) continue;
    if (l.expires_at && *l.expires_at <= now_) continue;
    if (unrestricted_only && !(l.scope == ledger::Scope{})) continue;
    out.push_back(i);
  }
  auto key = [&](std::size_t i) {
    const ModelLot& l = lots_[i];
    int64_t never = l.expires_at ? 0 : 1;
    int64_t at = l.expires_at ? to_unix_seconds(*l.expires_at) : 0;
    return std::make_tuple(never, at, to_unix_seconds(l.granted_at), l.id);
  };
  std::sort(out.begin(), out.end(), [&](std::size_t a, std::size_t b) { return key(a) < key(b); });
  return out;
}

ModelResult<std::vector<ModelPiece>> ReferenceWallet::pick(
    int64_t amount, const std::vector<PayLine>& lines_in,
    const std::vector<ledger::Allocation>* observed) {
  std::vector<PayLine> lines = lines_in;
  if (lines.empty()) {
    PayLine any;
    any.amount = amount;
    lines.push_back(any);
  }
  std::vector<std::size_t> ranked = ranked_spendable(lines_in.empty());
  // Soonest expiry first across every line: each lot in rank order takes as
  // much as it can while the lots before it keep their maximum.
  std::vector<int64_t> take(ranked.size(), 0);
  std::vector<const ModelLot*> prefix;
  int64_t paid = 0;
  for (std::size_t k = 0; k < ranked.size(); ++k) {
    prefix.push_back(&lots_[ranked[k]]);
    int64_t payable = std::min(amount, max_payable(prefix, lines));
    take[k] = payable - paid;
    paid = payable;
  }
  if (paid < amount) {
    return std::unexpected(ModelError{ErrorCode::kInsufficientFunds, "amount"});
  }

  std::vector<ModelPiece> pieces;
  if (lines.size() == 1) {
    for (std::size_t k = 0; k < ranked.size(); ++k) {
      if (take[k] > 0) pieces.push_back({lots_[ranked[k]].id, lines[0].line_id, take[k], 0});
    }
    return pieces;
  }
  // Several lines: adopt production's split of each lot's share after checking it.
  std::map<int64_t, std::size_t> rank_of;
  for (std::size_t k = 0; k < ranked.size(); ++k) rank_of[lots_[ranked[k]].id] = k;
  std::map<std::string, std::size_t> line_index;
  for (std::size_t l = 0; l < lines.size(); ++l) line_index.emplace(lines[l].line_id, l);
  std::vector<int64_t> by_rank(ranked.size(), 0);
  std::vector<int64_t> by_line(lines.size(), 0);
  std::vector<std::tuple<std::size_t, std::size_t, int64_t>> keyed;
  auto problem = [&](const std::string& what) { problems_.push_back("split: " + what); };
  for (const ledger::Allocation& a : observed ? *observed : std::vector<ledger::Allocation>{}) {
    auto r = rank_of.find(a.lot_id);
    auto l = line_index.find(a.line_id);
    if (r == rank_of.end() || l == line_index.end() || a.amount <= 0) {
      problem("allocation to lot " + std::to_string(a.lot_id) + " line " + a.line_id +
              " is not a spendable lot and cart line");
      continue;
    }
    if (!model_covers(lots_[ranked[r->second]].scope, lines[l->second])) {
      problem("lot " + std::to_string(a.lot_id) + " does not cover line " + a.line_id);
    }
    by_rank[r->second] += a.amount;
    by_line[l->second] += a.amount;
    keyed.emplace_back(r->second, l->second, a.amount);
  }
  for (std::size_t k = 0; k < ranked.size(); ++k) {
    if (by_rank[k] != take[k]) {
      problem("lot " + std::to_string(lots_[ranked[k]].id) + " pays " + std::to_string(by_rank[k]) +
              " but soonest-expiry-first gives it " + std::to_string(take[k]));
    }
  }
  for (std::size_t l = 0; l < lines.size(); ++l) {
    if (by_line[l] > lines[l].amount) problem("line " + lines[l].line_id + " overpaid");
  }
  // Production orders allocations by lot rank, then line; restore undoes them
  // in reverse, so the order is part of the contract.
  auto sorted = keyed;
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& x, const auto& y) {
    return std::tie(std::get<0>(x), std::get<1>(x)) < std::tie(std::get<0>(y), std::get<1>(y));
  });
  if (sorted != keyed) problem("allocations are not in rank order");
  for (const auto& [k, l, amount_piece] : sorted) {
    pieces.push_back({lots_[ranked[k]].id, lines[l].line_id, amount_piece, 0});
  }
  return pieces;
}

}  // namespace patron::sim
