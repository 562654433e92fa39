#include "tools/cli/default_config.hpp"

#include <system_error>

#ifndef LIANDONG_SHARE_FROM_BIN
#define LIANDONG_SHARE_FROM_BIN "../share/liandong"  // set by CMake from GNUInstallDirs
#endif

namespace liandong::cli {

namespace fs = std::filesystem;

std::vector<ConfigCandidate> default_config_candidates(const fs::path& cwd, const fs::path& exe_dir) {
  std::vector<ConfigCandidate> out;
  out.push_back({(cwd / "config" / "liandong.toml").lexically_normal(), "the current directory's"});
  if (!exe_dir.empty()) {
    out.push_back({(exe_dir / LIANDONG_SHARE_FROM_BIN / "liandong.toml").lexically_normal(), "the installed default"});
  }
  return out;
}

Result<ConfigCandidate> find_default_config(const fs::path& cwd, const fs::path& exe_dir) {
  std::string looked;
  for (const ConfigCandidate& c : default_config_candidates(cwd, exe_dir)) {
    std::error_code ec;
    if (fs::is_regular_file(c.file, ec)) return c;
    looked += (looked.empty() ? "" : ", ") + c.file.string();
  }
  return Status(ErrorCode::kConfig, "no configuration found (looked for " + looked +
                                        "): pass --config FILE, or install Liandong (make install)");
}

}  // namespace liandong::cli
