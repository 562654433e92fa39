// The relay protocol LDR/1 (schemas/relay.md): how neighbourhood-watch phone relays talk to the
// watch gateway. Four frames [LDR1][COMMAND][message id][msgpack body map] on a DEALER (relay) to
// ROUTER (gateway) connection; the bodies below follow the spec's tables field for field.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::watch {

inline constexpr std::string_view kRelayTag = "LDR1";
inline constexpr std::size_t kRelayFrames = 4;
inline constexpr std::size_t kMaxRelayFrameBytes = 64 * 1024;  // bigger frames: TOO_LARGE
inline constexpr std::size_t kMaxRelayIdLength = 24;            // relay_id
inline constexpr std::size_t kMaxRelayKeyLength = 30;           // alarm_id, ack_id

// A relay message as the gateway sees it (routing id stripped).
struct RelayFrame {
  std::string command;
  std::string message_id;
  std::string body;
};

// Checks frame count, tag, command and message id (the routing id frame already removed).
// MALFORMED, UNSUPPORTED_VERSION ("LDR2") or TOO_LARGE on violation; `partial` receives whatever
// command and message id were readable, so the ERROR can name them.
Result<RelayFrame> parse_relay_frames(const std::vector<std::string>& frames, RelayFrame* partial = nullptr);
std::vector<std::string> make_relay_frames(std::string_view command, std::string_view message_id, std::string_view body);

// relay_id: 1-24 of a-z A-Z 0-9 . _ - (no ':', which separates it from the alarm id in report ids).
bool valid_relay_id(std::string_view id);
// alarm_id, ack_id: 1-30 of a-z A-Z 0-9 . _ - :
bool valid_relay_key(std::string_view id);

// ---- bodies ----

struct Hello {
  static constexpr std::string_view kCommand = "HELLO";
  std::string relay_id;
  std::string area;                    // a grid id (G00017) or a town id (jiyang)
  std::optional<std::string> software;
  template <class V>
  void fields(V& v) {
    v.required("relay_id", relay_id);
    v.required("area", area);
    v.optional("software", software);
  }
  Status validate() const;
};

struct Welcome {
  static constexpr std::string_view kCommand = "WELCOME";
  std::string relay_id;
  std::string gateway;       // the gateway's name and version
  std::int64_t heartbeat_ms = 5000;
  std::int64_t liveness = 3;
  std::string area_town;     // the town the area lies in
  template <class V>
  void fields(V& v) {
    v.required("relay_id", relay_id);
    v.required("gateway", gateway);
    v.required("heartbeat_ms", heartbeat_ms);
    v.required("liveness", liveness);
    v.required("area_town", area_town);
  }
};

struct Alarm {
  static constexpr std::string_view kCommand = "ALARM";
  std::string alarm_id;                 // the relay's idempotency key
  std::string caller_number;            // personal data: masked in logs
  std::optional<std::string> household; // when the relay knows it
  std::int64_t pressed_at_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("alarm_id", alarm_id);
    v.required("caller_number", caller_number);
    v.optional("household", household);
    v.required("pressed_at_ms", pressed_at_ms);
  }
  Status validate() const;
};

struct AlarmAck {
  static constexpr std::string_view kCommand = "ALARM_ACK";
  std::string alarm_id;
  bool accepted = true;
  std::string report_id;
  std::optional<std::string> incident_id;
  std::optional<std::string> merged_into;
  bool unverified = false;
  std::optional<std::string> household;
  template <class V>
  void fields(V& v) {
    v.required("alarm_id", alarm_id);
    v.required("accepted", accepted);
    v.required("report_id", report_id);
    v.optional("incident_id", incident_id);
    v.optional("merged_into", merged_into);
    v.required("unverified", unverified);
    v.optional("household", household);
  }
};

struct NeighbourAlert {
  static constexpr std::string_view kCommand = "NEIGHBOUR_ALERT";
  std::string alert_id;
  std::string incident_id;
  std::string household;       // the neighbour household to ring
  std::string phone;           // its registered number (personal data)
  std::string from_household;  // the household that raised the alarm
  std::string text;
  std::int64_t ack_deadline_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("alert_id", alert_id);
    v.required("incident_id", incident_id);
    v.required("household", household);
    v.required("phone", phone);
    v.required("from_household", from_household);
    v.required("text", text);
    v.required("ack_deadline_ms", ack_deadline_ms);
  }
};

struct AlertDelivered {
  static constexpr std::string_view kCommand = "ALERT_DELIVERED";
  std::string alert_id;
  template <class V>
  void fields(V& v) {
    v.required("alert_id", alert_id);
  }
  Status validate() const;
};

// NEIGHBOUR_ACK from a relay (not v1::NeighbourAck, which goes gateway -> router).
struct RelayNeighbourAck {
  static constexpr std::string_view kCommand = "NEIGHBOUR_ACK";
  std::string ack_id;
  std::optional<std::string> alert_id;
  std::optional<std::string> incident_id;
  std::optional<std::string> household;
  std::int64_t at_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("ack_id", ack_id);
    v.optional("alert_id", alert_id);
    v.optional("incident_id", incident_id);
    v.optional("household", household);
    v.required("at_ms", at_ms);
  }
  Status validate() const;
};

struct AckRecorded {
  static constexpr std::string_view kCommand = "ACK_RECORDED";
  std::string ack_id;
  std::string alert_id;
  std::string incident_id;
  std::string household;
  bool duplicate = false;
  template <class V>
  void fields(V& v) {
    v.required("ack_id", ack_id);
    v.required("alert_id", alert_id);
    v.required("incident_id", incident_id);
    v.required("household", household);
    v.required("duplicate", duplicate);
  }
};

struct Ping {
  static constexpr std::string_view kCommand = "PING";
  template <class V>
  void fields(V&) {}
};

struct Pong {
  static constexpr std::string_view kCommand = "PONG";
  template <class V>
  void fields(V&) {}
};

// ERROR has the bus's shape: v1::Error {code, name, message, reply_to?, command?}.

}  // namespace liandong::watch
