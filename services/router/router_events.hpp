// The events the router writes to the audit log and rebuilds its state from (issue #4): one
// struct per event type, carried as an AUDIT_EVENT body. Their fields are part of the log's
// long-term format: add optional fields, never change or remove one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schemas/messages.hpp"

namespace liandong::router {

namespace event_type {
inline constexpr std::string_view kReported = "incident.reported";
inline constexpr std::string_view kLinked = "incident.linked";
inline constexpr std::string_view kUnlinked = "incident.unlinked";
inline constexpr std::string_view kIncidentStatus = "incident.status";
inline constexpr std::string_view kTransferred = "incident.transferred";
inline constexpr std::string_view kDispatched = "order.dispatched";
inline constexpr std::string_view kAccepted = "order.accepted";
inline constexpr std::string_view kDeclined = "order.declined";
inline constexpr std::string_view kEscalated = "order.escalated";
inline constexpr std::string_view kOrderStatus = "order.status";
inline constexpr std::string_view kOrderClosed = "order.closed";
}  // namespace event_type

// A new incident, with what the router decided about it (priority, grid, triage).
struct IncidentReported {
  std::string incident_id;
  std::string report_id;
  std::string reporter;   // peer that reported it: REPORT_ACK goes there
  std::string source;
  std::string category;
  std::string family;
  std::int64_t priority = 3;
  std::optional<v1::Location> location;
  std::optional<std::string> grid;
  std::optional<std::string> town;
  std::optional<std::string> location_note;
  std::optional<std::string> household;
  std::optional<std::string> address;
  std::optional<v1::Caller> caller;
  std::optional<std::string> text;
  std::int64_t reported_at_ms = 0;
  std::optional<std::string> triage_reason;  // set when the incident goes to manual triage
  std::optional<std::string> merged_into;    // set when linked to an open incident instead of dispatched
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("report_id", report_id);
    v.required("reporter", reporter);
    v.required("source", source);
    v.required("category", category);
    v.required("family", family);
    v.required("priority", priority);
    v.optional("location", location);
    v.optional("grid", grid);
    v.optional("town", town);
    v.optional("location_note", location_note);
    v.optional("household", household);
    v.optional("address", address);
    v.optional("caller", caller);
    v.optional("text", text);
    v.required("reported_at_ms", reported_at_ms);
    v.optional("triage_reason", triage_reason);
    v.optional("merged_into", merged_into);
  }
};

struct IncidentLinked {
  std::string incident_id;
  std::string into;
  std::string reason;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("into", into);
    v.required("reason", reason);
  }
};

struct IncidentUnlinked {
  std::string incident_id;
  std::string request_id;
  std::string by;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("request_id", request_id);
    v.required("by", by);
  }
};

struct IncidentStatusChanged {
  std::string incident_id;
  std::string state;
  std::string update_id;
  std::string by;
  std::optional<std::string> note;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("state", state);
    v.required("update_id", update_id);
    v.required("by", by);
    v.optional("note", note);
  }
};

struct IncidentTransferred {
  std::string incident_id;
  std::string from;
  std::string to;
  std::string transfer_id;
  std::string by;
  std::optional<std::string> reason;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("from", from);
    v.required("to", to);
    v.required("transfer_id", transfer_id);
    v.required("by", by);
    v.optional("reason", reason);
  }
};

struct OrderDispatched {
  std::string order_id;
  std::string incident_id;
  std::string unit;
  std::int64_t chain = 0;   // which of the rule's targets this order serves
  std::int64_t rung = 0;    // 0 first choice, then up the escalation ladder
  std::int64_t ack_deadline_ms = 0;
  std::string state;        // the workflow's initial state
  std::string reason;
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("incident_id", incident_id);
    v.required("unit", unit);
    v.required("chain", chain);
    v.required("rung", rung);
    v.required("ack_deadline_ms", ack_deadline_ms);
    v.required("state", state);
    v.required("reason", reason);
  }
};

// accepted, declined, escalated and closed share one shape.
struct OrderChanged {
  std::string order_id;
  std::string incident_id;
  std::string unit;
  std::string reason;
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("incident_id", incident_id);
    v.required("unit", unit);
    v.required("reason", reason);
  }
};

struct OrderStatusChanged {
  std::string order_id;
  std::string incident_id;
  std::string state;
  std::string update_id;
  std::string by;
  std::optional<std::string> note;
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("incident_id", incident_id);
    v.required("state", state);
    v.required("update_id", update_id);
    v.required("by", by);
    v.optional("note", note);
  }
};

}  // namespace liandong::router
