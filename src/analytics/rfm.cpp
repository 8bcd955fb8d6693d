#include "analytics/rfm.h"

#include <algorithm>
#include <utility>

#include "core/assert.h"
#include "core/limits.h"
#include "core/money.h"

namespace patron::analytics {
namespace {

constexpr int kScoreMax = 5;

Result<void> validate(std::span<const MemberSummary> members, Instant as_of) {
  if (members.empty()) return fail(ErrorCode::kInvalidArgument, "members", "no members");
  if (members.size() > kRfmMembersMax) {
    return fail(ErrorCode::kInvalidArgument, "members", "more than 10,000,000 members");
  }
  for (const MemberSummary& m : members) {
    if (m.orders < 1) {
      return fail(ErrorCode::kInvalidArgument, "orders", "a member needs at least one order");
    }
    if (m.total_value_minor < 0 || m.total_value_minor > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, "total_value_minor",
                  "total value must be between 0 and the amount limit");
    }
    if (m.last_order_at < m.first_order_at || m.last_order_at > as_of) {
      return fail(ErrorCode::kInvalidArgument, "last_order_at",
                  "last order must lie between the first order and as_of");
    }
  }
  return {};
}

int64_t whole_days(Instant from, Instant to) {
  return (to_unix_seconds(to) - to_unix_seconds(from)) / kSecondsPerDay;  // to >= from
}

// Mid-rank quintiles (see the header); a larger key scores higher.
std::vector<uint8_t> quintile_scores(std::vector<std::pair<int64_t, uint32_t>> keyed) {
  const auto n = static_cast<int64_t>(keyed.size());
  std::sort(keyed.begin(), keyed.end());
  std::vector<uint8_t> scores(keyed.size());
  for (int64_t i = 0; i < n;) {
    int64_t j = i + 1;
    while (j < n && keyed[j].first == keyed[i].first) ++j;
    // below = i, equal = j - i: 5 (below + equal/2) / n = 5 (i + j) / (2n)
    const int64_t score = 1 + kScoreMax * (i + j) / (2 * n);
    PATRON_ASSERT(score >= 1 && score <= kScoreMax);
    for (int64_t k = i; k < j; ++k) scores[keyed[k].second] = static_cast<uint8_t>(score);
    i = j;
  }
  return scores;
}

template <class Key>
std::vector<uint8_t> scores_by(const std::vector<MemberRfm>& rows, Key key) {
  std::vector<std::pair<int64_t, uint32_t>> keyed(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    keyed[i] = {key(rows[i]), static_cast<uint32_t>(i)};
  }
  return quintile_scores(std::move(keyed));
}

}  // namespace

std::string_view to_string(Segment segment) {
  switch (segment) {
    case Segment::kChampions:
      return "champions";
    case Segment::kLoyal:
      return "loyal";
    case Segment::kNew:
      return "new";
    case Segment::kPotential:
      return "potential";
    case Segment::kAtRisk:
      return "at_risk";
    case Segment::kHibernating:
      return "hibernating";
    case Segment::kLost:
      return "lost";
  }
  PATRON_ASSERT(false);
  return "";
}

Segment segment_of(int r, int f) {
  PATRON_ASSERT(r >= 1 && r <= kScoreMax && f >= 1 && f <= kScoreMax);
  if (r >= 4 && f >= 4) return Segment::kChampions;
  if (r >= 3 && f >= 3) return Segment::kLoyal;
  if (r >= 4 && f == 1) return Segment::kNew;
  if (r >= 3) return Segment::kPotential;  // f is 1-2 here
  if (f >= 3) return Segment::kAtRisk;     // r is 1-2 here
  if (r == 2) return Segment::kHibernating;
  return Segment::kLost;
}

Result<RfmReport> compute_rfm(std::span<const MemberSummary> members, Instant as_of) {
  if (auto ok = validate(members, as_of); !ok) return std::unexpected(ok.error());
  RfmReport report;
  report.members.resize(members.size());
  for (std::size_t i = 0; i < members.size(); ++i) {
    MemberRfm& row = report.members[i];
    row.recency_days = whole_days(members[i].last_order_at, as_of);
    row.tenure_days = whole_days(members[i].first_order_at, as_of);
    row.frequency = members[i].orders;
    row.monetary_minor = members[i].total_value_minor;
  }
  // Fewer days since the last order is better, hence the negated key.
  const auto recency =
      scores_by(report.members, [](const MemberRfm& m) { return -m.recency_days; });
  const auto frequency = scores_by(report.members, [](const MemberRfm& m) { return m.frequency; });
  const auto monetary =
      scores_by(report.members, [](const MemberRfm& m) { return m.monetary_minor; });
  for (std::size_t s = 0; s < kSegmentCount; ++s) {
    report.segments[s].segment = static_cast<Segment>(s);
  }
  for (std::size_t i = 0; i < report.members.size(); ++i) {
    MemberRfm& row = report.members[i];
    row.recency_score = recency[i];
    row.frequency_score = frequency[i];
    row.monetary_score = monetary[i];
    row.segment = segment_of(row.recency_score, row.frequency_score);
    SegmentTotals& totals = report.segments[static_cast<std::size_t>(row.segment)];
    ++totals.members;
    auto sum = checked_add(totals.value_minor, row.monetary_minor);
    if (!sum) {
      return fail(ErrorCode::kInvalidArgument, "total_value_minor",
                  "a segment's total value overflows int64");
    }
    totals.value_minor = *sum;
  }
  return report;
}

}  // namespace patron::analytics
