// RFM: recency, frequency and monetary value per member, quintile scores and
// named segments, from per-member order summaries and an as-of instant. Pure;
// thread-safe. Results are index-aligned with the input (report.members[i] is
// members[i]); ids are not copied.
//
// Definitions
//   recency_days   whole days from the last order to as_of (floor)
//   frequency      number of orders
//   monetary_minor total order value, minor units
//   tenure_days    whole days from the first order to as_of (floor)
//
// Scores 1..5 (5 best: most recent, most orders, most value) are quintiles of
// the mid-rank: with `below` members strictly worse and `equal` members tied
// (counting the member), score = 1 + floor(5 (below + equal/2) / n). Ties
// always share a score and the input order never matters; with all values
// distinct each score holds n/5 members (rounded); if everyone ties, all get 3.
//
// Segments, by recency score R and frequency score F; the first row that
// matches wins, and the rows cover all 25 (R, F) cells:
//   champions    R 4-5, F 4-5   recent and frequent
//   loyal        R 3-5, F 3-5   (the rest of) buying regularly
//   new          R 4-5, F 1     recent, few orders so far
//   potential    R 3-5, F 1-2   (the rest of) recent, not yet frequent
//   at_risk      R 1-2, F 3-5   used to buy often, not lately
//   hibernating  R 2,   F 1-2   a while ago, few orders
//   lost         R 1,   F 1-2   longest ago, few orders
//
// Fails (kInvalidArgument, field named) on no members, more than
// kRfmMembersMax, orders < 1, a total value outside 0..limits::kAmountMax,
// last order before first order or after as_of, and when a segment's value
// sum would overflow int64.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/time.h"

namespace patron::analytics {

// Ten million members: scoring sorts three keys of this many (about 0.5 GB of
// working memory at the limit) and indexes them with 32 bits.
inline constexpr std::size_t kRfmMembersMax = 10'000'000;

struct MemberSummary {
  std::string member_id;  // carried for the caller; the math does not read it
  Instant first_order_at;
  Instant last_order_at;
  int64_t orders = 0;
  int64_t total_value_minor = 0;
};

enum class Segment : uint8_t { kChampions, kLoyal, kNew, kPotential, kAtRisk, kHibernating, kLost };
inline constexpr std::size_t kSegmentCount = 7;

std::string_view to_string(Segment segment);  // "champions", "at_risk", ...

// The table above. Scores must be 1..5.
Segment segment_of(int recency_score, int frequency_score);

struct MemberRfm {
  int64_t recency_days = 0;
  int64_t tenure_days = 0;
  int64_t frequency = 0;
  int64_t monetary_minor = 0;
  uint8_t recency_score = 0;
  uint8_t frequency_score = 0;
  uint8_t monetary_score = 0;
  Segment segment = Segment::kLost;
};

struct SegmentTotals {
  Segment segment = Segment::kLost;
  int64_t members = 0;
  int64_t value_minor = 0;  // sum of the members' monetary_minor
};

struct RfmReport {
  std::vector<MemberRfm> members;                     // aligned with the input
  std::array<SegmentTotals, kSegmentCount> segments;  // in Segment order
};

Result<RfmReport> compute_rfm(std::span<const MemberSummary> members, Instant as_of);

}  // namespace patron::analytics
