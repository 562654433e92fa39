// Value checks of the v1 bodies beyond their msgpack types (schemas/README.md, "Messages").
#include "schemas/messages.hpp"

#include "core/envelope.hpp"

namespace liandong::v1 {

namespace {
Status invalid(const std::string& field, const std::string& why) {
  return {ErrorCode::kInvalidValue, "field '" + field + "': " + why};
}

template <std::size_t N>
std::string one_of(const std::string_view (&values)[N]) {
  std::string out;
  for (std::size_t i = 0; i < N; ++i) {
    if (i) out += ", ";
    out += values[i];
  }
  return out;
}

Status require_id(const std::string& field, const std::string& value) {
  if (!valid_name(value, kMaxMessageIdLength)) {
    return invalid(field, "'" + value.substr(0, 64) + "' is not 1-64 characters of letters, digits and . _ - :");
  }
  return Status::Ok();
}

Status require_platform(const std::string& field, const std::string& value) {
  if (!is_platform(value)) return invalid(field, "'" + value.substr(0, 64) + "' is not one of " + one_of(kPlatforms));
  return Status::Ok();
}

Status require_priority(const std::string& field, std::int64_t value) {
  if (value < 1 || value > 4) return invalid(field, std::to_string(value) + " is not a priority 1..4");
  return Status::Ok();
}

// A string field with no syntax of its own, bounded so that a hostile peer cannot make every
// process store, log and forward kilobytes it never needed.
Status require_length(const std::string& field, const std::string& value, std::size_t max) {
  if (value.size() > max) {
    return invalid(field, std::to_string(value.size()) + " bytes is over the limit of " + std::to_string(max) + " bytes");
  }
  return Status::Ok();
}

Status optional_length(const std::string& field, const std::optional<std::string>& value, std::size_t max) {
  return value ? require_length(field, *value, max) : Status::Ok();
}

bool valid_category(const std::string& c) {
  if (c.empty() || c.size() > 64) return false;
  for (char ch : c) {
    if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '.')) return false;
  }
  return c.front() != '.' && c.back() != '.';
}
}  // namespace

Error make_error(ErrorCode code, std::string message, std::string reply_to, std::string command) {
  Error e;
  e.code = static_cast<std::uint32_t>(code);
  e.name = std::string(error_name(code));
  e.message = std::move(message);
  if (!reply_to.empty()) e.reply_to = std::move(reply_to);
  if (!command.empty()) e.command = std::move(command);
  return e;
}

bool is_platform(std::string_view value) {
  for (auto p : kPlatforms) {
    if (p == value) return true;
  }
  return false;
}

bool is_role(std::string_view value) {
  for (auto r : kRoles) {
    if (r == value) return true;
  }
  return false;
}

Status Register::validate() const {
  if (!valid_name(name, kMaxPeerNameLength)) {
    return invalid("name", "'" + name.substr(0, 64) + "' is not 1-64 characters of letters, digits and . _ - :");
  }
  if (!is_role(role)) return invalid("role", "'" + role.substr(0, 64) + "' is not one of " + one_of(kRoles));
  if (heartbeat_ms && *heartbeat_ms <= 0) return invalid("heartbeat_ms", "must be positive");
  return optional_length("software", software, kMaxShortTextBytes);
}

Status Disconnect::validate() const { return optional_length("reason", reason, kMaxShortTextBytes); }

Status Caller::validate() const {
  if (auto s = optional_length("caller.phone", phone, kMaxShortTextBytes); !s.ok()) return s;
  return optional_length("caller.name", name, kMaxShortTextBytes);
}

Status Location::validate() const {
  if (!(lat >= -90 && lat <= 90)) return invalid("location.lat", std::to_string(lat) + " is not a latitude -90..90");
  if (!(lon >= -180 && lon <= 180)) return invalid("location.lon", std::to_string(lon) + " is not a longitude -180..180");
  return Status::Ok();
}

Status IncidentReport::validate() const {
  if (auto s = require_id("report_id", report_id); !s.ok()) return s;
  if (auto s = require_platform("source", source); !s.ok()) return s;
  if (!valid_category(category)) {
    return invalid("category", "'" + category.substr(0, 64) + "' is not a dotted lower-case category like fire.building");
  }
  if (priority) {
    if (auto s = require_priority("priority", *priority); !s.ok()) return s;
  }
  if (reported_at_ms <= 0) return invalid("reported_at_ms", "must be a positive Unix time in milliseconds");
  if (auto s = optional_length("grid", grid, kMaxLabelBytes); !s.ok()) return s;
  if (auto s = optional_length("household", household, kMaxLabelBytes); !s.ok()) return s;
  if (auto s = optional_length("address", address, kMaxShortTextBytes); !s.ok()) return s;
  return optional_length("text", text, kMaxFreeTextBytes);
}

Status DispatchOrder::validate() const {
  if (auto s = require_id("order_id", order_id); !s.ok()) return s;
  if (auto s = require_id("incident_id", incident_id); !s.ok()) return s;
  if (auto s = require_id("unit", unit); !s.ok()) return s;
  if (auto s = require_platform("source", source); !s.ok()) return s;
  if (auto s = require_priority("priority", priority); !s.ok()) return s;
  if (rung < 0) return invalid("rung", "must not be negative");
  return Status::Ok();
}

Status OrderAck::validate() const {
  if (auto s = require_id("order_id", order_id); !s.ok()) return s;
  if (auto s = require_id("unit", unit); !s.ok()) return s;
  if (!accepted && (!reason || reason->empty())) return invalid("reason", "a decline must give a reason");
  return optional_length("reason", reason, kMaxShortTextBytes);
}

Status StatusUpdate::validate() const {
  if (auto s = optional_length("unit", unit, kMaxLabelBytes); !s.ok()) return s;
  if (auto s = optional_length("order_id", order_id, kMaxLabelBytes); !s.ok()) return s;
  if (auto s = require_length("state", state, kMaxLabelBytes); !s.ok()) return s;
  return optional_length("note", note, kMaxFreeTextBytes);
}

Status Transfer::validate() const {
  if (auto s = require_id("transfer_id", transfer_id); !s.ok()) return s;
  if (auto s = require_id("incident_id", incident_id); !s.ok()) return s;
  if (to == "watch") return invalid("to", "incidents cannot be transferred to the watch platform");
  if (auto s = require_platform("to", to); !s.ok()) return s;
  return optional_length("reason", reason, kMaxShortTextBytes);
}

Status NeighbourAck::validate() const {
  if (auto s = require_id("ack_id", ack_id); !s.ok()) return s;
  if (auto s = require_id("incident_id", incident_id); !s.ok()) return s;
  if (auto s = require_id("household", household); !s.ok()) return s;
  if (at_ms <= 0) return invalid("at_ms", "must be a positive Unix time in milliseconds");
  return optional_length("relay", relay, kMaxLabelBytes);
}

Status AuditEvent::validate() const {
  if (auto s = require_id("event_id", event_id); !s.ok()) return s;
  if (incident_id) {
    if (auto s = require_id("incident_id", *incident_id); !s.ok()) return s;
  }
  if (type.empty() || type.size() > 64) return invalid("type", "must be 1-64 characters");
  if (actor.empty() || actor.size() > kMaxPeerNameLength) return invalid("actor", "must be 1-64 characters");
  if (at_ms <= 0) return invalid("at_ms", "must be a positive Unix time in milliseconds");
  return Status::Ok();
}

Status AuditSubscribe::validate() const {
  if (auto s = require_id("subscription_id", subscription_id); !s.ok()) return s;
  if (from_seq < 1) return invalid("from_seq", "sequence numbers start at 1");
  if (window && (*window < 1 || *window > 1'000'000)) return invalid("window", std::to_string(*window) + " is outside 1..1000000");
  return Status::Ok();
}

Status AuditQuery::validate() const {
  if (incident_id && (from_ms || to_ms)) {
    return invalid("incident_id", "a query is by incident or by time range, not both");
  }
  if (!incident_id && !from_ms && !to_ms && !from_seq && !to_seq) {
    return invalid("query_id", "a query needs incident_id, from_ms/to_ms or from_seq/to_seq");
  }
  if (limit && (*limit < 1 || *limit > 10000)) return invalid("limit", std::to_string(*limit) + " is outside 1..10000");
  if (from_seq && *from_seq < 1) return invalid("from_seq", "sequence numbers start at 1");
  return Status::Ok();
}

Status IncidentsQuery::validate() const { return optional_length("state", state, kMaxLabelBytes); }

}  // namespace liandong::v1
