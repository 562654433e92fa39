// CPU time and memory of a running process from /proc, so the report can say which process was
// busy (a saturated core bounds a rate) and how much memory it held.
#pragma once

#include <sys/types.h>

#include <optional>

namespace liandong::bench {

struct ProcessUsage {
  double cpu_seconds = 0;   // user + system time so far
  double peak_rss_mb = 0;   // VmHWM
};

// Reads /proc/PID/stat and /proc/PID/status; nothing when the process is gone. pid 0 = this process.
std::optional<ProcessUsage> read_process_usage(pid_t pid);

}  // namespace liandong::bench
