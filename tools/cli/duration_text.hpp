// Durations for people: "850 ms", "12.3 s", "2m 03s", "1h 02m", "3d 04h".
#pragma once

#include <string>

#include "core/clock.hpp"

namespace liandong::cli {

// Negative durations print as "0 ms".
std::string format_duration(Millis ms);

}  // namespace liandong::cli
