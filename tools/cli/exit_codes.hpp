// Exit statuses of the `liandong` CLI (DESIGN.md, "The CLI") and the one way it reports an
// error: a single line on stderr, prefixed "liandong: ".
#pragma once

#include <string_view>

namespace liandong::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;   // the command ran and failed (no answer, a child died)
inline constexpr int kExitUsage = 2;     // bad options or arguments

// Prints "liandong: <reason>" on stderr (newlines in `reason` become spaces) and returns `code`.
int fail(int code, std::string_view reason);

}  // namespace liandong::cli
