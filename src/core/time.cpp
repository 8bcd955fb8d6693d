#include "core/time.h"

#include <date/date.h>
#include <date/tz.h>

#include <algorithm>
#include <charconv>

namespace patron {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

bool parse_int(std::string_view s, int& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

Instant from_local(date::local_seconds local, const date::time_zone* zone) {
  // Ambiguous or nonexistent local times (DST changes) resolve to the earliest
  // valid instant; Asia/Taipei has no DST, Europe/London does.
  auto info = zone->get_info(local);
  switch (info.result) {
    case date::local_info::unique:
      return Instant{local.time_since_epoch() - info.first.offset};
    case date::local_info::ambiguous:
      return Instant{local.time_since_epoch() - info.first.offset};
    case date::local_info::nonexistent:
      return Instant{info.second.begin};
  }
  return Instant{local.time_since_epoch() - info.first.offset};
}

}  // namespace

Result<std::chrono::year_month_day> parse_date(std::string_view text, std::string_view field) {
  auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument, std::string(field),
                "expected a date YYYY-MM-DD, got '" + std::string(text) + "'");
  };
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return bad();
  int y = 0, m = 0, d = 0;
  if (!parse_int(text.substr(0, 4), y) || !parse_int(text.substr(5, 2), m) ||
      !parse_int(text.substr(8, 2), d)) {
    return bad();
  }
  std::chrono::year_month_day ymd{std::chrono::year{y},
                                  std::chrono::month{static_cast<unsigned>(m)},
                                  std::chrono::day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || y < 1900 || y > 9999) return bad();
  return ymd;
}

Result<Instant> parse_instant(std::string_view text, const date::time_zone* zone,
                              std::string_view field) {
  auto bad = [&] {
    return fail(ErrorCode::kInvalidArgument, std::string(field),
                "expected an ISO 8601 time such as 2026-11-23T10:00:00+08:00, got '" +
                    std::string(text) + "'");
  };
  if (text.size() < 10) return bad();
  auto ymd = parse_date(text.substr(0, 10), field);
  if (!ymd) return bad();
  std::string_view rest = text.substr(10);
  int hh = 0, mm = 0, ss = 0;
  if (!rest.empty()) {
    if (rest.front() != 'T' && rest.front() != ' ') return bad();
    rest.remove_prefix(1);
    if (rest.size() < 5 || rest[2] != ':') return bad();
    if (!parse_int(rest.substr(0, 2), hh) || !parse_int(rest.substr(3, 2), mm)) return bad();
    rest.remove_prefix(5);
    if (!rest.empty() && rest.front() == ':') {
      if (rest.size() < 3 || !parse_int(rest.substr(1, 2), ss)) return bad();
      rest.remove_prefix(3);
      // Fractional seconds are accepted and truncated: the ledger keeps seconds.
      if (!rest.empty() && rest.front() == '.') {
        rest.remove_prefix(1);
        std::size_t n = 0;
        while (n < rest.size() && rest[n] >= '0' && rest[n] <= '9') ++n;
        if (n == 0) return bad();
        rest.remove_prefix(n);
      }
    }
    if (hh > 23 || mm > 59 || ss > 59) return bad();
  }
  auto local =
      date::local_days{date::year{static_cast<int>(ymd->year())} /
                       static_cast<unsigned>(ymd->month()) / static_cast<unsigned>(ymd->day())} +
      hours{hh} + minutes{mm} + seconds{ss};
  if (rest.empty()) {
    if (zone == nullptr) return bad();
    return from_local(local, zone);
  }
  if (rest == "Z" || rest == "z") return Instant{local.time_since_epoch()};
  if ((rest.front() == '+' || rest.front() == '-') && rest.size() == 6 && rest[3] == ':') {
    int oh = 0, om = 0;
    if (!parse_int(rest.substr(1, 2), oh) || !parse_int(rest.substr(4, 2), om) || oh > 23 ||
        om > 59) {
      return bad();
    }
    seconds offset = hours{oh} + minutes{om};
    if (rest.front() == '-') offset = -offset;
    return Instant{local.time_since_epoch() - offset};
  }
  return bad();
}

std::string format_instant(Instant t) {
  // Hand-rolled: date::format goes through an ostream and a locale, which cost
  // a quarter of the write path's CPU when responses carry timestamps.
  auto day = date::floor<date::days>(t);
  date::year_month_day ymd{day};
  auto since_midnight = t - day;
  int64_t secs = since_midnight.count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

std::string format_date(std::chrono::year_month_day d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

Instant local_midnight(std::chrono::year_month_day d, const date::time_zone* zone) {
  std::chrono::sys_days days{d};
  return from_local(date::local_seconds{days.time_since_epoch()}, zone);
}

std::chrono::year_month_day add_months(std::chrono::year_month_day d, int64_t months) {
  using namespace std::chrono;
  year_month ym = year_month{d.year(), d.month()} + std::chrono::months{months};
  auto last = year_month_day_last{ym.year(), month_day_last{ym.month()}}.day();
  return year_month_day{ym.year(), ym.month(), std::min(d.day(), last)};
}

std::chrono::year_month_day local_date(Instant t, const date::time_zone* zone) {
  auto local_day = date::floor<date::days>(zone->to_local(t));
  return std::chrono::year_month_day{std::chrono::sys_days{local_day.time_since_epoch()}};
}

Instant local_midnight_after(Instant t, int64_t days, const date::time_zone* zone) {
  auto local_day = date::floor<date::days>(zone->to_local(t)) + date::days{days};
  return from_local(date::local_seconds{local_day.time_since_epoch()}, zone);
}

Instant start_of_next_period(Instant t, CalendarUnit unit, const date::time_zone* zone) {
  auto local = zone->to_local(t);
  auto local_day = date::floor<date::days>(local);
  date::year_month_day ymd{local_day};
  date::local_days next;
  switch (unit) {
    case CalendarUnit::kDay:
      next = local_day + date::days{1};
      break;
    case CalendarUnit::kMonth:
      next = date::local_days{(ymd.year() / ymd.month() / 1) + date::months{1}};
      break;
    case CalendarUnit::kQuarter: {
      unsigned m = static_cast<unsigned>(ymd.month());
      unsigned first = ((m - 1) / 3) * 3 + 1;
      next = date::local_days{(ymd.year() / date::month{first} / 1) + date::months{3}};
      break;
    }
    case CalendarUnit::kYear:
      next = date::local_days{(ymd.year() + date::years{1}) / 1 / 1};
      break;
  }
  return from_local(date::local_seconds{next.time_since_epoch()}, zone);
}

}  // namespace patron
