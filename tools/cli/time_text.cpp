#include "tools/cli/time_text.hpp"

#include <cstdio>
#include <ctime>

namespace liandong::cli {

std::string format_utc(std::int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[80];  // room for any int the compiler can imagine, so -Wformat-truncation stays quiet
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(unix_ms % 1000));
  return buf;
}

Result<std::int64_t> parse_time(const std::string& text) {
  const Status bad(ErrorCode::kInvalidValue,
                   "'" + text + "' is not a time: use 2026-11-25, 2026-11-25T07:30[:15][Z] (UTC) or Unix milliseconds");
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 15) return bad;
    return std::stoll(text);
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  char sep = 0;
  int used = 0;
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2d%n%c%2d:%2d%n:%2d%n", &y, &mo, &d, &used, &sep, &h, &mi,
                                 &used, &s, &used);
  if (fields != 3 && fields != 6 && fields != 7) return bad;
  if (fields >= 6 && sep != 'T' && sep != ' ') return bad;
  std::string rest = text.substr(static_cast<std::size_t>(used));
  if (!(rest.empty() || rest == "Z")) return bad;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000;
}

}  // namespace liandong::cli
