// The router's view of incidents and orders: a projection of the audit log, rebuilt by
// replaying it (RouterCore::apply).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "schemas/messages.hpp"

namespace liandong::router {

struct Order {
  std::string id;
  std::string incident_id;
  std::string unit;
  std::string state;
  std::int64_t chain = 0;
  std::int64_t rung = 0;
  std::int64_t ack_deadline_ms = 0;
  std::string reason;
  bool awaiting_ack = true;  // dispatched and neither accepted, declined, escalated nor closed
  bool open = true;          // not escalated, closed or finished
  // Workflow timers armed by order.deadline events, by timer name. `overdue` once order.overdue
  // is recorded, so a timer fires once per arming.
  struct ArmedTimer {
    std::int64_t deadline_ms = 0;
    bool overdue = false;
  };
  std::map<std::string, ArmedTimer> timers;
};

// A neighbour alert on a watch incident (neighbours.alerted and what followed).
struct NeighbourAlert {
  std::string household;
  std::vector<std::string> neighbours;
  std::int64_t ack_deadline_ms = 0;
  std::int64_t min_acks = 1;
  std::set<std::string> acknowledged;  // neighbour households
  bool unanswered = false;             // neighbours.unanswered recorded
};

struct Incident {
  std::string id;
  std::string source;        // the platform whose workflow applies now (changes on transfer)
  std::string reporter;
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
  std::optional<std::string> triage_reason;
  std::optional<std::string> merged_into;
  bool unverified = false;
  std::optional<NeighbourAlert> neighbour_alert;
  std::vector<std::string> linked;
  std::vector<std::string> report_ids;
  std::int64_t reported_at_ms = 0;
  std::string state;
  std::vector<std::string> order_ids;
  std::set<std::string> tried_units;         // every unit ever ordered for this incident
  std::set<std::string> seen_requests;       // update, transfer and unlink ids already recorded
  std::vector<v1::TimelineEntry> timeline;
  std::int64_t next_order = 1;

  bool closed() const { return state == "closed"; }
};

}  // namespace liandong::router
