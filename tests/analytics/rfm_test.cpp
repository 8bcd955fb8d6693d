// RFM (analytics/rfm.h): a hand-computed five-member example, mid-rank ties,
// input-order independence, the segment table, totals and the error paths.
#include "analytics/rfm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/limits.h"

namespace patron::analytics {
namespace {

Instant at(const char* text) {
  return *parse_instant(text, nullptr, "t");
}

const Instant kAsOf = at("2026-06-30T00:00:00Z");

MemberSummary member(const char* id, const char* last, int64_t orders, int64_t value) {
  return {id, at("2025-06-01T00:00:00Z"), at(last), orders, value};
}

// Recency days by hand: Jun 29 12:00 -> 0 (half a day, floored), Jun 20 -> 10,
// May 31 -> 30, Mar 2 -> 120, Dec 2 2025 -> 210.
std::vector<MemberSummary> five() {
  return {member("A", "2026-06-29T12:00:00Z", 10, 50'000),
          member("B", "2026-06-20T00:00:00Z", 5, 20'000),
          member("C", "2026-05-31T00:00:00Z", 3, 30'000),
          member("D", "2026-03-02T00:00:00Z", 2, 5'000),
          member("E", "2025-12-02T00:00:00Z", 1, 1'000)};
}

TEST(Rfm, HandComputedFiveMembers) {
  auto report = compute_rfm(five(), kAsOf);
  ASSERT_TRUE(report.has_value());
  const auto& m = report->members;
  const int64_t recency[] = {0, 10, 30, 120, 210};
  const int r[] = {5, 4, 3, 2, 1};
  const int f[] = {5, 4, 3, 2, 1};
  const int money[] = {5, 3, 4, 2, 1};  // C spent more than B
  const Segment segment[] = {Segment::kChampions, Segment::kChampions, Segment::kLoyal,
                             Segment::kHibernating, Segment::kLost};
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(m[i].recency_days, recency[i]);
    EXPECT_EQ(m[i].tenure_days, 394);  // 2025-06-01 -> 2026-06-30
    EXPECT_EQ(m[i].recency_score, r[i]);
    EXPECT_EQ(m[i].frequency_score, f[i]);
    EXPECT_EQ(m[i].monetary_score, money[i]);
    EXPECT_EQ(m[i].segment, segment[i]);
  }
  const auto& s = report->segments;
  EXPECT_EQ(s[static_cast<int>(Segment::kChampions)].members, 2);
  EXPECT_EQ(s[static_cast<int>(Segment::kChampions)].value_minor, 70'000);
  EXPECT_EQ(s[static_cast<int>(Segment::kLoyal)].value_minor, 30'000);
  EXPECT_EQ(s[static_cast<int>(Segment::kHibernating)].value_minor, 5'000);
  EXPECT_EQ(s[static_cast<int>(Segment::kLost)].value_minor, 1'000);
  EXPECT_EQ(s[static_cast<int>(Segment::kNew)].members, 0);
  EXPECT_EQ(s[static_cast<int>(Segment::kAtRisk)].segment, Segment::kAtRisk);
}

// Ties share a score from their mid-rank: four members bought the same day
// (all R 3); frequencies 1, 1, 1, 2 give mid-ranks 1.5/4 and 3.5/4 -> F 2 and 5.
TEST(Rfm, TiesShareTheMidRankScore) {
  std::vector<MemberSummary> members = {
      member("A", "2026-06-01T00:00:00Z", 1, 100), member("B", "2026-06-01T00:00:00Z", 1, 100),
      member("C", "2026-06-01T00:00:00Z", 2, 100), member("D", "2026-06-01T00:00:00Z", 1, 100)};
  auto report = compute_rfm(members, kAsOf);
  ASSERT_TRUE(report.has_value());
  for (const auto& m : report->members) {
    EXPECT_EQ(m.recency_score, 3);
    EXPECT_EQ(m.monetary_score, 3);
  }
  EXPECT_EQ(report->members[0].frequency_score, 2);
  EXPECT_EQ(report->members[2].frequency_score, 5);
  EXPECT_EQ(report->members[0].segment, Segment::kPotential);
  EXPECT_EQ(report->members[2].segment, Segment::kLoyal);
}

TEST(Rfm, TenDistinctValuesGiveTwoMembersPerScore) {
  std::vector<MemberSummary> members;
  for (int i = 0; i < 10; ++i) members.push_back(member("M", "2026-06-01T00:00:00Z", 1 + i, 10));
  auto report = compute_rfm(members, kAsOf);
  ASSERT_TRUE(report.has_value());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(report->members[i].frequency_score, 1 + i / 2);
}

TEST(Rfm, InputOrderDoesNotChangeScores) {
  auto members = five();
  std::reverse(members.begin(), members.end());
  auto report = compute_rfm(members, kAsOf);
  ASSERT_TRUE(report.has_value());
  EXPECT_EQ(report->members[0].segment, Segment::kLost);       // E
  EXPECT_EQ(report->members[4].segment, Segment::kChampions);  // A
  EXPECT_EQ(report->members[3].monetary_score, 3);             // B
}

TEST(Rfm, SegmentTable) {
  EXPECT_EQ(segment_of(4, 5), Segment::kChampions);
  EXPECT_EQ(segment_of(3, 4), Segment::kLoyal);
  EXPECT_EQ(segment_of(5, 3), Segment::kLoyal);
  EXPECT_EQ(segment_of(5, 1), Segment::kNew);
  EXPECT_EQ(segment_of(4, 2), Segment::kPotential);
  EXPECT_EQ(segment_of(3, 1), Segment::kPotential);
  EXPECT_EQ(segment_of(2, 5), Segment::kAtRisk);
  EXPECT_EQ(segment_of(1, 3), Segment::kAtRisk);
  EXPECT_EQ(segment_of(2, 1), Segment::kHibernating);
  EXPECT_EQ(segment_of(1, 2), Segment::kLost);
  EXPECT_EQ(to_string(Segment::kAtRisk), "at_risk");
  EXPECT_EQ(to_string(Segment::kChampions), "champions");
}

TEST(Rfm, RejectsBadSummaries) {
  const auto field = [](MemberSummary m) {
    return compute_rfm(std::vector<MemberSummary>{m}, kAsOf).error().field;
  };
  EXPECT_EQ(compute_rfm({}, kAsOf).error().field, "members");
  EXPECT_EQ(field(member("A", "2026-06-01T00:00:00Z", 0, 10)), "orders");
  EXPECT_EQ(field(member("A", "2026-06-01T00:00:00Z", 1, -1)), "total_value_minor");
  EXPECT_EQ(field(member("A", "2026-07-01T00:00:00Z", 1, 10)), "last_order_at");  // after as_of
  EXPECT_EQ(field(member("A", "2025-01-01T00:00:00Z", 1, 10)), "last_order_at");  // before first
}

TEST(Rfm, RejectsASegmentValueThatOverflows) {
  std::vector<MemberSummary> members(100'000, member("A", "2026-06-01T00:00:00Z", 1, 0));
  for (auto& m : members) m.total_value_minor = limits::kAmountMax;  // 1e14 x 1e5 > 9.2e18
  EXPECT_EQ(compute_rfm(members, kAsOf).error().field, "total_value_minor");
}

}  // namespace
}  // namespace patron::analytics
