#include "bench/process_usage.hpp"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace liandong::bench {

std::optional<ProcessUsage> read_process_usage(pid_t pid) {
  const std::string dir = pid == 0 ? "/proc/self" : "/proc/" + std::to_string(pid);
  std::ifstream stat(dir + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return std::nullopt;
  // The command name (field 2) may hold spaces; fields are counted after its closing parenthesis.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  std::string field;
  unsigned long utime = 0, stime = 0;
  for (int index = 3; fields >> field; ++index) {  // field 3 is the state
    if (index == 14) utime = std::stoul(field);
    if (index == 15) {
      stime = std::stoul(field);
      break;
    }
  }
  ProcessUsage usage;
  usage.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status(dir + "/status");
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) usage.peak_rss_mb = std::stod(line.substr(6)) / 1024.0;  // kB
  }
  return usage;
}

}  // namespace liandong::bench
