#include "analytics/cohorts.h"

#include <algorithm>

namespace patron::analytics {

int64_t month_number(std::chrono::year_month_day date) {
  return static_cast<int64_t>(static_cast<int>(date.year())) * 12 +
         static_cast<int64_t>(static_cast<unsigned>(date.month())) - 1;
}

std::chrono::year_month month_of(int64_t number) {
  return std::chrono::year{static_cast<int>(number / 12)} /
         std::chrono::month{static_cast<unsigned>(number % 12 + 1)};
}

Result<void> CohortBuilder::add_member(std::span<const int64_t> purchase_months) {
  if (purchase_months.empty()) {
    return fail(ErrorCode::kInvalidArgument, "purchase_months", "a member needs a purchase");
  }
  std::vector<int64_t> months(purchase_months.begin(), purchase_months.end());
  std::sort(months.begin(), months.end());
  months.erase(std::unique(months.begin(), months.end()), months.end());
  if (months.front() < kMonthNumberMin || months.back() > kMonthNumberMax) {
    return fail(ErrorCode::kInvalidArgument, "purchase_months", "a month is out of range");
  }
  const int64_t first =
      std::min(months.front(), cohorts_.empty() ? months.front() : cohorts_.begin()->first);
  const int64_t last = std::max(months.back(), last_month_);
  if (last - first >= kCohortMonthsMax) {
    return fail(ErrorCode::kInvalidArgument, "purchase_months",
                "months span more than " + std::to_string(kCohortMonthsMax));
  }
  last_month_ = last;
  CohortRow& row = cohorts_[months.front()];
  row.first_month = months.front();
  ++row.members;
  const auto width = static_cast<std::size_t>(months.back() - months.front() + 1);
  if (row.active.size() < width) row.active.resize(width, 0);
  for (int64_t m : months) ++row.active[static_cast<std::size_t>(m - months.front())];
  return {};
}

std::vector<CohortRow> CohortBuilder::rows() const {
  std::vector<CohortRow> out;
  out.reserve(cohorts_.size());
  for (const auto& [first, row] : cohorts_) {
    CohortRow padded = row;
    padded.active.resize(static_cast<std::size_t>(last_month_ - first + 1), 0);
    out.push_back(std::move(padded));
  }
  return out;
}

}  // namespace patron::analytics
