// Times as operators type and read them: UTC ISO 8601 out, several forms in.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace liandong::cli {

// "2026-11-25T07:33:39.882Z"
std::string format_utc(std::int64_t unix_ms);

// Reads "2026-11-25", "2026-11-25T07:30", "2026-11-25 07:30:15", "2026-11-25T07:30:15Z" (all UTC)
// or plain Unix milliseconds ("1790000000000"). INVALID_VALUE names the text otherwise.
Result<std::int64_t> parse_time(const std::string& text);

}  // namespace liandong::cli
