// What a benchmark result was measured on: cores, CPU model, kernel, the file system the
// databases were written to (fsync on tmpfs costs nothing), SQLite's version, and the commit.
#pragma once

#include <string>

namespace liandong::bench {

struct MachineInfo {
  unsigned nproc = 0;
  std::string cpu_model;       // "model name" of /proc/cpuinfo
  std::string kernel;          // uname -sr
  std::string data_filesystem; // file system of the directory holding the databases ("ext4", "tmpfs")
  std::string sqlite_version;
  std::string git_commit;      // `git rev-parse HEAD` of the source tree, or "unknown"
  bool git_dirty = false;      // the tree had uncommitted changes
  std::string build_type;
  // 1-minute load average when the run started and ended: other work on a shared machine takes
  // cores and disk flushes from the processes measured, so a high value discounts the figures.
  double load_at_start = -1;
  double load_at_end = -1;
};

// Never fails: a figure that cannot be read is "unknown".
MachineInfo read_machine_info(const std::string& source_dir, const std::string& data_dir);

// The 1-minute load average from /proc/loadavg; -1 when unreadable.
double load_average();

}  // namespace liandong::bench
