// Unique, time-ordered identifiers (ULID layout): 48-bit wall milliseconds + 80 random bits,
// written as 26 characters of Crockford base32. Ids made by one generator sort in creation order,
// even within one millisecond; ids from different processes sort by time to the millisecond.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <string>

#include "core/clock.hpp"

namespace liandong {

class IdGenerator {
 public:
  explicit IdGenerator(const Clock& clock);
  // Thread-safe.
  std::string next();

 private:
  const Clock& clock_;
  std::mutex mu_;
  Millis last_ms_ = -1;
  std::array<std::uint8_t, 10> random_{};  // big-endian 80-bit counter within last_ms_
};

// A process-wide generator on the system clock, for code that has no generator of its own.
std::string new_message_id();

// True for a 26-character Crockford base32 string (upper case, no I L O U).
bool looks_like_ulid(const std::string& id);

}  // namespace liandong
