// One member's calibration-period summary for BG/NBD and Gamma-Gamma, with
// the papers' conventions (Fader, Hardie & Lee 2005): purchases are grouped
// per calendar day (the caller numbers days in the program time zone), the
// calibration period holds the days up to and including the end day, and
//   x   = repeat purchase days (purchase days after the first)
//   t_x = (last purchase day - first purchase day) / 7, in weeks
//   T   = (end day - first purchase day) / 7, in weeks
//   Gamma-Gamma: x repeat transactions worth the sum of the repeat days'
//   values (the first day is left out, as in the papers).
// Pure; thread-safe.
//
// Fails (kInvalidArgument, field named) on a negative or too large value or a
// sum that overflows. A member with no purchase day up to the end day, or
// whose first purchase day is the end day (T = 0: the models need T > 0),
// has no summary (nullopt).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "analytics/bgnbd.h"
#include "analytics/gamma_gamma.h"
#include "core/error.h"

namespace patron::analytics {

struct PurchaseDay {
  int64_t day = 0;  // a local calendar day number (days since 1970-01-01)
  int64_t value_minor = 0;
};

struct CalibrationCustomer {
  BgnbdCustomer purchases;
  GammaGammaCustomer spend;
};

// `days` in any order; several purchases on one day are one purchase day.
Result<std::optional<CalibrationCustomer>> calibration_customer(std::span<const PurchaseDay> days,
                                                                int64_t end_day);

}  // namespace patron::analytics
