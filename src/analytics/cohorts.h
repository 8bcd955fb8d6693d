// Retention by first-purchase month (issue 8 item 3): each member belongs to
// the cohort of the calendar month of their first purchase; a cohort's row
// counts, for every month from that one to the last month seen, how many of
// its members purchased in that month. Months are whole local calendar months
// numbered by month_number (the caller converts instants with the program
// time zone). Pure; a CohortBuilder is used by one thread at a time.
//
//   members    the cohort's size
//   active[k]  members of the cohort with a purchase in month first + k
//              (active[0] = members)
//   retention  active[k] / members
//
// Fails (kInvalidArgument) on a member without purchase months, a month
// outside kMonthNumberMin..kMonthNumberMax, or months spanning more than
// kCohortMonthsMax.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <vector>

#include "core/error.h"

namespace patron::analytics {

// A month as one number: year * 12 + (month - 1).
int64_t month_number(std::chrono::year_month_day date);
std::chrono::year_month month_of(int64_t number);

// Years 1900..9999: what a shop's order history can hold.
inline constexpr int64_t kMonthNumberMin = 1900 * 12;
inline constexpr int64_t kMonthNumberMax = 9999 * 12 + 11;
// A hundred years of months: bounds the matrix to 100 x 1200 counts per cohort.
inline constexpr int64_t kCohortMonthsMax = 1'200;

struct CohortRow {
  int64_t first_month = 0;  // month_number of the cohort's month
  int64_t members = 0;
  std::vector<int64_t> active;  // active[k]: members purchasing in first_month + k
};

class CohortBuilder {
 public:
  // One member's purchase months, in any order, repeats allowed.
  Result<void> add_member(std::span<const int64_t> purchase_months);
  // Cohorts oldest first, each row running to the last month any member bought in.
  std::vector<CohortRow> rows() const;

 private:
  std::map<int64_t, CohortRow> cohorts_;
  int64_t last_month_ = kMonthNumberMin;
};

}  // namespace patron::analytics
