// The audit event every benchmark run uses, so the raw SQLite ceiling and the runs through the bus
// write rows of the same shape and size: a 26-character ULID event id, an incident id, a type, an
// actor and a msgpack body of kEventBodyBytes bytes (an incident report is about that size).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/ids.hpp"
#include "schemas/messages.hpp"

namespace liandong::bench {

inline constexpr std::size_t kEventBodyBytes = 200;
inline constexpr std::size_t kEventsPerIncident = 8;  // a few state changes per incident
inline constexpr const char* kEventType = "incident.reported";
inline constexpr const char* kEventActor = "bench";

// A msgpack map of exactly `bytes` bytes ({"note": "xxx..."}); 40 <= bytes <= 263.
std::string event_body(std::size_t bytes = kEventBodyBytes);

// Makes the i-th event of a run: fresh ULIDs from `ids`, a new incident every kEventsPerIncident.
class EventFactory {
 public:
  explicit EventFactory(IdGenerator& ids);
  v1::AuditEvent next(std::int64_t at_ms);

 private:
  IdGenerator& ids_;
  std::string body_;
  std::string incident_;
  std::uint64_t made_ = 0;
};

}  // namespace liandong::bench
