// WorkingCalendar: working hours elapsed across lunch breaks, nights, weekends, holidays and
// adjusted working days (调休), on the Zhuji calendar (+08:00, Mon-Fri 08:30-12:00, 14:00-17:30).
#include <catch2/catch.hpp>

#include "services/router/working_calendar.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {
// Local +08:00 wall time as Unix ms; dates as days since 1970 checked against `date -u`.
constexpr std::int64_t kFriday20260306 = 20518;  // 2026-03-06 is a Friday
Millis local(std::int64_t day, int hour, int minute = 0) {
  return day * 86'400'000 + (hour * 60 + minute - 8 * 60) * 60'000LL;
}

WorkingCalendar zhuji() {
  WorkingCalendar c;
  c.set_utc_offset_minutes(8 * 60);
  REQUIRE(c.set_working_days({1, 2, 3, 4, 5}));
  REQUIRE(c.set_working_hours({{8 * 60 + 30, 12 * 60}, {14 * 60, 17 * 60 + 30}}));
  return c;
}
}  // namespace

TEST_CASE("dates and clocks parse as the config spells them", "[unit][router][calendar]") {
  CHECK(WorkingCalendar::days_from_civil(1970, 1, 1) == 0);
  CHECK(WorkingCalendar::days_from_civil(2026, 3, 6) == kFriday20260306);
  CHECK(WorkingCalendar::parse_date("2026-03-06") == kFriday20260306);
  CHECK_FALSE(WorkingCalendar::parse_date("2026-02-30"));
  CHECK_FALSE(WorkingCalendar::parse_date("2026-3-6"));
  CHECK(WorkingCalendar::parse_clock("08:30") == 510);
  CHECK(WorkingCalendar::parse_clock("24:00") == 1440);
  CHECK_FALSE(WorkingCalendar::parse_clock("24:30"));
  CHECK_FALSE(WorkingCalendar::parse_clock("8:30"));
  CHECK(WorkingCalendar::parse_offset("+08:00") == 480);
  CHECK(WorkingCalendar::parse_offset("-03:30") == -210);
  CHECK_FALSE(WorkingCalendar::parse_offset("08:00"));
  CHECK(WorkingCalendar::parse_weekday("sat") == 6);
  CHECK_FALSE(WorkingCalendar::parse_weekday("Saturday"));
}

TEST_CASE("bad working hours are refused", "[unit][router][calendar]") {
  WorkingCalendar c;
  CHECK_FALSE(c.set_working_hours({}));
  CHECK_FALSE(c.set_working_hours({{600, 540}}));              // ends before it starts
  CHECK_FALSE(c.set_working_hours({{540, 720}, {700, 800}}));  // overlapping
  CHECK_FALSE(c.set_working_days({}));
  CHECK_FALSE(c.set_working_days({7}));
}

TEST_CASE("working hours skip lunch, nights and weekends", "[unit][router][calendar]") {
  const auto c = zhuji();
  const auto fri = kFriday20260306;
  const auto mon = fri + 3;
  SECTION("Friday afternoon + 4 h lands Monday morning") {
    // 16:00-17:30 Friday is 1.5 h; 2.5 h more from 08:30 Monday.
    CHECK(c.add_working_hours(local(fri, 16), 4) == local(mon, 11));
  }
  SECTION("the lunch break does not count") {
    CHECK(c.add_working_hours(local(mon, 11), 2) == local(mon, 15));
    CHECK(c.add_working_hours(local(mon, 11), 1) == local(mon, 12));  // exactly the end of the morning
  }
  SECTION("a start outside working hours counts from the next working minute") {
    CHECK(c.add_working_hours(local(fri, 20), 1) == local(mon, 9, 30));      // Friday evening
    CHECK(c.add_working_hours(local(fri + 1, 10), 1) == local(mon, 9, 30));  // Saturday
    CHECK(c.add_working_hours(local(mon, 6), 1) == local(mon, 9, 30));       // before opening
    CHECK(c.add_working_hours(local(mon, 12, 30), 1) == local(mon, 15));     // during lunch
  }
  SECTION("fractional hours") {
    CHECK(c.add_working_hours(local(mon, 9), 0.5) == local(mon, 9, 30));
    CHECK(c.add_working_hours(local(mon, 11, 45), 0.25) == local(mon, 12));
    CHECK(c.add_working_hours(local(mon, 11, 45), 0.5) == local(mon, 14, 15));
  }
  SECTION("zero hours is the start itself, even at night") {
    CHECK(c.add_working_hours(local(fri, 22), 0) == local(fri, 22));
  }
  SECTION("a whole working week is 35 hours") {
    CHECK(c.add_working_hours(local(mon, 8, 30), 35) == local(mon + 4, 17, 30));
    CHECK(c.add_working_hours(local(mon, 8, 30), 35.5) == local(mon + 7, 9));
  }
  SECTION("is_working_time") {
    CHECK(c.is_working_time(local(mon, 8, 30)));
    CHECK_FALSE(c.is_working_time(local(mon, 12)));
    CHECK_FALSE(c.is_working_time(local(fri + 1, 10)));
  }
}

TEST_CASE("holidays are skipped and adjusted weekend days count", "[unit][router][calendar]") {
  auto c = zhuji();
  const auto fri = kFriday20260306;
  const auto mon = fri + 3;
  c.set_holidays({mon, mon + 1});      // Monday and Tuesday off
  c.set_extra_working_days({fri + 2}); // Sunday worked instead (调休)
  // Friday 1.5 h, Sunday 7 h, then Wednesday.
  CHECK(c.add_working_hours(local(fri, 16), 4) == local(fri + 2, 11));
  CHECK(c.add_working_hours(local(fri, 16), 10) == local(mon + 2, 10));
  CHECK_FALSE(c.is_working_day(mon));
  CHECK(c.is_working_day(fri + 2));
}

TEST_CASE("local times read as the deployment's clock", "[unit][router][calendar]") {
  const auto c = zhuji();
  CHECK(c.local_text(local(kFriday20260306, 16)) == "2026-03-06 16:00 +08:00");
  WorkingCalendar west;
  west.set_utc_offset_minutes(-210);
  CHECK(west.local_text(0) == "1969-12-31 20:30 -03:30");
}
