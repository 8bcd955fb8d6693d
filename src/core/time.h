// Instants and calendar arithmetic. Instants are UTC seconds; calendar rules
// (end of month, "from 00:00 the next day") are computed in a program time zone
// passed in as a resolved `const date::time_zone*` (the app resolves names at
// start-up, so the core never touches the tz database by name). The core never
// reads a clock: every command carries its `now`.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace date {
class time_zone;
}

namespace patron {

using Instant = std::chrono::sys_seconds;

inline constexpr int64_t kSecondsPerDay = 86'400;

inline int64_t to_unix_seconds(Instant t) {
  return t.time_since_epoch().count();
}
inline Instant from_unix_seconds(int64_t s) {
  return Instant{std::chrono::seconds{s}};
}

// Parses ISO 8601: "2026-11-23", "2026-11-23T10:00", "2026-11-23T10:00:00",
// "...Z", "...+08:00" (also with a space instead of 'T'). Without an offset the
// local time is in `zone`; a date alone means 00:00 local. Rejects anything else.
Result<Instant> parse_instant(std::string_view text, const date::time_zone* zone,
                              std::string_view field);

// Parses a calendar date "YYYY-MM-DD" (e.g. a birthday) and checks it exists.
Result<std::chrono::year_month_day> parse_date(std::string_view text, std::string_view field);

// "2026-11-23T02:00:00Z"
std::string format_instant(Instant t);
std::string format_date(std::chrono::year_month_day d);

enum class CalendarUnit { kDay, kMonth, kQuarter, kYear };

// The first instant of the calendar period after the one containing `t`, in
// `zone`: the next local midnight, the first of next month, of next quarter,
// of next year. An expiry at "end of month" is exclusive at this instant.
Instant start_of_next_period(Instant t, CalendarUnit unit, const date::time_zone* zone);

// Local midnight `days` calendar days after the local date of `t` (DST-safe:
// counts dates, not 24-hour spans).
Instant local_midnight_after(Instant t, int64_t days, const date::time_zone* zone);

// 00:00 local on date `d` in `zone` (the earliest valid instant on a DST gap).
Instant local_midnight(std::chrono::year_month_day d, const date::time_zone* zone);

// `d` moved by whole calendar months, the day clamped to the month's last
// (31 Mar - 1 month = 28/29 Feb).
std::chrono::year_month_day add_months(std::chrono::year_month_day d, int64_t months);

// The local calendar date of `t` in `zone`.
std::chrono::year_month_day local_date(Instant t, const date::time_zone* zone);

}  // namespace patron
