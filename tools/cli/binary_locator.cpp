#include "tools/cli/binary_locator.hpp"

#include <unistd.h>

#include <cstdlib>
#include <system_error>

namespace liandong::cli {

namespace fs = std::filesystem;

std::vector<fs::path> binary_candidates(std::string_view binary, std::string_view build_subdir,
                                        const fs::path& exe_dir, std::string_view path_env) {
  std::vector<fs::path> out;
  if (!exe_dir.empty()) {
    out.push_back(exe_dir / binary);
    if (!build_subdir.empty()) out.push_back((exe_dir / ".." / build_subdir / binary).lexically_normal());
  }
  std::size_t start = 0;
  while (start <= path_env.size() && !path_env.empty()) {
    const std::size_t end = std::min(path_env.find(':', start), path_env.size());
    const std::string_view dir = path_env.substr(start, end - start);
    out.push_back(fs::path(dir.empty() ? "." : dir) / binary);
    start = end + 1;
  }
  return out;
}

fs::path running_executable_dir() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? fs::path() : exe.parent_path();
}

Result<fs::path> find_binary(std::string_view binary, std::string_view build_subdir) {
  const fs::path exe_dir = running_executable_dir();
  const char* path_env = std::getenv("PATH");
  for (const fs::path& candidate : binary_candidates(binary, build_subdir, exe_dir, path_env ? path_env : "")) {
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return fs::absolute(candidate, ec).lexically_normal();
    }
  }
  std::string looked = exe_dir.string();
  if (!build_subdir.empty()) looked += ", " + (exe_dir / ".." / build_subdir).lexically_normal().string();
  return Status(ErrorCode::kIo, "cannot find " + std::string(binary) + ": looked in " + looked + " and PATH");
}

}  // namespace liandong::cli
