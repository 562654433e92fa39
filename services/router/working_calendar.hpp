// Working time (workflows.toml, [calendar]): which instants are working hours, and when a number
// of working hours counted from an instant has elapsed. Pure and deterministic: the router's
// workflow timers with clock = "working" (a 96345 work order's answer within N working hours)
// are computed with it from the event's time, so a replay gives the same deadlines.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace liandong::router {

class WorkingCalendar {
 public:
  // A [start, end) period of a working day, in minutes after local midnight.
  struct Period {
    int start_min = 0;
    int end_min = 0;
  };

  // Monday to Friday, 09:00-17:00, UTC: a neutral default; deployments set their own.
  WorkingCalendar();

  // Setters used by the loader; each returns false (and changes nothing) on a value that cannot
  // make a working calendar, so the caller can name the bad key.
  void set_utc_offset_minutes(int minutes) { offset_ms_ = static_cast<Millis>(minutes) * 60'000; }
  // weekday: 0 Sunday .. 6 Saturday.
  bool set_working_days(const std::set<int>& weekdays);
  // Periods must be non-empty, each start < end within 00:00..24:00, sorted and not overlapping.
  bool set_working_hours(std::vector<Period> periods);
  // Dates as days since 1970-01-01 (local calendar dates).
  void set_holidays(std::set<std::int64_t> days) { holidays_ = std::move(days); }
  void set_extra_working_days(std::set<std::int64_t> days) { extra_days_ = std::move(days); }

  // The instant (Unix ms) when `hours` of working time counted from `start` have elapsed; time
  // outside working hours (nights, lunch breaks, weekends, holidays) does not count. Zero hours
  // is `start` itself; a start outside working hours begins counting at the next working minute.
  Millis add_working_hours(Millis start, double hours) const;
  bool is_working_time(Millis at) const;
  bool is_working_day(std::int64_t local_day) const;
  // "2026-03-09 11:00 +08:00": an instant as the deployment's local time, for timelines.
  std::string local_text(Millis at) const;

  // Parsers for the config's spellings; nullopt when malformed.
  static std::optional<int> parse_offset(const std::string& text);     // "+08:00" -> 480
  static std::optional<int> parse_clock(const std::string& text);      // "08:30" -> 510, "24:00" -> 1440
  static std::optional<std::int64_t> parse_date(const std::string& text);  // "2026-10-01" -> days
  static std::optional<int> parse_weekday(const std::string& text);    // "mon" -> 1

  // Days since 1970-01-01 of a proleptic Gregorian date, and back.
  static std::int64_t days_from_civil(int year, unsigned month, unsigned day);

 private:
  Millis offset_ms_ = 0;
  std::set<int> weekdays_;
  std::vector<Period> periods_;
  std::set<std::int64_t> holidays_;
  std::set<std::int64_t> extra_days_;
};

}  // namespace liandong::router
