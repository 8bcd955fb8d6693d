// "Bought together" counts (analytics/cooccurrence.h) on hand-computed
// baskets: pair counts, confidence, lift, ranking and its tie-breaks, the
// member view (sums over what they bought, excluding it), and the limits.
#include "analytics/cooccurrence.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace patron::analytics {
namespace {

using Basket = std::vector<std::string>;

// 6 baskets (plus an empty one, not counted): A in 4, B in 3, C in 2, D in 1.
CoOccurrence counted(std::set<std::string> anchors) {
  CoOccurrence c(std::move(anchors));
  for (const Basket& b : std::vector<Basket>{
           {"A", "B"}, {"A", "B", "B"}, {"A", "C"}, {"A", "C", "D"}, {"B"}, {"C"}, {}}) {
    EXPECT_TRUE(c.add_basket(b));
  }
  return c;
}

TEST(CoOccurrence, PairsOfAnItem) {
  CoOccurrence c = counted({"A"});
  EXPECT_EQ(c.baskets(), 6);
  EXPECT_EQ(c.orders_with("A"), 4);
  EXPECT_EQ(c.orders_with("B"), 3);  // "B" twice in one basket counts once
  EXPECT_EQ(c.orders_with("Z"), 0);
  auto r = c.for_item("A", 10);
  ASSERT_EQ(r.size(), 3u);
  // B and C are each with A twice and in 3 baskets each (equal lift): by
  // name, B then C; D once.
  EXPECT_EQ(r[0].item, "B");
  EXPECT_EQ(r[0].together, 2);
  EXPECT_DOUBLE_EQ(r[0].confidence, 0.5);
  EXPECT_DOUBLE_EQ(r[0].lift, 2.0 * 6.0 / (4.0 * 3.0));
  EXPECT_EQ(r[1].item, "C");
  EXPECT_EQ(r[2].item, "D");
  EXPECT_EQ(r[2].together, 1);
  EXPECT_DOUBLE_EQ(r[2].lift, 6.0 / 4.0);
  EXPECT_EQ(c.for_item("A", 1).size(), 1u);
  EXPECT_TRUE(c.for_item("B", 10).empty());  // not an anchor: no pairs counted
}

TEST(CoOccurrence, HigherLiftFirstAmongEqualCounts) {
  CoOccurrence c({"A"});
  for (const Basket& b : std::vector<Basket>{{"A", "X"}, {"A", "Y"}, {"Y"}, {"Y"}}) {
    ASSERT_TRUE(c.add_basket(b));
  }
  auto r = c.for_item("A", 10);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].item, "X");  // lift 1 x 4 / (2 x 1) = 2 > Y's 4/6
  EXPECT_DOUBLE_EQ(r[0].lift, 2.0);
  EXPECT_DOUBLE_EQ(r[1].lift, 4.0 / 6.0);
}

TEST(CoOccurrence, MemberViewSumsAndExcludesWhatTheyBought) {
  // Bought A and D: B is with A twice (with D never), C with A twice and D
  // once; D and A are left out.
  CoOccurrence c = counted({"A", "D"});
  auto r = c.for_anchors(10);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].item, "C");
  EXPECT_EQ(r[0].together, 3);
  // D -> C: 1/1 beats A -> C: 2/4.
  EXPECT_EQ(r[0].because_of, "D");
  EXPECT_DOUBLE_EQ(r[0].confidence, 1.0);
  EXPECT_DOUBLE_EQ(r[0].lift, 6.0 / 3.0);
  EXPECT_EQ(r[1].item, "B");
  EXPECT_EQ(r[1].together, 2);
  EXPECT_EQ(r[1].because_of, "A");
  EXPECT_EQ(c.for_anchors(1).size(), 1u);
  EXPECT_TRUE(CoOccurrence({}).for_anchors(10).empty());
}

// Regression: the bound was 500 (the spend line limit) and the Online
// Retail file's largest invoice, 1,114 lines, failed the whole report.
TEST(CoOccurrence, BasketSizeIsBoundedByOrderLines) {
  CoOccurrence c({});
  Basket invoice;
  for (int i = 0; i < 1114; ++i) invoice.push_back("sku" + std::to_string(i));
  EXPECT_TRUE(c.add_basket(invoice));
  c = CoOccurrence({});
  Basket big;
  for (std::size_t i = 0; i <= kBasketItemsMax; ++i) big.push_back("sku" + std::to_string(i));
  auto r = c.add_basket(big);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "items");
  EXPECT_EQ(c.baskets(), 0);
  big.pop_back();
  EXPECT_TRUE(c.add_basket(big));
}

}  // namespace
}  // namespace patron::analytics
