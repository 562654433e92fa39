#include "services/router/working_calendar.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstdio>

namespace liandong::router {

namespace {
constexpr Millis kDayMs = 86'400'000;
constexpr Millis kMinuteMs = 60'000;

std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

struct Civil {
  int year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's civil_from_days: exact for every date the router will ever see.
Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2)), m, d};
}

bool digits(const std::string& s, std::size_t from, std::size_t n) {
  if (s.size() < from + n) return false;
  for (std::size_t i = from; i < from + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

int number(const std::string& s, std::size_t from, std::size_t n) { return std::stoi(s.substr(from, n)); }
}  // namespace

WorkingCalendar::WorkingCalendar() : weekdays_{1, 2, 3, 4, 5}, periods_{{9 * 60, 17 * 60}} {}

std::int64_t WorkingCalendar::days_from_civil(int year, unsigned month, unsigned day) {
  const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2);
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool WorkingCalendar::set_working_days(const std::set<int>& weekdays) {
  if (weekdays.empty()) return false;
  for (int w : weekdays) {
    if (w < 0 || w > 6) return false;
  }
  weekdays_ = weekdays;
  return true;
}

bool WorkingCalendar::set_working_hours(std::vector<Period> periods) {
  if (periods.empty()) return false;
  int previous_end = 0;
  for (const auto& p : periods) {
    if (p.start_min < previous_end || p.start_min >= p.end_min || p.end_min > 24 * 60) return false;
    previous_end = p.end_min;
  }
  periods_ = std::move(periods);
  return true;
}

bool WorkingCalendar::is_working_day(std::int64_t local_day) const {
  if (extra_days_.contains(local_day)) return true;
  if (holidays_.contains(local_day)) return false;
  // 1970-01-01 was a Thursday (weekday 4).
  const auto weekday = static_cast<int>(((local_day % 7) + 7 + 4) % 7);
  return weekdays_.contains(weekday);
}

bool WorkingCalendar::is_working_time(Millis at) const {
  const Millis local = at + offset_ms_;
  const std::int64_t day = floor_div(local, kDayMs);
  if (!is_working_day(day)) return false;
  const Millis since_midnight = local - day * kDayMs;
  for (const auto& p : periods_) {
    if (since_midnight >= p.start_min * kMinuteMs && since_midnight < p.end_min * kMinuteMs) return true;
  }
  return false;
}

Millis WorkingCalendar::add_working_hours(Millis start, double hours) const {
  Millis remaining = std::llround(hours * 3'600'000.0);
  if (remaining <= 0) return start;
  Millis local = start + offset_ms_;
  std::int64_t day = floor_div(local, kDayMs);
  // Holidays and weekends are finite sets, so a working day comes within a few weeks; the bound
  // only guards against a calendar the loader should have refused.
  for (int guard = 0; guard < 366 * 20; ++guard, ++day) {
    if (!is_working_day(day)) continue;
    const Millis midnight = day * kDayMs;
    for (const auto& p : periods_) {
      const Millis end = midnight + p.end_min * kMinuteMs;
      if (local >= end) continue;
      const Millis from = std::max(local, midnight + p.start_min * kMinuteMs);
      if (remaining <= end - from) return from + remaining - offset_ms_;
      remaining -= end - from;
      local = end;
    }
  }
  assert(false && "a working calendar without working time");
  return start;
}

std::string WorkingCalendar::local_text(Millis at) const {
  const Millis local = at + offset_ms_;
  const std::int64_t day = floor_div(local, kDayMs);
  const Civil c = civil_from_days(day);
  const auto minutes = static_cast<int>((local - day * kDayMs) / kMinuteMs);
  const auto offset = static_cast<int>(offset_ms_ / kMinuteMs);
  const int abs_offset = offset < 0 ? -offset : offset;
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02u-%02u %02d:%02d %c%02d:%02d", c.year, c.month, c.day, minutes / 60,
                minutes % 60, offset < 0 ? '-' : '+', abs_offset / 60, abs_offset % 60);
  return out;
}

std::optional<int> WorkingCalendar::parse_offset(const std::string& text) {
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':' || !digits(text, 1, 2) ||
      !digits(text, 4, 2)) {
    return std::nullopt;
  }
  const int h = number(text, 1, 2);
  const int m = number(text, 4, 2);
  if (h > 14 || m > 59) return std::nullopt;
  return (text[0] == '-' ? -1 : 1) * (h * 60 + m);
}

std::optional<int> WorkingCalendar::parse_clock(const std::string& text) {
  if (text.size() != 5 || text[2] != ':' || !digits(text, 0, 2) || !digits(text, 3, 2)) return std::nullopt;
  const int h = number(text, 0, 2);
  const int m = number(text, 3, 2);
  if (m > 59 || h > 24 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::optional<std::int64_t> WorkingCalendar::parse_date(const std::string& text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !digits(text, 0, 4) || !digits(text, 5, 2) ||
      !digits(text, 8, 2)) {
    return std::nullopt;
  }
  const int y = number(text, 0, 4);
  const auto m = static_cast<unsigned>(number(text, 5, 2));
  const auto d = static_cast<unsigned>(number(text, 8, 2));
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const std::int64_t days = days_from_civil(y, m, d);
  // Reject 2026-02-30 and the like: the date must read back as itself.
  const Civil back = civil_from_days(days);
  if (back.month != m || back.day != d) return std::nullopt;
  return days;
}

std::optional<int> WorkingCalendar::parse_weekday(const std::string& text) {
  static const char* kNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
  for (int i = 0; i < 7; ++i) {
    if (text == kNames[i]) return i;
  }
  return std::nullopt;
}

}  // namespace liandong::router
