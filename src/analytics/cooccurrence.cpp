#include "analytics/cooccurrence.h"

#include <algorithm>
#include <tuple>

namespace patron::analytics {

Result<void> CoOccurrence::add_basket(std::span<const std::string> items) {
  scratch_.assign(items.begin(), items.end());
  std::sort(scratch_.begin(), scratch_.end());
  scratch_.erase(std::unique(scratch_.begin(), scratch_.end()), scratch_.end());
  if (scratch_.size() > kBasketItemsMax) {
    return fail(ErrorCode::kInvalidArgument, "items",
                "a basket holds at most " + std::to_string(kBasketItemsMax) + " items");
  }
  if (scratch_.empty()) return {};
  ++baskets_;
  for (const auto& item : scratch_) ++orders_[item];
  for (const auto& anchor : scratch_) {
    if (!anchors_.contains(anchor)) continue;
    auto& row = together_[anchor];
    for (const auto& other : scratch_) {
      if (other != anchor) ++row[other];
    }
  }
  return {};
}

int64_t CoOccurrence::orders_with(const std::string& item) const {
  auto it = orders_.find(item);
  return it == orders_.end() ? 0 : it->second;
}

Recommendation CoOccurrence::pair(const std::string& anchor, const std::string& item,
                                  int64_t together) const {
  Recommendation r;
  r.item = item;
  r.together = together;
  r.orders = orders_with(item);
  r.because_of = anchor;
  const double n_anchor = static_cast<double>(orders_with(anchor));
  // together > 0 implies both counts > 0.
  r.confidence = static_cast<double>(together) / n_anchor;
  r.lift = static_cast<double>(together) * static_cast<double>(baskets_) /
           (n_anchor * static_cast<double>(r.orders));
  return r;
}

std::vector<Recommendation> CoOccurrence::for_item(const std::string& item,
                                                   std::size_t limit) const {
  std::vector<Recommendation> out;
  auto row = together_.find(item);
  if (row == together_.end()) return out;
  for (const auto& [other, n] : row->second) out.push_back(pair(item, other, n));
  std::sort(out.begin(), out.end(), [](const Recommendation& a, const Recommendation& b) {
    return std::tie(b.together, b.lift, a.item) < std::tie(a.together, a.lift, b.item);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<Recommendation> CoOccurrence::for_anchors(std::size_t limit) const {
  std::map<std::string, Recommendation> best;  // by item
  for (const auto& [anchor, row] : together_) {
    for (const auto& [other, n] : row) {
      if (anchors_.contains(other)) continue;  // already bought
      Recommendation candidate = pair(anchor, other, n);
      auto [it, added] = best.try_emplace(other, candidate);
      if (added) continue;
      Recommendation& r = it->second;
      const int64_t together = r.together + n;
      // Anchors come in name order: a tie keeps the smaller one.
      if (candidate.confidence > r.confidence) r = candidate;
      r.together = together;
    }
  }
  std::vector<Recommendation> out;
  for (auto& [item, r] : best) out.push_back(std::move(r));
  std::sort(out.begin(), out.end(), [](const Recommendation& a, const Recommendation& b) {
    return std::tie(b.together, b.confidence, a.item) < std::tie(a.together, a.confidence, b.item);
  });
  if (out.size() > limit) out.resize(limit);
  return out;
}

}  // namespace patron::analytics
