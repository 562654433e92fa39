// Which configuration `liandong up` and `liandong demo` use without --config (README,
// "Installing"): config/liandong.toml of the current directory when it has one (a source tree:
// `make up`, the README's commands), else the installed one beside the programs
// (PREFIX/bin/liandong -> PREFIX/share/liandong/liandong.toml). Its relative paths (the
// deployment directory) are read against the file's own directory, so either works from any cwd.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace liandong::cli {

struct ConfigCandidate {
  std::filesystem::path file;  // absolute
  std::string origin;          // "the current directory's", "the installed default"
};

// The places looked at, in order: `cwd`/config/liandong.toml, then
// `exe_dir`/<share dir relative to the binaries>/liandong.toml.
std::vector<ConfigCandidate> default_config_candidates(const std::filesystem::path& cwd,
                                                       const std::filesystem::path& exe_dir);

// The first candidate that is a file; the error names every place looked at and --config.
Result<ConfigCandidate> find_default_config(const std::filesystem::path& cwd, const std::filesystem::path& exe_dir);

}  // namespace liandong::cli
