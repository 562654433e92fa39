// The v1 message bodies of the Liandong wire protocol, one struct per command.
// schemas/README.md is the normative description; field names, types and required/optional
// here must match it (tests/unit/messages_test.cpp checks every type against golden encodings).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.hpp"
#include "core/status.hpp"

namespace liandong::v1 {

// Platforms that report incidents and own workflows.
inline constexpr std::string_view kPlatforms[] = {"96345", "110", "citymgmt", "watch"};
// Roles a peer may register with.
inline constexpr std::string_view kRoles[] = {"gateway", "router", "audit",  "unit",
                                              "supervisor", "relay", "cli", "console"};

// Length limits (bytes) of string fields the spec gives no syntax for (schemas/README.md §5), on
// the messages peers send in from the edge; ids, names and categories have their own syntax.
inline constexpr std::size_t kMaxLabelBytes = 128;          // grid, household, state, unit, relay
inline constexpr std::size_t kMaxShortTextBytes = 1024;     // address, caller, reason, software
inline constexpr std::size_t kMaxFreeTextBytes = 16 * 1024; // a report's text, a status note

bool is_platform(std::string_view value);
bool is_role(std::string_view value);

// --- Session commands, exchanged with the broker (destination frame empty) ---

struct Register {
  static constexpr std::string_view kCommand = "REGISTER";
  std::string name;
  std::string role;
  std::optional<std::int64_t> heartbeat_ms;  // the peer's own interval; informational
  std::optional<std::string> software;       // "liandong-router 0.1.0"; informational
  template <class V>
  void fields(V& v) {
    v.required("name", name);
    v.required("role", role);
    v.optional("heartbeat_ms", heartbeat_ms);
    v.optional("software", software);
  }
  Status validate() const;
};

struct Registered {
  static constexpr std::string_view kCommand = "REGISTERED";
  std::string name;
  std::int64_t heartbeat_ms = 0;  // send HEARTBEAT when idle this long
  std::int64_t liveness = 0;      // missed intervals after which either side gives the other up
  std::string broker;             // broker software and version
  template <class V>
  void fields(V& v) {
    v.required("name", name);
    v.required("heartbeat_ms", heartbeat_ms);
    v.required("liveness", liveness);
    v.required("broker", broker);
  }
};

struct Heartbeat {
  static constexpr std::string_view kCommand = "HEARTBEAT";
  template <class V>
  void fields(V&) {}
};

struct Disconnect {
  static constexpr std::string_view kCommand = "DISCONNECT";
  std::optional<std::string> reason;
  template <class V>
  void fields(V& v) {
    v.optional("reason", reason);
  }
  Status validate() const;
};

struct Error {
  static constexpr std::string_view kCommand = "ERROR";
  std::uint32_t code = 0;
  std::string name;                      // "UNROUTABLE": the code's name
  std::string message;                   // what was wrong, for a person
  std::optional<std::string> reply_to;   // message id of the message refused
  std::optional<std::string> command;    // its command, when known
  template <class V>
  void fields(V& v) {
    v.required("code", code);
    v.required("name", name);
    v.required("message", message);
    v.optional("reply_to", reply_to);
    v.optional("command", command);
  }
};

// An ERROR body for `code`, with the code's wire name filled in.
Error make_error(ErrorCode code, std::string message, std::string reply_to = {}, std::string command = {});

struct Stats {
  static constexpr std::string_view kCommand = "STATS";
  template <class V>
  void fields(V&) {}
};

struct PeerInfo {
  std::string name;
  std::string role;
  std::int64_t idle_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("name", name);
    v.required("role", role);
    v.required("idle_ms", idle_ms);
  }
};

struct StatsReply {
  static constexpr std::string_view kCommand = "STATS_REPLY";
  std::string service;
  std::int64_t uptime_ms = 0;
  std::map<std::string, std::uint64_t> counters;
  std::map<std::string, std::uint64_t> errors;  // by error name
  std::optional<std::vector<PeerInfo>> peers;
  template <class V>
  void fields(V& v) {
    v.required("service", service);
    v.required("uptime_ms", uptime_ms);
    v.required("counters", counters);
    v.required("errors", errors);
    v.optional("peers", peers);
  }
};

// --- Incident messages, exchanged between peers ---

struct Location {
  double lat = 0;
  double lon = 0;
  template <class V>
  void fields(V& v) {
    v.required("lat", lat);
    v.required("lon", lon);
  }
  Status validate() const;
};

struct Caller {
  std::optional<std::string> phone;  // personal data: masked in logs
  std::optional<std::string> name;   // personal data: masked in logs
  template <class V>
  void fields(V& v) {
    v.optional("phone", phone);
    v.optional("name", name);
  }
  Status validate() const;
};

struct IncidentReport {
  static constexpr std::string_view kCommand = "INCIDENT_REPORT";
  std::string report_id;   // the source's idempotency key
  std::string source;      // platform
  std::string category;    // "fire.building"
  std::optional<std::int64_t> priority;  // 1 (life-threatening) .. 4; default from the category
  std::optional<Location> location;
  std::optional<std::string> grid;
  std::optional<std::string> household;
  std::optional<std::string> address;
  std::optional<Caller> caller;
  std::optional<std::string> text;
  std::int64_t reported_at_ms = 0;  // when the source received it, Unix ms
  // The source could not confirm who raised it (a watch alarm from a number not in the household
  // registry): still routed, flagged for the units.
  std::optional<bool> unverified;
  template <class V>
  void fields(V& v) {
    v.required("report_id", report_id);
    v.required("source", source);
    v.required("category", category);
    v.optional("priority", priority);
    v.optional("location", location);
    v.optional("grid", grid);
    v.optional("household", household);
    v.optional("address", address);
    v.optional("caller", caller);
    v.optional("text", text);
    v.required("reported_at_ms", reported_at_ms);
    v.optional("unverified", unverified);
  }
  Status validate() const;
};

struct ReportAck {
  static constexpr std::string_view kCommand = "REPORT_ACK";
  std::string report_id;
  std::string incident_id;
  bool duplicate = false;                  // this report id had been acknowledged before
  std::optional<std::string> merged_into;  // linked to this open incident instead of dispatched
  std::string state;
  template <class V>
  void fields(V& v) {
    v.required("report_id", report_id);
    v.required("incident_id", incident_id);
    v.required("duplicate", duplicate);
    v.optional("merged_into", merged_into);
    v.required("state", state);
  }
};

struct DispatchOrder {
  static constexpr std::string_view kCommand = "DISPATCH_ORDER";
  std::string order_id;
  std::string incident_id;
  std::string unit;
  std::string source;
  std::string category;
  std::int64_t priority = 0;
  std::optional<Location> location;
  std::optional<std::string> grid;
  std::optional<std::string> address;
  std::optional<std::string> text;
  std::int64_t ack_deadline_ms = 0;  // accept before this Unix ms or the order escalates
  std::int64_t rung = 0;             // 0 for the first choice, then 1, 2, ... up the ladder
  std::optional<std::string> reason; // why this unit (rule name, escalation, triage)
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("incident_id", incident_id);
    v.required("unit", unit);
    v.required("source", source);
    v.required("category", category);
    v.required("priority", priority);
    v.optional("location", location);
    v.optional("grid", grid);
    v.optional("address", address);
    v.optional("text", text);
    v.required("ack_deadline_ms", ack_deadline_ms);
    v.required("rung", rung);
    v.optional("reason", reason);
  }
  Status validate() const;
};

struct OrderAck {
  static constexpr std::string_view kCommand = "ORDER_ACK";
  std::string order_id;
  std::string unit;
  bool accepted = true;               // false: the unit declines and the order escalates at once
  std::optional<std::string> reason;  // required when declining
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("unit", unit);
    v.required("accepted", accepted);
    v.optional("reason", reason);
  }
  Status validate() const;
};

struct StatusUpdate {
  static constexpr std::string_view kCommand = "STATUS_UPDATE";
  std::string update_id;  // idempotency key
  std::string incident_id;
  std::optional<std::string> unit;
  std::optional<std::string> order_id;
  std::string state;      // a state of the source platform's workflow
  std::optional<std::string> note;
  std::int64_t at_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("update_id", update_id);
    v.required("incident_id", incident_id);
    v.optional("unit", unit);
    v.optional("order_id", order_id);
    v.required("state", state);
    v.optional("note", note);
    v.required("at_ms", at_ms);
  }
  Status validate() const;
};

struct Transfer {
  static constexpr std::string_view kCommand = "TRANSFER";
  std::string transfer_id;  // idempotency key
  std::string incident_id;
  std::string to;           // platform
  std::optional<std::string> reason;
  template <class V>
  void fields(V& v) {
    v.required("transfer_id", transfer_id);
    v.required("incident_id", incident_id);
    v.required("to", to);
    v.optional("reason", reason);
  }
  Status validate() const;
};

struct AuditEvent {
  static constexpr std::string_view kCommand = "AUDIT_EVENT";
  std::string event_id;  // idempotency key
  std::optional<std::string> incident_id;
  std::string type;      // "incident.reported", "order.accepted", ...
  std::string actor;     // peer name that caused it
  std::int64_t at_ms = 0;
  RawMsgpack body;       // any msgpack value; the event's data
  template <class V>
  void fields(V& v) {
    v.required("event_id", event_id);
    v.optional("incident_id", incident_id);
    v.required("type", type);
    v.required("actor", actor);
    v.required("at_ms", at_ms);
    v.required("body", body);
  }
  Status validate() const;
};

// --- Audit log (event store) messages, exchanged with the audit service ---

struct AuditAck {
  static constexpr std::string_view kCommand = "AUDIT_ACK";
  std::string event_id;
  std::int64_t seq = 0;     // the event's sequence number in the log
  bool duplicate = false;   // the event id was already in the log; nothing new was written
  template <class V>
  void fields(V& v) {
    v.required("event_id", event_id);
    v.required("seq", seq);
    v.required("duplicate", duplicate);
  }
};

// One event as stored in the log, with its place in the hash chain.
struct StoredEvent {
  std::int64_t seq = 0;
  std::string event_id;
  std::optional<std::string> incident_id;
  std::string type;
  std::string actor;
  std::int64_t at_ms = 0;
  RawMsgpack body;
  std::string prev_hash;  // lower-case hex SHA-256 of the previous event (64 zeros for the first)
  std::string hash;       // lower-case hex SHA-256 of this event's canonical encoding
  template <class V>
  void fields(V& v) {
    v.required("seq", seq);
    v.required("event_id", event_id);
    v.optional("incident_id", incident_id);
    v.required("type", type);
    v.required("actor", actor);
    v.required("at_ms", at_ms);
    v.required("body", body);
    v.required("prev_hash", prev_hash);
    v.required("hash", hash);
  }
};

// A read of the log: an incident's trail, a time range, or a sequence range. With an incident or
// a time range, from_seq pages: the answer starts at that sequence number (use next_seq).
struct AuditQuery {
  static constexpr std::string_view kCommand = "AUDIT_QUERY";
  std::string query_id;                   // echoed in the answer
  std::optional<std::string> incident_id; // an incident's whole trail
  std::optional<std::int64_t> from_seq;   // sequence range, inclusive
  std::optional<std::int64_t> to_seq;
  std::optional<std::int64_t> from_ms;    // time range, inclusive, Unix ms
  std::optional<std::int64_t> to_ms;
  std::optional<std::int64_t> limit;      // at most this many events per answer (default 1000, max 10000)
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.optional("incident_id", incident_id);
    v.optional("from_seq", from_seq);
    v.optional("to_seq", to_seq);
    v.optional("from_ms", from_ms);
    v.optional("to_ms", to_ms);
    v.optional("limit", limit);
  }
  Status validate() const;
};

// Events answering a query, or one page of a subscription's stream.
struct AuditEvents {
  static constexpr std::string_view kCommand = "AUDIT_EVENTS";
  std::string query_id;                 // the query's or subscription's id
  std::vector<StoredEvent> events;      // in sequence order
  bool complete = true;                 // false: more match; ask again from next_seq
  std::optional<std::int64_t> next_seq; // where the next page starts
  std::int64_t last_seq = 0;            // the newest sequence number in the log now
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("events", events);
    v.required("complete", complete);
    v.optional("next_seq", next_seq);
    v.required("last_seq", last_seq);
  }
};

// Streams every event from `from_seq` on: stored ones first, in pages, then new ones as they are
// committed. The subscription ends on AUDIT_UNSUBSCRIBE, when the subscriber's name becomes
// unroutable, or when the same name subscribes again (which restarts it).
// Flow control: the audit service sends at most `window` events beyond the last sequence number
// the subscriber has confirmed with AUDIT_STREAM_ACK, so a slow or dead subscriber cannot make
// the bus buffer the whole log.
struct AuditSubscribe {
  static constexpr std::string_view kCommand = "AUDIT_SUBSCRIBE";
  std::string subscription_id;
  std::int64_t from_seq = 1;
  std::optional<std::int64_t> window;  // default 10,000 events
  template <class V>
  void fields(V& v) {
    v.required("subscription_id", subscription_id);
    v.required("from_seq", from_seq);
    v.optional("window", window);
  }
  Status validate() const;
};

// The subscriber has processed every event up to and including `seq`.
struct AuditStreamAck {
  static constexpr std::string_view kCommand = "AUDIT_STREAM_ACK";
  std::string subscription_id;
  std::int64_t seq = 0;
  template <class V>
  void fields(V& v) {
    v.required("subscription_id", subscription_id);
    v.required("seq", seq);
  }
};

struct AuditUnsubscribe {
  static constexpr std::string_view kCommand = "AUDIT_UNSUBSCRIBE";
  std::string subscription_id;
  template <class V>
  void fields(V& v) {
    v.required("subscription_id", subscription_id);
  }
};

struct AuditVerify {
  static constexpr std::string_view kCommand = "AUDIT_VERIFY";
  std::string query_id;
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
  }
};

struct AuditVerifyReply {
  static constexpr std::string_view kCommand = "AUDIT_VERIFY_REPLY";
  std::string query_id;
  bool intact = true;
  std::int64_t events = 0;                   // events checked
  std::optional<std::int64_t> first_bad_seq; // the first sequence number that breaks the chain
  std::optional<std::string> problem;        // "hash_mismatch", "gap", "chain_break"
  std::string message;                       // a sentence for a person
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("intact", intact);
    v.required("events", events);
    v.optional("first_bad_seq", first_bad_seq);
    v.optional("problem", problem);
    v.required("message", message);
  }
};

// --- Router messages beyond reports and orders ---

// The router's durable answer to ORDER_ACK, STATUS_UPDATE, TRANSFER, INCIDENT_UNLINK and
// INCIDENT_MERGE: the request identified by `key` (order_id, update_id, transfer_id, request_id)
// is recorded.
struct Receipt {
  static constexpr std::string_view kCommand = "RECEIPT";
  std::string key;
  std::string incident_id;
  std::string state;                  // the order's or incident's state now
  bool duplicate = false;             // the request had been recorded before
  template <class V>
  void fields(V& v) {
    v.required("key", key);
    v.required("incident_id", incident_id);
    v.required("state", state);
    v.required("duplicate", duplicate);
  }
};

// A neighbour household acknowledged a watch alarm's alert (through its relay and the watch
// gateway). The router answers RECEIPT with key = ack_id.
struct NeighbourAck {
  static constexpr std::string_view kCommand = "NEIGHBOUR_ACK";
  std::string ack_id;       // idempotency key
  std::string incident_id;  // the alarm's incident
  std::string household;    // the neighbour household that acknowledged
  std::int64_t at_ms = 0;   // when the neighbour acknowledged, Unix ms
  std::optional<std::string> relay;  // the relay it came through
  template <class V>
  void fields(V& v) {
    v.required("ack_id", ack_id);
    v.required("incident_id", incident_id);
    v.required("household", household);
    v.required("at_ms", at_ms);
    v.optional("relay", relay);
  }
  Status validate() const;
};

// The router tells a platform's duty supervisor about something that needs a person: an order
// past a workflow deadline, an alarm no neighbour acknowledged. Best effort (the event in the
// audit log is the record); no answer is expected.
struct Notice {
  static constexpr std::string_view kCommand = "NOTICE";
  std::string notice_id;
  std::string incident_id;
  std::optional<std::string> order_id;
  std::string kind;   // "overdue", "neighbours_unanswered"
  std::string text;   // a sentence for a person (personal data masked)
  std::int64_t at_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("notice_id", notice_id);
    v.required("incident_id", incident_id);
    v.optional("order_id", order_id);
    v.required("kind", kind);
    v.required("text", text);
    v.required("at_ms", at_ms);
  }
};

// An operator undoes a duplicate merge: the incident is routed on its own.
struct IncidentUnlink {
  static constexpr std::string_view kCommand = "INCIDENT_UNLINK";
  std::string request_id;  // idempotency key
  std::string incident_id;
  template <class V>
  void fields(V& v) {
    v.required("request_id", request_id);
    v.required("incident_id", incident_id);
  }
};

// An operator merges an incident into another by hand: the same patient or event reported twice
// (two reports the router only linked as possibly related). Its open orders are closed; the other
// incident carries on. The router answers RECEIPT with key = request_id.
struct IncidentMerge {
  static constexpr std::string_view kCommand = "INCIDENT_MERGE";
  std::string request_id;  // idempotency key
  std::string incident_id;  // the incident that stops being handled on its own
  std::string into;         // the open incident it is merged into
  std::optional<std::string> reason;  // why, for the trail
  template <class V>
  void fields(V& v) {
    v.required("request_id", request_id);
    v.required("incident_id", incident_id);
    v.required("into", into);
    v.optional("reason", reason);
  }
};

struct OrderView {
  std::string order_id;
  std::string unit;
  std::string state;
  std::int64_t rung = 0;
  std::int64_t ack_deadline_ms = 0;
  std::string reason;
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("unit", unit);
    v.required("state", state);
    v.required("rung", rung);
    v.required("ack_deadline_ms", ack_deadline_ms);
    v.required("reason", reason);
  }
};

struct TimelineEntry {
  std::int64_t at_ms = 0;
  std::string type;  // the event type: "incident.reported", "order.escalated", ...
  std::string text;  // a line for a person (personal data masked)
  template <class V>
  void fields(V& v) {
    v.required("at_ms", at_ms);
    v.required("type", type);
    v.required("text", text);
  }
};

struct IncidentView {
  std::string incident_id;
  std::string state;
  std::string source;
  std::string category;
  std::int64_t priority = 0;
  std::optional<std::string> grid;
  std::optional<std::string> town;
  std::optional<Location> location;
  std::optional<std::string> location_note;  // "on no grid: nearest grid ..."
  std::optional<std::string> address;
  std::optional<std::string> text;
  std::optional<std::string> triage_reason;
  std::optional<std::string> merged_into;
  std::vector<std::string> linked;           // incidents merged into this one
  std::optional<std::vector<std::string>> related;  // possibly related incidents (both dispatched)
  std::vector<std::string> report_ids;
  std::int64_t reported_at_ms = 0;
  std::vector<OrderView> orders;
  std::vector<TimelineEntry> timeline;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("state", state);
    v.required("source", source);
    v.required("category", category);
    v.required("priority", priority);
    v.optional("grid", grid);
    v.optional("town", town);
    v.optional("location", location);
    v.optional("location_note", location_note);
    v.optional("address", address);
    v.optional("text", text);
    v.optional("triage_reason", triage_reason);
    v.optional("merged_into", merged_into);
    v.required("linked", linked);
    v.optional("related", related);
    v.required("report_ids", report_ids);
    v.required("reported_at_ms", reported_at_ms);
    v.required("orders", orders);
    v.required("timeline", timeline);
  }
};

struct IncidentQuery {
  static constexpr std::string_view kCommand = "INCIDENT_QUERY";
  std::string query_id;
  std::string incident_id;
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("incident_id", incident_id);
  }
};

struct IncidentInfo {
  static constexpr std::string_view kCommand = "INCIDENT_INFO";
  std::string query_id;
  IncidentView incident;
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("incident", incident);
  }
};

struct IncidentsQuery {
  static constexpr std::string_view kCommand = "INCIDENTS_QUERY";
  std::string query_id;
  std::optional<std::string> state;     // only incidents in this state ("open": any but closed)
  std::optional<std::int64_t> limit;    // newest first, default 100, at most 1000
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.optional("state", state);
    v.optional("limit", limit);
  }
  Status validate() const;
};

struct IncidentSummary {
  std::string incident_id;
  std::string state;
  std::string source;
  std::string category;
  std::int64_t priority = 0;
  std::optional<std::string> grid;
  std::int64_t reported_at_ms = 0;
  std::int64_t open_orders = 0;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("state", state);
    v.required("source", source);
    v.required("category", category);
    v.required("priority", priority);
    v.optional("grid", grid);
    v.required("reported_at_ms", reported_at_ms);
    v.required("open_orders", open_orders);
  }
};

struct IncidentList {
  static constexpr std::string_view kCommand = "INCIDENT_LIST";
  std::string query_id;
  std::vector<IncidentSummary> incidents;
  std::int64_t total = 0;  // matching incidents, of which the newest `limit` are listed
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("incidents", incidents);
    v.required("total", total);
  }
};

// The body of a security event in the audit log (schemas/README.md, "Security events"): who
// was refused what and why. The broker records key, registration, authorisation and rate-limit
// refusals; the router records a unit acting on another unit's order. `repeated` counts refusals
// of the same kind from the same peer folded into this one (at most one event per second each).
namespace security_event {
inline constexpr std::string_view kRefused = "security.refused";            // a message or registration
inline constexpr std::string_view kKeyRefused = "security.key_refused";     // a handshake with a bad key
inline constexpr std::string_view kRateLimited = "security.rate_limited";   // BUSY for flooding
inline constexpr std::string_view kSessionDropped = "security.session_dropped";  // key revoked while connected
}  // namespace security_event

struct SecurityEvent {
  std::string peer;                       // the peer name, or the connection's address before REGISTER
  std::optional<std::string> role;
  std::optional<std::string> key;         // the enrolled key's label, or the public key when unknown
  std::optional<std::string> command;
  std::optional<std::string> message_id;
  std::string reason;
  std::int64_t repeated = 0;
  template <class V>
  void fields(V& v) {
    v.required("peer", peer);
    v.optional("role", role);
    v.optional("key", key);
    v.optional("command", command);
    v.optional("message_id", message_id);
    v.required("reason", reason);
    v.required("repeated", repeated);
  }
};

}  // namespace liandong::v1
