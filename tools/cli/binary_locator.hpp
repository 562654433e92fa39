// Finding the programs `liandong up` starts: next to the running `liandong`, then in the build
// tree's sibling directory (build/tools/liandong -> build/broker/liandong-broker), then on PATH.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace liandong::cli {

// The places to look, in order: exe_dir/binary, exe_dir/../build_subdir/binary, then each PATH
// entry (`path_env`, colon-separated; empty entries mean the current directory).
std::vector<std::filesystem::path> binary_candidates(std::string_view binary, std::string_view build_subdir,
                                                     const std::filesystem::path& exe_dir,
                                                     std::string_view path_env);

// The directory of the running executable (/proc/self/exe).
std::filesystem::path running_executable_dir();

// The first candidate that is an executable file; the error lists where it looked.
Result<std::filesystem::path> find_binary(std::string_view binary, std::string_view build_subdir);

}  // namespace liandong::cli
