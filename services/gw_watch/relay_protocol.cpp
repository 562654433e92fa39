// LDR/1 frame checks and body value rules (schemas/relay.md, "Frames" and "Messages").
#include "services/gw_watch/relay_protocol.hpp"

#include "core/envelope.hpp"

namespace liandong::watch {
namespace {

bool id_chars(std::string_view id, std::size_t max, bool allow_colon) {
  if (id.empty() || id.size() > max) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || (allow_colon && c == ':');
    if (!ok) return false;
  }
  return true;
}

Status invalid(const std::string& field, std::string_view value, const std::string& rule) {
  return {ErrorCode::kInvalidValue, "field '" + field + "': '" + std::string(value.substr(0, 80)) + "' " + rule};
}

// Fields without a syntax of their own are still bounded (the v1 limits, schemas/README.md §5).
Status check_length(const std::string& field, const std::optional<std::string>& value, std::size_t max) {
  if (value && value->size() > max) {
    return {ErrorCode::kInvalidValue, "field '" + field + "': " + std::to_string(value->size()) +
                                          " bytes is over the limit of " + std::to_string(max) + " bytes"};
  }
  return Status::Ok();
}

}  // namespace

bool valid_relay_id(std::string_view id) { return id_chars(id, kMaxRelayIdLength, false); }
bool valid_relay_key(std::string_view id) { return id_chars(id, kMaxRelayKeyLength, true); }

Result<RelayFrame> parse_relay_frames(const std::vector<std::string>& frames, RelayFrame* partial) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].size() > kMaxRelayFrameBytes) {
      return Status(ErrorCode::kTooLarge, "frame " + std::to_string(i) + " has " + std::to_string(frames[i].size()) +
                                              " bytes; at most " + std::to_string(kMaxRelayFrameBytes) + " are accepted");
    }
  }
  if (partial) {
    if (frames.size() > 1 && valid_command(frames[1])) partial->command = frames[1];
    if (frames.size() > 2 && valid_name(frames[2], kMaxMessageIdLength)) partial->message_id = frames[2];
  }
  if (frames.empty()) return Status(ErrorCode::kMalformed, "empty message");
  const std::string& tag = frames[0];
  if (tag != kRelayTag) {
    if (tag.size() == 4 && tag.starts_with("LDR")) {
      return Status(ErrorCode::kUnsupportedVersion, "protocol tag '" + tag + "' is not supported; speak LDR1");
    }
    return Status(ErrorCode::kMalformed, "frame 0 must be the protocol tag 'LDR1'");
  }
  if (frames.size() != kRelayFrames) {
    return Status(ErrorCode::kMalformed,
                  "a relay message has exactly 4 frames [LDR1][COMMAND][message id][body]; got " + std::to_string(frames.size()));
  }
  if (!valid_command(frames[1])) {
    return Status(ErrorCode::kMalformed, "frame 1 must be a command (1-32 of A-Z 0-9 _, starting with a letter)");
  }
  if (!valid_name(frames[2], kMaxMessageIdLength)) {
    return Status(ErrorCode::kMalformed, "frame 2 must be a message id (1-64 of a-z A-Z 0-9 . _ - :)");
  }
  return RelayFrame{frames[1], frames[2], frames[3]};
}

std::vector<std::string> make_relay_frames(std::string_view command, std::string_view message_id, std::string_view body) {
  return {std::string(kRelayTag), std::string(command), std::string(message_id), std::string(body)};
}

Status Hello::validate() const {
  if (!valid_relay_id(relay_id)) return invalid("relay_id", relay_id, "must be 1-24 of a-z A-Z 0-9 . _ -");
  if (area.empty() || area.size() > 64) return invalid("area", area, "must be a grid id or a town id");
  return check_length("software", software, v1::kMaxShortTextBytes);
}

Status AlertDelivered::validate() const { return check_length("alert_id", alert_id, v1::kMaxShortTextBytes); }

Status Alarm::validate() const {
  if (!valid_relay_key(alarm_id)) return invalid("alarm_id", alarm_id, "must be 1-30 of a-z A-Z 0-9 . _ - :");
  bool digit = false;
  for (char c : caller_number) {
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '+' && c != '-' && c != ' ') {
      return invalid("caller_number", "", "must hold digits (and + - space) only");
    }
  }
  if (!digit || caller_number.size() > 32) return invalid("caller_number", "", "must be a phone number of 1-32 characters");
  if (household && (household->empty() || household->size() > 64)) return invalid("household", *household, "is not a household id");
  if (pressed_at_ms <= 0) return invalid("pressed_at_ms", std::to_string(pressed_at_ms), "must be > 0 (Unix ms)");
  return Status::Ok();
}

Status RelayNeighbourAck::validate() const {
  if (!valid_relay_key(ack_id)) return invalid("ack_id", ack_id, "must be 1-30 of a-z A-Z 0-9 . _ - :");
  if (!alert_id && !(incident_id && household)) {
    return {ErrorCode::kMissingField, "missing required field 'alert_id' (or both 'incident_id' and 'household')"};
  }
  if (at_ms <= 0) return invalid("at_ms", std::to_string(at_ms), "must be > 0 (Unix ms)");
  if (auto s = check_length("alert_id", alert_id, v1::kMaxShortTextBytes); !s.ok()) return s;
  if (auto s = check_length("incident_id", incident_id, v1::kMaxLabelBytes); !s.ok()) return s;
  return check_length("household", household, v1::kMaxLabelBytes);
}

}  // namespace liandong::watch
