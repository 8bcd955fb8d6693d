#include "analytics/calibration.h"

#include <algorithm>
#include <vector>

#include "core/limits.h"

namespace patron::analytics {

namespace {

constexpr double kDaysPerWeek = 7.0;

}  // namespace

Result<std::optional<CalibrationCustomer>> calibration_customer(std::span<const PurchaseDay> days,
                                                                int64_t end_day) {
  std::vector<PurchaseDay> in;
  in.reserve(days.size());
  for (const auto& d : days) {
    if (d.value_minor < 0 || d.value_minor > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, "value", "must be between 0 and 10^14");
    }
    if (d.day <= end_day) in.push_back(d);
  }
  if (in.empty()) return std::nullopt;
  std::sort(in.begin(), in.end(), [](const auto& a, const auto& b) { return a.day < b.day; });
  const int64_t first = in.front().day;
  if (first == end_day) return std::nullopt;
  CalibrationCustomer c;
  int64_t last = first;
  for (const auto& d : in) {
    if (d.day == first) continue;
    if (d.day != last) ++c.purchases.repeat_purchases;
    last = d.day;
    if (__builtin_add_overflow(c.spend.repeat_value_minor, d.value_minor,
                               &c.spend.repeat_value_minor)) {
      return fail(ErrorCode::kInvalidArgument, "value", "the repeat purchases' sum overflows");
    }
  }
  c.purchases.last_purchase_weeks = static_cast<double>(last - first) / kDaysPerWeek;
  c.purchases.age_weeks = static_cast<double>(end_day - first) / kDaysPerWeek;
  c.spend.repeat_transactions = c.purchases.repeat_purchases;
  return c;
}

}  // namespace patron::analytics
