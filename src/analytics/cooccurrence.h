// "Bought together" recommendations from basket co-occurrence (issue 8 item
// 8; docs/analytics.md "analytics recommend" defines every figure). A basket
// is the set of distinct items (SKUs) of one order; the caller decides which
// orders and lines count. Pure; a CoOccurrence is used by one thread at a time.
//
// Over N baskets, with n(A) the baskets holding A and n(A,B) those holding
// both A and B:
//   confidence(A -> B) = n(A,B) / n(A)        (share of A's baskets that hold B)
//   lift(A -> B)       = n(A,B) x N / (n(A) x n(B))  (confidence over B's base rate)
// For an item A: every B with n(A,B) > 0, ranked by n(A,B) descending, then
// lift descending, then B. For a member who bought the items S: every B not
// in S with n(A,B) > 0 for some A in S, with together = the sum over A in S
// of n(A,B), confidence and lift those of the A in S with the highest
// confidence(A -> B) (ties: the smaller A), ranked by together descending,
// then confidence descending, then B.
//
// Only pairs with an anchor (the item asked about, or the member's items) are
// counted, so memory grows with the anchors' neighbours, not with all pairs.
// Fails (kInvalidArgument) on a basket of more than kBasketItemsMax items.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"

namespace patron::analytics {

// Orders hold at most limits::kOrderLinesMax (5,000) lines, so no more
// distinct items; wholesale invoices reach 1,114 (Online Retail).
inline constexpr std::size_t kBasketItemsMax = 5'000;

struct Recommendation {
  std::string item;
  int64_t together = 0;   // n(A,B), or its sum over the member's items
  int64_t orders = 0;     // n(B)
  double confidence = 0;  // of the pair named by `because_of`
  double lift = 0;
  std::string because_of;  // A: the anchor of the pair
};

class CoOccurrence {
 public:
  explicit CoOccurrence(std::set<std::string> anchors) : anchors_(std::move(anchors)) {}

  // One basket; repeated items count once. An empty basket is not counted.
  Result<void> add_basket(std::span<const std::string> items);

  int64_t baskets() const { return baskets_; }
  int64_t orders_with(const std::string& item) const;

  // Recommendations for an anchor item, at most `limit`.
  std::vector<Recommendation> for_item(const std::string& item, std::size_t limit) const;
  // Recommendations for a member who bought every anchor, at most `limit`.
  std::vector<Recommendation> for_anchors(std::size_t limit) const;

 private:
  Recommendation pair(const std::string& anchor, const std::string& item, int64_t together) const;

  std::set<std::string> anchors_;
  int64_t baskets_ = 0;
  std::map<std::string, int64_t, std::less<>> orders_;  // n(B) for every item
  std::map<std::string, std::map<std::string, int64_t>, std::less<>> together_;  // anchor -> B
  std::vector<std::string> scratch_;
};

}  // namespace patron::analytics
