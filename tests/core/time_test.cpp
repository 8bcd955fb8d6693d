#include "core/time.h"

#include <date/tz.h>
#include <gtest/gtest.h>

namespace patron {
namespace {

const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}
const date::time_zone* london() {
  return date::locate_zone("Europe/London");
}

Instant utc(const char* text) {
  return *parse_instant(text, nullptr, "t");
}

TEST(Time, ParsesOffsetsAndLocalTimes) {
  EXPECT_EQ(format_instant(utc("2026-01-01T00:00:00Z")), "2026-01-01T00:00:00Z");
  EXPECT_EQ(format_instant(utc("2026-01-01T08:00:00+08:00")), "2026-01-01T00:00:00Z");
  EXPECT_EQ(format_instant(utc("2026-01-01T00:00-05:00")), "2026-01-01T05:00:00Z");
  EXPECT_EQ(format_instant(*parse_instant("2026-01-01", taipei(), "t")), "2025-12-31T16:00:00Z");
  EXPECT_EQ(format_instant(*parse_instant("2026-07-01 09:30", london(), "t")),
            "2026-07-01T08:30:00Z");
  EXPECT_EQ(format_instant(utc("2026-01-01T00:00:00.123Z")), "2026-01-01T00:00:00Z");
}

TEST(Time, RejectsMalformedTimes) {
  for (const char* bad : {"", "2026-13-01", "2026-02-30", "2026-01-01T25:00", "yesterday",
                          "2026-01-01T10:00+8", "2026-01-01Tx", "2026/01/01"}) {
    auto r = parse_instant(bad, taipei(), "expires_at");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().field, "expires_at");
  }
  EXPECT_FALSE(parse_instant("2026-01-01T10:00", nullptr, "t")) << "local time needs a zone";
}

TEST(Time, ParsesDatesIncludingLeapDays) {
  EXPECT_TRUE(parse_date("2024-02-29", "birthday"));
  EXPECT_FALSE(parse_date("2025-02-29", "birthday"));
  EXPECT_EQ(format_date(*parse_date("2000-12-31", "b")), "2000-12-31");
}

TEST(Time, StartOfNextPeriodUsesTheProgramZone) {
  // 2026-01-31 20:00 UTC is already 2026-02-01 04:00 in Taipei.
  Instant t = utc("2026-01-31T20:00:00Z");
  EXPECT_EQ(format_instant(start_of_next_period(t, CalendarUnit::kMonth, taipei())),
            "2026-02-28T16:00:00Z");
  EXPECT_EQ(format_instant(start_of_next_period(t, CalendarUnit::kMonth, london())),
            "2026-02-01T00:00:00Z");
  EXPECT_EQ(format_instant(start_of_next_period(t, CalendarUnit::kDay, taipei())),
            "2026-02-01T16:00:00Z");
  EXPECT_EQ(format_instant(start_of_next_period(t, CalendarUnit::kQuarter, taipei())),
            "2026-03-31T16:00:00Z");
  EXPECT_EQ(format_instant(start_of_next_period(t, CalendarUnit::kYear, taipei())),
            "2026-12-31T16:00:00Z");
  // London in summer: BST midnight is 23:00 UTC.
  EXPECT_EQ(format_instant(
                start_of_next_period(utc("2026-06-10T12:00:00Z"), CalendarUnit::kMonth, london())),
            "2026-06-30T23:00:00Z");
}

}  // namespace
}  // namespace patron
