// The router's view of incidents and orders: a projection of the audit log, rebuilt by
// replaying it (RouterCore::apply).
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "schemas/messages.hpp"

namespace liandong::router {

struct ArmedTimer {
  std::int64_t deadline_ms = 0;
  bool overdue = false;
};

// An order's armed timers by name, in name order: one or two at a time, so a sorted vector (a map
// node each cost several times more).
class ArmedTimers {
 public:
  using Entry = std::pair<std::string, ArmedTimer>;
  using iterator = std::vector<Entry>::iterator;
  using const_iterator = std::vector<Entry>::const_iterator;

  ArmedTimer& operator[](std::string_view name) {
    auto it = lower(name);
    if (it == entries_.end() || it->first != name) it = entries_.insert(it, {std::string(name), {}});
    return it->second;
  }
  iterator find(std::string_view name) {
    auto it = lower(name);
    return it != entries_.end() && it->first == name ? it : entries_.end();
  }
  bool contains(std::string_view name) const {
    auto it = std::lower_bound(entries_.begin(), entries_.end(), name,
                               [](const Entry& e, std::string_view n) { return e.first < n; });
    return it != entries_.end() && it->first == name;
  }
  void erase(std::string_view name) {
    if (auto it = find(name); it != entries_.end()) entries_.erase(it);
  }
  void clear() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }

 private:
  iterator lower(std::string_view name) {
    return std::lower_bound(entries_.begin(), entries_.end(), name,
                            [](const Entry& e, std::string_view n) { return e.first < n; });
  }
  std::vector<Entry> entries_;
};

// What decided an order and what its escalation climbs: the routing rule, the escalation ladder
// of its chain and how long each order up that ladder has to be accepted. Recorded with every
// order (order.dispatched) and carried on by the orders up the ladder, so an escalation follows
// the rules the incident was dispatched under, not a deployment changed since. RouterCore keeps
// one of each (a few rule targets), so an order holds only a pointer.
struct DispatchBasis {
  std::string rule;                 // empty: manual triage, or no rule matched
  std::vector<std::string> ladder;  // the rungs after the first choice (routing.toml's `ladder`)
  std::int64_t ladder_ack_ms = 0;   // how long an order up the ladder has to be accepted
  bool operator<(const DispatchBasis& o) const {
    return std::tie(rule, ladder, ladder_ack_ms) < std::tie(o.rule, o.ladder, o.ladder_ack_ms);
  }
};

struct Order {
  std::string id;
  std::string incident_id;
  std::string unit;
  std::string state;
  std::int64_t chain = 0;
  std::int64_t rung = 0;
  std::int64_t ack_deadline_ms = 0;
  std::int64_t ack_within_ms = 0;          // how long the unit had to accept; 0 in logs older than it
  const DispatchBasis* basis = nullptr;    // RouterCore's; nullptr in logs older than it
  std::string reason;
  bool awaiting_ack = true;  // dispatched and neither accepted, declined, escalated nor closed
  bool open = true;          // not escalated, closed or finished
  // Workflow timers armed by order.deadline events, by timer name. `overdue` once order.overdue
  // is recorded, so a timer fires once per arming.
  ArmedTimers timers;
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

// One line of an incident's timeline, kept compact: the text is made only when a view asks for
// it (RouterCore::view). A line about an order is written from the order (its id, unit, rung and
// reason never change once dispatched) plus `detail` (the reason, note or timer name of this
// event) and `number` (a timer's deadline); the incident.reported line from the incident's fields
// that never change plus `detail` (the source and triage reason at the time, which a transfer
// changes: source, then NUL and the reason when there was one); any other line keeps its whole
// text in `detail`.
struct TimelineLine {
  std::int64_t at_ms = 0;
  std::int64_t number = 0;
  const Order* order = nullptr;  // a node of RouterCore's order map: never moved, never erased
  std::string detail;
  std::uint8_t type = 0;         // index into RouterCore's table of event types
};

struct Incident {
  std::string id;
  std::string source;        // the platform whose workflow applies now (changes on transfer)
  std::string reporter;      // the caller's details stay in the log (incident.reported): routing never uses them
  std::string caller_key;    // the caller's phone as merging compares it (report_identity.hpp); empty: none
  std::string category;
  std::string family;
  std::int64_t priority = 3;
  std::optional<v1::Location> location;
  std::optional<std::string> grid;
  std::optional<std::string> town;
  std::optional<std::string> location_note;
  std::optional<std::string> household;
  std::optional<std::string> address;
  std::optional<std::string> text;
  std::optional<std::string> triage_reason;
  std::optional<std::string> merged_into;
  bool unverified = false;
  std::unique_ptr<NeighbourAlert> neighbour_alert;  // held apart: few incidents have one
  std::vector<std::string> linked;   // incidents merged into this one
  std::vector<std::string> related;  // possibly related incidents (incident.related, either side)
  std::vector<std::string> report_ids;
  std::int64_t reported_at_ms = 0;
  std::string state;
  std::vector<std::string> order_ids;
  // The units of order_ids from here on have been tried (a transfer starts afresh); see
  // RouterCore::tried_units.
  std::size_t tried_from = 0;
  std::set<std::string> seen_requests;       // update, transfer, unlink and merge ids already recorded
  std::vector<TimelineLine> timeline;

  bool closed() const { return state == "closed"; }
};

}  // namespace liandong::router
