#include "tools/cli/duration_text.hpp"

#include <cstdio>

namespace liandong::cli {

std::string format_duration(Millis ms) {
  if (ms < 0) ms = 0;
  char buf[48];
  if (ms < 1000) {
    std::snprintf(buf, sizeof buf, "%lld ms", static_cast<long long>(ms));
  } else if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(ms) / 1000.0);
  } else {
    const long long s = ms / 1000;
    if (s < 3600) {
      std::snprintf(buf, sizeof buf, "%lldm %02llds", s / 60, s % 60);
    } else if (s < 86'400) {
      std::snprintf(buf, sizeof buf, "%lldh %02lldm", s / 3600, (s % 3600) / 60);
    } else {
      std::snprintf(buf, sizeof buf, "%lldd %02lldh", s / 86'400, (s % 86'400) / 3600);
    }
  }
  return buf;
}

}  // namespace liandong::cli
