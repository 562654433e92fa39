// Logging for every Liandong process (spdlog underneath) and the personal-data masks that every
// log line about a caller must go through: phone numbers and names never reach a log in clear.
#pragma once

#include <spdlog/spdlog.h>

#include <string>
#include <string_view>

#include "core/status.hpp"

namespace liandong {

// Sets the default logger: "2026-11-25 07:30:01.123 broker  INFO  message" on stderr, or, when
// `file` is not empty, appended to that file instead. `level` is one of trace, debug, info, warn,
// error, off. Why not both: a supervisor keeps a service's stderr (`liandong up`:
// logs/<service>.out, which must show what it printed before its log opened, and crashes), and a
// second copy of the whole log there hides exactly those lines. (`up` itself, whose stderr is the
// operator's terminal, adds a stderr sink to the default logger.)
Status init_logging(std::string_view service, std::string_view level, const std::string& file = "");

// "13812345678" -> "138****5678"; short numbers keep only their last two digits ("****34").
// Non-digits (+, -, spaces) are kept so the shape stays readable.
std::string mask_phone(std::string_view phone);
// "张三丰" -> "张**", "Li Wei" -> "L*****": the first character (UTF-8 aware) stays.
std::string mask_name(std::string_view name);
// Free text: every run of 7 or more digits (a phone number inside "call me on 13812345678")
// is masked as mask_phone would.
std::string mask_text(std::string_view text);

}  // namespace liandong
