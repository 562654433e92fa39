// The events the router writes to the audit log and rebuilds its state from (issue #4): one
// struct per event type, carried as an AUDIT_EVENT body. Their fields are part of the log's
// long-term format: add optional fields, never change or remove one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "schemas/messages.hpp"

namespace liandong::router {

namespace event_type {
inline constexpr std::string_view kReported = "incident.reported";
inline constexpr std::string_view kLinked = "incident.linked";
inline constexpr std::string_view kUnlinked = "incident.unlinked";
inline constexpr std::string_view kRelated = "incident.related";
inline constexpr std::string_view kIncidentStatus = "incident.status";
inline constexpr std::string_view kTransferred = "incident.transferred";
inline constexpr std::string_view kDispatched = "order.dispatched";
inline constexpr std::string_view kAccepted = "order.accepted";
inline constexpr std::string_view kDeclined = "order.declined";
inline constexpr std::string_view kEscalated = "order.escalated";
inline constexpr std::string_view kOrderStatus = "order.status";
inline constexpr std::string_view kOrderClosed = "order.closed";
inline constexpr std::string_view kNeighboursAlerted = "neighbours.alerted";
inline constexpr std::string_view kNeighbourAcknowledged = "neighbour.acknowledged";
inline constexpr std::string_view kNeighboursUnanswered = "neighbours.unanswered";
inline constexpr std::string_view kOrderDeadline = "order.deadline";
inline constexpr std::string_view kOrderOverdue = "order.overdue";
inline constexpr std::string_view kRouterStarted = "router.started";
}  // namespace event_type

// The router started serving with this deployment, after replaying the log up to `log_seq`:
// every decision after it in the log was made under these rules. Recorded once per start.
struct RouterStarted {
  std::string router;              // its peer name
  std::string software;            // "liandong-router 0.1.0"
  std::string deployment;          // the directory it was loaded from
  std::string deployment_version;  // Deployment::version: SHA-256 of its files, 64 hex digits
  std::int64_t log_seq = 0;        // the last event the replay applied
  std::int64_t replay_errors = 0;  // events of the log it could not apply
  template <class V>
  void fields(V& v) {
    v.required("router", router);
    v.required("software", software);
    v.required("deployment", deployment);
    v.required("deployment_version", deployment_version);
    v.required("log_seq", log_seq);
    v.required("replay_errors", replay_errors);
  }
};

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
  std::optional<bool> unverified;            // the source could not confirm who raised it
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
    v.optional("unverified", unverified);
  }
};

// The incident is merged into `into`: the same incident, not dispatched on its own. Written by
// the router for a duplicate report, or for an operator's INCIDENT_MERGE (then `by` and
// `request_id` are set, and the incident's open orders are closed by order.closed events after it).
struct IncidentLinked {
  std::string incident_id;
  std::string into;
  std::string reason;
  std::optional<std::string> by;          // the operator's peer, for a merge by hand
  std::optional<std::string> request_id;  // INCIDENT_MERGE's idempotency key
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("into", into);
    v.required("reason", reason);
    v.optional("by", by);
    v.optional("request_id", request_id);
  }
};

// A new incident was reported near an open one of its family that it is possibly related to, but
// not merged into (merge.toml, mode = "link"): both are dispatched, and each shows the other on its
// trail. A type of its own, not incident.linked, so that no reader takes it for a merge.
struct IncidentRelated {
  std::string incident_id;  // the new incident
  std::string related_to;   // the open incident near it
  std::string relation;     // "possibly_related"
  std::string reason;       // distance, time and why it was not merged
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("related_to", related_to);
    v.required("relation", relation);
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
  // What decided the order (DispatchBasis), so that its escalation climbs the ladder it was
  // dispatched under: the routing rule (absent for manual triage), the ladder of its chain, how
  // long this unit has to accept and how long each order up the ladder has. Orders up the ladder
  // carry them on. Logs written before these fields have none: the router then takes them from
  // the deployment in force (the rule that matches the incident now), as it always did.
  std::optional<std::string> rule;
  std::optional<std::vector<std::string>> ladder;
  std::optional<std::int64_t> ack_within_ms;
  std::optional<std::int64_t> ladder_ack_within_ms;
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
    v.optional("rule", rule);
    v.optional("ladder", ladder);
    v.optional("ack_within_ms", ack_within_ms);
    v.optional("ladder_ack_within_ms", ladder_ack_within_ms);
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

// ---- neighbourhood watch (issue #5): the watch gateway follows these in the audit stream ----

// The household's neighbour group was alerted with the alarm's orders; the watch gateway rings
// these households. ack_deadline_ms: the instant by which min_acks of them must acknowledge.
struct NeighboursAlerted {
  std::string incident_id;
  std::string household;
  std::vector<std::string> neighbours;  // household ids, in the registry's order
  std::int64_t ack_deadline_ms = 0;
  std::int64_t min_acks = 1;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("household", household);
    v.required("neighbours", neighbours);
    v.required("ack_deadline_ms", ack_deadline_ms);
    v.required("min_acks", min_acks);
  }
};

struct NeighbourAcknowledged {
  std::string incident_id;
  std::string household;  // the neighbour that acknowledged
  std::string ack_id;
  std::string by;         // the peer that reported it (the watch gateway)
  std::int64_t at_ms = 0; // when the neighbour acknowledged
  std::optional<std::string> relay;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("household", household);
    v.required("ack_id", ack_id);
    v.required("by", by);
    v.required("at_ms", at_ms);
    v.optional("relay", relay);
  }
};

// Recorded once, when the alert's deadline passed with fewer than `needed` acknowledgements.
struct NeighboursUnanswered {
  std::string incident_id;
  std::int64_t acks = 0;    // distinct neighbours that had acknowledged by the deadline
  std::int64_t needed = 1;
  template <class V>
  void fields(V& v) {
    v.required("incident_id", incident_id);
    v.required("acks", acks);
    v.required("needed", needed);
  }
};

// ---- workflow timers (workflows.toml, [[workflow.<p>.timer]]) ----

// An order entered a start state of `timer`: the timer is armed (or re-armed) until deadline_ms.
// Entering one of the timer's stop states, or the order ending, disarms it without an event.
struct OrderDeadline {
  std::string order_id;
  std::string incident_id;
  std::string timer;
  std::int64_t deadline_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("incident_id", incident_id);
    v.required("timer", timer);
    v.required("deadline_ms", deadline_ms);
  }
};

// An armed timer passed its deadline: recorded once per arming; the order stays with its unit.
struct OrderOverdue {
  std::string order_id;
  std::string incident_id;
  std::string unit;
  std::string timer;
  std::int64_t deadline_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("order_id", order_id);
    v.required("incident_id", incident_id);
    v.required("unit", unit);
    v.required("timer", timer);
    v.required("deadline_ms", deadline_ms);
  }
};

}  // namespace liandong::router
