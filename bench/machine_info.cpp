#include "bench/machine_info.hpp"

#include <sqlite3.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <map>

namespace liandong::bench {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown";
}

std::string filesystem_of(const std::string& dir) {
  struct statfs fs {};
  if (statfs(dir.c_str(), &fs) != 0) return "unknown";
  static const std::map<long, std::string> kNames = {
      {0xEF53, "ext4"}, {0x58465342, "xfs"}, {0x9123683E, "btrfs"}, {0x01021994, "tmpfs"},
      {0x794C7630, "overlayfs"}, {0x6969, "nfs"}, {0x2FC12FC1, "zfs"}, {0xF2F52010, "f2fs"}};
  const auto it = kNames.find(static_cast<long>(fs.f_type));
  if (it != kNames.end()) return it->second;
  char hex[32];
  std::snprintf(hex, sizeof hex, "0x%lx", static_cast<unsigned long>(fs.f_type));
  return hex;
}

// The first line a shell command prints, or "" (git missing, not a repository).
std::string first_line_of(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return "";
  std::array<char, 256> buffer{};
  std::string out;
  if (std::fgets(buffer.data(), buffer.size(), pipe) != nullptr) out = buffer.data();
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

double load_average() {
  std::ifstream in("/proc/loadavg");
  double one_minute = -1;
  if (!(in >> one_minute)) return -1;
  return one_minute;
}

MachineInfo read_machine_info(const std::string& source_dir, const std::string& data_dir) {
  MachineInfo m;
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  m.nproc = cores > 0 ? static_cast<unsigned>(cores) : 0;
  m.cpu_model = cpu_model();
  struct utsname u {};
  m.kernel = uname(&u) == 0 ? std::string(u.sysname) + " " + u.release : "unknown";
  m.data_filesystem = filesystem_of(data_dir);
  m.sqlite_version = sqlite3_libversion();
  m.load_at_start = load_average();
  const std::string git = "git -C '" + source_dir + "' ";
  m.git_commit = first_line_of(git + "rev-parse HEAD 2>/dev/null");
  if (m.git_commit.empty()) m.git_commit = "unknown";
  else m.git_dirty = !first_line_of(git + "status --porcelain --untracked-files=no 2>/dev/null").empty();
#ifdef LIANDONG_BUILD_TYPE
  m.build_type = LIANDONG_BUILD_TYPE;
#endif
  return m;
}

}  // namespace liandong::bench
