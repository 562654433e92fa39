#include "services/router/router_core.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <iterator>

#include "core/codec.hpp"
#include "services/router/report_identity.hpp"
#include "services/router/router_events.hpp"
#include "services/router/routing.hpp"

namespace liandong::router {

namespace {
std::optional<GeoPoint> to_point(const std::optional<v1::Location>& l) {
  if (!l) return std::nullopt;
  return GeoPoint{l->lat, l->lon};
}

// The event types a timeline line can have; a line keeps its type as an index into this table.
constexpr std::string_view kLineTypes[] = {
    event_type::kReported,      event_type::kLinked,          event_type::kUnlinked,
    event_type::kIncidentStatus, event_type::kTransferred,    event_type::kDispatched,
    event_type::kAccepted,      event_type::kDeclined,        event_type::kEscalated,
    event_type::kOrderStatus,   event_type::kOrderClosed,     event_type::kNeighboursAlerted,
    event_type::kNeighbourAcknowledged, event_type::kNeighboursUnanswered, event_type::kOrderDeadline,
    event_type::kOrderOverdue,  event_type::kRelated};

std::uint8_t line_type(std::string_view type) {
  const auto it = std::find(std::begin(kLineTypes), std::end(kLineTypes), type);
  assert(it != std::end(kLineTypes));  // apply() only writes lines for the types it knows
  return static_cast<std::uint8_t>(it - std::begin(kLineTypes));
}

std::string seconds_text(Millis ms) {
  return ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
}

const Workflow& default_workflow() {
  static const Workflow wf = [] {
    Workflow w;
    w.platform = "*";
    w.states = {"dispatched", "accepted", "en_route", "on_scene", "resolved", "closed"};
    w.transitions = {{"dispatched", {"accepted"}}, {"accepted", {"en_route", "on_scene", "resolved", "closed"}},
                     {"en_route", {"on_scene", "resolved"}}, {"on_scene", {"resolved"}}, {"resolved", {"closed"}}};
    return w;
  }();
  return wf;
}
}  // namespace

std::string unit_peer(const std::string& unit_id) { return "unit:" + unit_id; }

RouterCore::RouterCore(const Deployment& deployment, const Clock& clock, std::string name)
    : deployment_(deployment), locator_(deployment), clock_(clock), name_(std::move(name)), ids_(clock) {
  for (const char* c : {"reports", "duplicate_reports", "merged", "dispatched", "escalations", "triage", "accepted",
                        "declined", "status_updates", "transfers", "unlinks", "related", "merges", "refused",
                        "unreachable", "neighbours_alerted", "neighbour_acks", "neighbours_unanswered", "deadlines",
                        "overdue", "replay_errors"}) {
    counters_[c] = 0;
  }
}

const Workflow& RouterCore::workflow(const std::string& platform) const {
  auto it = deployment_.workflows.find(platform);
  return it == deployment_.workflows.end() ? default_workflow() : it->second;
}

const Incident* RouterCore::incident(const std::string& id) const {
  auto it = incidents_.find(id);
  return it == incidents_.end() ? nullptr : &it->second;
}

const Order* RouterCore::order(const std::string& id) const {
  auto it = orders_.find(id);
  return it == orders_.end() ? nullptr : &it->second;
}

std::size_t RouterCore::open_incidents() const {
  std::size_t n = 0;
  for (const auto& [id, inc] : incidents_) n += inc.closed() ? 0 : 1;
  return n;
}

// ---- messages ----

Send RouterCore::report_ack(const Incident& incident, const std::string& report_id, bool duplicate,
                            const std::string& to) const {
  v1::ReportAck ack;
  ack.report_id = report_id;
  ack.incident_id = incident.id;
  ack.duplicate = duplicate;
  ack.merged_into = incident.merged_into;
  ack.state = incident.state;
  return {to, std::string(v1::ReportAck::kCommand), encode_body(ack), ""};
}

Send RouterCore::dispatch_order(const Order& order) const {
  const Incident& inc = incidents_.at(order.incident_id);
  v1::DispatchOrder o;
  o.order_id = order.id;
  o.incident_id = inc.id;
  o.unit = order.unit;
  o.source = inc.source;
  o.category = inc.category;
  o.priority = inc.priority;
  o.location = inc.location;
  o.grid = inc.grid;
  o.address = inc.address;
  o.text = inc.text;
  o.ack_deadline_ms = order.ack_deadline_ms;
  o.rung = order.rung;
  // The police must know when nobody could confirm who raised the alarm.
  o.reason = order.reason + (inc.unverified ? "; unverified caller" : "");
  return {unit_peer(order.unit), std::string(v1::DispatchOrder::kCommand), encode_body(o), order.id};
}

Send RouterCore::receipt(const std::string& to, const std::string& key, const std::string& incident_id,
                         const std::string& state, bool duplicate) const {
  return {to, std::string(v1::Receipt::kCommand), encode_body(v1::Receipt{key, incident_id, state, duplicate}), ""};
}

Send RouterCore::withdrawal(const Order& order, const std::string& note) {
  v1::StatusUpdate update;
  update.update_id = ids_.next();
  update.incident_id = order.incident_id;
  update.unit = order.unit;
  update.order_id = order.id;
  update.state = "withdrawn";
  update.note = note;
  update.at_ms = clock_.wall_ms();
  return {unit_peer(order.unit), std::string(v1::StatusUpdate::kCommand), encode_body(update), ""};
}

Send RouterCore::error(const std::string& to, ErrorCode code, const std::string& message, const std::string& reply_to,
                       std::string_view command) const {
  return {to, std::string(v1::Error::kCommand),
          encode_body(v1::make_error(code, message, reply_to, std::string(command))), ""};
}

// ---- events ----

template <class Body>
void RouterCore::record(Decision& d, std::string_view type, const std::string& incident_id, const Body& body) {
  v1::AuditEvent e;
  e.event_id = ids_.next();
  if (!incident_id.empty()) e.incident_id = incident_id;  // a security event may concern no incident
  e.type = std::string(type);
  e.actor = name_;
  e.at_ms = clock_.wall_ms();
  e.body.bytes = encode_body(body);
  [[maybe_unused]] const Status applied = apply(e.type, e.body.bytes, e.at_ms);
  assert(applied.ok());  // the core applies only what it has just decided from its own state
  d.events.push_back(std::move(e));
}

// record() is used from router_neighbours.cpp and router_timers.cpp too.
template void RouterCore::record(Decision&, std::string_view, const std::string&, const NeighboursAlerted&);
template void RouterCore::record(Decision&, std::string_view, const std::string&, const NeighbourAcknowledged&);
template void RouterCore::record(Decision&, std::string_view, const std::string&, const NeighboursUnanswered&);
template void RouterCore::record(Decision&, std::string_view, const std::string&, const OrderDeadline&);
template void RouterCore::record(Decision&, std::string_view, const std::string&, const OrderOverdue&);

void RouterCore::timeline(Incident& incident, std::int64_t at_ms, std::string_view type, std::string text) {
  incident.timeline.push_back({at_ms, 0, nullptr, std::move(text), line_type(type)});
}

void RouterCore::order_line(Incident& incident, std::int64_t at_ms, std::string_view type, const Order& order,
                            std::string detail, std::int64_t number) {
  incident.timeline.push_back({at_ms, number, &order, std::move(detail), line_type(type)});
}

v1::TimelineEntry RouterCore::render(const Incident& inc, const TimelineLine& line) const {
  const std::string_view type = kLineTypes[line.type];
  v1::TimelineEntry e{line.at_ms, std::string(type), {}};
  if (type == event_type::kReported) {
    // `detail` is what a later event may change on the incident: its source then, and the
    // triage reason after a NUL when it had one.
    const auto nul = line.detail.find('\0');
    const std::string source = line.detail.substr(0, nul);
    e.text = "reported by " + inc.reporter + " via " + source + ": " + inc.category + " P" + std::to_string(inc.priority) +
             (inc.grid ? " in grid " + *inc.grid : std::string(" (no grid)")) +
             (inc.location_note ? " — " + *inc.location_note : "") +
             (inc.unverified ? std::string(" — unverified caller (not confirmed by the household registry)") : "") +
             (nul != std::string::npos ? " — manual triage: " + line.detail.substr(nul + 1) : "");
    return e;
  }
  if (line.order == nullptr) {
    e.text = line.detail;
    return e;
  }
  const Order& o = *line.order;
  if (type == event_type::kDispatched) {
    e.text = "order " + o.id + " to " + o.unit + (o.rung > 0 ? " (escalation rung " + std::to_string(o.rung) + ")" : "") +
             ": " + o.reason;
  } else if (type == event_type::kAccepted) {
    e.text = o.unit + " accepted order " + o.id;
  } else if (type == event_type::kDeclined) {
    e.text = o.unit + " declined order " + o.id + ": " + line.detail;
  } else if (type == event_type::kEscalated) {
    e.text = "order " + o.id + " to " + o.unit + " escalated: " + line.detail;
  } else if (type == event_type::kOrderClosed) {
    e.text = "order " + o.id + " to " + o.unit + " withdrawn: " + line.detail;
  } else if (type == event_type::kOrderStatus) {
    e.text = o.unit + ": " + line.detail;
  } else if (type == event_type::kOrderDeadline) {
    e.text = "order " + o.id + " to " + o.unit + ": '" + line.detail + "' deadline " +
             deployment_.calendar.local_text(line.number);
  } else if (type == event_type::kOrderOverdue) {
    e.text = "order " + o.id + " to " + o.unit + " is overdue: '" + line.detail + "' deadline " +
             deployment_.calendar.local_text(line.number) + " passed; the duty supervisor is told";
  }
  return e;
}

namespace {
// Orders in progress decide the incident's state: the furthest along the workflow; with none left
// open, the incident is closed.
void refresh_state(Incident& inc, const std::map<std::string, Order>& orders, const Workflow& wf) {
  if (inc.closed() || inc.merged_into) return;
  int best = -1;
  std::string best_state;
  bool any_open = false;
  bool any_closed_normally = false;
  for (const auto& id : inc.order_ids) {
    const Order& o = orders.at(id);
    if (o.state == wf.closed) any_closed_normally = true;
    if (!o.open) continue;
    any_open = true;
    const auto pos = std::find(wf.states.begin(), wf.states.end(), o.state);
    const int index = pos == wf.states.end() ? 0 : static_cast<int>(pos - wf.states.begin());
    if (index > best) {
      best = index;
      best_state = o.state;
    }
  }
  if (any_open) {
    inc.state = best_state;
  } else if (any_closed_normally) {
    inc.state = wf.closed;
  }
}
}  // namespace

Status RouterCore::apply(std::string_view type, std::string_view body, std::int64_t at_ms) {
  if (type == event_type::kReported) {
    auto ev = decode_body<IncidentReported>(body);
    if (!ev.ok()) return ev.status();
    Incident& inc = incidents_[ev->incident_id];
    inc.id = ev->incident_id;
    inc.source = ev->source;
    inc.reporter = ev->reporter;
    inc.caller_key = ev->caller && ev->caller->phone ? caller_key(*ev->caller->phone) : "";
    inc.category = ev->category;
    inc.family = ev->family;
    inc.priority = ev->priority;
    inc.location = ev->location;
    inc.grid = ev->grid;
    inc.town = ev->town;
    inc.location_note = ev->location_note;
    inc.household = ev->household;
    inc.address = ev->address;
    inc.text = ev->text;
    inc.triage_reason = ev->triage_reason;
    inc.merged_into = ev->merged_into;
    inc.unverified = ev->unverified.value_or(false);
    inc.reported_at_ms = ev->reported_at_ms;
    inc.report_ids.push_back(ev->report_id);
    inc.state = ev->merged_into ? "merged" : "reported";
    incident_of_report_[ev->source + "/" + ev->report_id] = &inc;
    if (!inc.merged_into) index_for_merge(inc);
    // The text is made by render() from the incident; only what may change later is kept.
    std::string detail = ev->source;
    if (ev->triage_reason) {
      detail.push_back('\0');
      detail += *ev->triage_reason;
    }
    timeline(inc, at_ms, type, std::move(detail));
    return Status::Ok();
  }
  if (type == event_type::kLinked) {
    auto ev = decode_body<IncidentLinked>(body);
    if (!ev.ok()) return ev.status();
    auto found = incidents_.find(ev->incident_id);
    if (found == incidents_.end()) return unknown_incident(ev->incident_id);
    Incident& inc = found->second;
    inc.merged_into = ev->into;
    inc.state = "merged";
    if (ev->request_id) inc.seen_requests.insert(*ev->request_id);
    const std::string by = ev->by ? " by " + *ev->by : "";
    if (auto it = incidents_.find(ev->into); it != incidents_.end()) {
      it->second.linked.push_back(inc.id);
      timeline(it->second, at_ms, type,
               "incident " + inc.id + (ev->by ? " merged into this one" + by : " linked to this one as a duplicate"));
    }
    timeline(inc, at_ms, type, (ev->by ? "merged into " + ev->into + by : "linked to " + ev->into) + ": " + ev->reason);
    return Status::Ok();
  }
  if (type == event_type::kUnlinked) {
    auto ev = decode_body<IncidentUnlinked>(body);
    if (!ev.ok()) return ev.status();
    auto found = incidents_.find(ev->incident_id);
    if (found == incidents_.end()) return unknown_incident(ev->incident_id);
    Incident& inc = found->second;
    if (inc.merged_into) {
      if (auto it = incidents_.find(*inc.merged_into); it != incidents_.end()) {
        std::erase(it->second.linked, inc.id);
        timeline(it->second, at_ms, type, "incident " + inc.id + " unlinked by " + ev->by);
      }
    }
    inc.merged_into.reset();
    inc.state = "reported";
    // Routed afresh: the units of orders closed by a merge by hand may be ordered again.
    inc.tried_from = inc.order_ids.size();
    inc.seen_requests.insert(ev->request_id);
    index_for_merge(inc);
    timeline(inc, at_ms, type, "unlinked by " + ev->by + "; routed on its own");
    return Status::Ok();
  }
  if (type == event_type::kDispatched) {
    auto ev = decode_body<OrderDispatched>(body);
    if (!ev.ok()) return ev.status();
    auto found = incidents_.find(ev->incident_id);
    if (found == incidents_.end()) return unknown_incident(ev->incident_id);
    Incident& inc = found->second;
    Order& o = orders_[ev->order_id];
    o.id = ev->order_id;
    o.incident_id = ev->incident_id;
    o.unit = ev->unit;
    o.state = ev->state;
    o.chain = ev->chain;
    o.rung = ev->rung;
    o.ack_deadline_ms = ev->ack_deadline_ms;
    o.ack_within_ms = ev->ack_within_ms.value_or(0);
    // An order.dispatched without a ladder comes from an older log: basis_of() falls back.
    if (ev->ladder) {
      o.basis = intern({ev->rule.value_or(""), std::move(*ev->ladder),
                        ev->ladder_ack_within_ms.value_or(deployment_.supervisor_ack_deadline_ms)});
    }
    o.reason = ev->reason;
    o.awaiting_ack = true;
    o.open = true;
    inc.order_ids.push_back(o.id);
    if (ev->chain < 0 && !inc.triage_reason) inc.triage_reason = ev->reason;
    if (inc.state == "reported" || inc.state == "transferred") inc.state = ev->state;
    if (!replaying_) deadlines_.push({o.ack_deadline_ms, o.id});
    order_line(inc, at_ms, type, o);
    return Status::Ok();
  }
  if (type == event_type::kAccepted || type == event_type::kDeclined || type == event_type::kEscalated ||
      type == event_type::kOrderClosed) {
    auto ev = decode_body<OrderChanged>(body);
    if (!ev.ok()) return ev.status();
    auto found = orders_.find(ev->order_id);
    if (found == orders_.end()) return unknown_order(ev->order_id);
    Order& o = found->second;
    Incident& inc = incidents_[o.incident_id];
    const Workflow& wf = workflow(inc.source);
    o.awaiting_ack = false;
    if (type == event_type::kAccepted) {
      o.state = wf.accepted;
      disarm_on_enter(o, wf);
      order_line(inc, at_ms, type, o);
    } else if (type == event_type::kDeclined) {
      o.state = "declined";
      o.open = false;
      order_line(inc, at_ms, type, o, std::move(ev->reason));
    } else if (type == event_type::kEscalated) {
      o.state = "escalated";
      o.open = false;
      order_line(inc, at_ms, type, o, std::move(ev->reason));
    } else {
      o.state = "withdrawn";
      o.open = false;
      order_line(inc, at_ms, type, o, std::move(ev->reason));
    }
    if (!o.open) o.timers.clear();
    refresh_state(inc, orders_, wf);
    return Status::Ok();
  }
  if (type == event_type::kOrderStatus) {
    auto ev = decode_body<OrderStatusChanged>(body);
    if (!ev.ok()) return ev.status();
    auto found = orders_.find(ev->order_id);
    if (found == orders_.end()) return unknown_order(ev->order_id);
    Order& o = found->second;
    Incident& inc = incidents_[o.incident_id];
    const Workflow& wf = workflow(inc.source);
    o.state = ev->state;
    o.awaiting_ack = false;
    if (ev->state == wf.closed) o.open = false;
    disarm_on_enter(o, wf);
    inc.seen_requests.insert(ev->update_id);
    order_line(inc, at_ms, type, o, ev->state + (ev->note ? " (" + *ev->note + ")" : ""));
    refresh_state(inc, orders_, wf);
    return Status::Ok();
  }
  if (type == event_type::kIncidentStatus) {
    auto ev = decode_body<IncidentStatusChanged>(body);
    if (!ev.ok()) return ev.status();
    auto found = incidents_.find(ev->incident_id);
    if (found == incidents_.end()) return unknown_incident(ev->incident_id);
    Incident& inc = found->second;
    inc.state = ev->state;
    inc.seen_requests.insert(ev->update_id);
    timeline(inc, at_ms, type, "incident " + ev->state + " by " + ev->by + (ev->note ? " (" + *ev->note + ")" : ""));
    return Status::Ok();
  }
  if (type == event_type::kTransferred) {
    auto ev = decode_body<IncidentTransferred>(body);
    if (!ev.ok()) return ev.status();
    auto found = incidents_.find(ev->incident_id);
    if (found == incidents_.end()) return unknown_incident(ev->incident_id);
    Incident& inc = found->second;
    inc.source = ev->to;
    inc.state = "transferred";
    inc.triage_reason.reset();
    inc.tried_from = inc.order_ids.size();  // the new platform's units start afresh
    inc.seen_requests.insert(ev->transfer_id);
    timeline(inc, at_ms, type,
             "transferred from " + ev->from + " to " + ev->to + " by " + ev->by + (ev->reason ? ": " + *ev->reason : ""));
    return Status::Ok();
  }
  if (auto applied = apply_neighbour_event(type, body, at_ms)) return *applied;
  if (auto applied = apply_merge_event(type, body, at_ms)) return *applied;
  if (auto applied = apply_timer_event(type, body, at_ms)) return *applied;
  return Status::Ok();  // a type this version does not know (a newer router's, or another service's)
}

Status RouterCore::unknown_incident(const std::string& id) {
  return {ErrorCode::kUnknownId, "it names incident '" + id + "', which no earlier event reported"};
}

Status RouterCore::unknown_order(const std::string& id) {
  return {ErrorCode::kUnknownId, "it names order '" + id + "', which no earlier event dispatched"};
}

Status RouterCore::apply_stored(const v1::StoredEvent& event) {
  return apply_stored(event.seq, event.type, event.body.bytes, event.at_ms);
}

Status RouterCore::apply_stored(std::int64_t seq, std::string_view type, std::string_view body, std::int64_t at_ms) {
  replaying_ = true;
  deadlines_stale_ = true;
  const Status applied = apply(type, body, at_ms);
  replaying_ = false;
  if (applied.ok()) return applied;
  ++counters_["replay_errors"];
  return applied.with_context("event seq " + std::to_string(seq) + " (" + std::string(type) + ") not applied");
}

Result<std::vector<Send>> RouterCore::apply_followed(std::int64_t seq, std::string_view type, std::string_view body,
                                                     std::int64_t at_ms) {
  if (auto s = apply_stored(seq, type, body, at_ms); !s.ok()) return s;
  std::vector<Send> out;
  if (type == event_type::kDispatched) {
    auto ev = decode_body<OrderDispatched>(body);  // read once already: it was applied
    if (auto it = orders_.find(ev->order_id); it != orders_.end() && it->second.awaiting_ack) {
      out.push_back(dispatch_order(it->second));
    }
  }
  return out;
}

void RouterCore::rebuild_deadlines() {
  // Only live entries: the queues' consumers skip stale ones anyway, so this is the same schedule.
  std::vector<Deadline> acks;
  std::vector<TimerDue> timers;
  for (const auto& [id, o] : orders_) {
    if (o.awaiting_ack) acks.emplace_back(o.ack_deadline_ms, id);
    if (!o.open) continue;
    for (const auto& [name, armed] : o.timers) {
      if (!armed.overdue) timers.emplace_back(armed.deadline_ms, id, name);
    }
  }
  deadlines_ = decltype(deadlines_)(std::greater<>(), std::move(acks));
  timer_deadlines_ = decltype(timer_deadlines_)(std::greater<>(), std::move(timers));
  deadlines_stale_ = false;
}

// ---- routing ----

std::set<std::string> RouterCore::tried_units(const Incident& incident) const {
  std::set<std::string> tried;
  for (std::size_t i = incident.tried_from; i < incident.order_ids.size(); ++i) {
    tried.insert(orders_.at(incident.order_ids[i]).unit);
  }
  return tried;
}

DispatchBasis RouterCore::basis_from_deployment(const Incident& incident, std::int64_t chain) const {
  if (chain >= 0) {
    if (const RoutingRule* rule = find_rule(deployment_, incident.category, incident.source, incident.priority)) {
      if (chain < static_cast<std::int64_t>(rule->targets.size())) {
        const auto& target = rule->targets[static_cast<std::size_t>(chain)];
        return {rule->name, target.ladder, target.ladder_ack_deadline_ms};
      }
    }
    return {"", {"supervisor", "command"}, deployment_.supervisor_ack_deadline_ms};
  }
  return {"", {"command"}, deployment_.supervisor_ack_deadline_ms};  // manual triage
}

DispatchBasis RouterCore::basis_of(const Order& order) const {
  if (order.basis != nullptr) return *order.basis;
  return basis_from_deployment(incidents_.at(order.incident_id), order.chain);
}

Millis RouterCore::ack_within(const Order& order) const {
  if (order.ack_within_ms > 0) return order.ack_within_ms;
  const Incident& incident = incidents_.at(order.incident_id);
  if (order.chain >= 0 && order.rung == 0) {
    if (const RoutingRule* rule = find_rule(deployment_, incident.category, incident.source, incident.priority)) {
      if (order.chain < static_cast<std::int64_t>(rule->targets.size())) {
        return rule->targets[static_cast<std::size_t>(order.chain)].ack_deadline_ms;
      }
    }
  }
  return basis_of(order).ladder_ack_ms;
}

const DispatchBasis* RouterCore::intern(DispatchBasis basis) { return &*bases_.insert(std::move(basis)).first; }

void RouterCore::dispatch(Decision& d, Incident& incident, const std::string& unit, std::int64_t chain,
                          std::int64_t rung, Millis ack_deadline_ms, const DispatchBasis& basis,
                          const std::string& reason) {
  OrderDispatched ev;
  ev.order_id = ids_.next();
  ev.incident_id = incident.id;
  ev.unit = unit;
  ev.chain = chain;
  ev.rung = rung;
  ev.ack_deadline_ms = clock_.wall_ms() + ack_deadline_ms;
  ev.state = workflow(incident.source).initial;
  ev.reason = reason;
  if (!basis.rule.empty()) ev.rule = basis.rule;
  ev.ladder = basis.ladder;
  ev.ack_within_ms = ack_deadline_ms;
  ev.ladder_ack_within_ms = basis.ladder_ack_ms;
  record(d, event_type::kDispatched, incident.id, ev);
  d.after_durable.push_back(dispatch_order(orders_.at(ev.order_id)));
  ++counters_["dispatched"];
  arm_timers(d, ev.order_id);
}

namespace {
// "grid.police" -> "police"; "dept.water" -> "dept": the agency a ladder's "nearest" follows when
// the first choice never existed.
std::string agency_of_target(const std::string& target) {
  if (target.rfind("grid.", 0) == 0) return target.substr(5);
  return target.substr(0, target.find('.'));
}
}  // namespace

void RouterCore::route(Decision& d, Incident& incident) {
  auto to_triage = [&](const std::string& why) {
    auto sup = resolve_rung(deployment_, "supervisor", incident.source, std::nullopt, {});
    const std::string unit = sup.unit.empty() ? deployment_.command_centre : sup.unit;
    ++counters_["triage"];
    dispatch(d, incident, unit, -1, 0, deployment_.supervisor_ack_deadline_ms, basis_from_deployment(incident, -1),
             "manual triage: " + why);
  };
  if (incident.triage_reason) return to_triage(*incident.triage_reason);
  const RoutingRule* rule = find_rule(deployment_, incident.category, incident.source, incident.priority);
  if (rule == nullptr || rule->targets.empty()) {
    return to_triage("no routing rule for " + incident.category + " from " + incident.source + " at P" +
                     std::to_string(incident.priority));
  }
  const auto where = incident_point(deployment_, to_point(incident.location), incident.grid);
  for (std::size_t t = 0; t < rule->targets.size(); ++t) {
    const auto& target = rule->targets[t];
    auto first = resolve_target(deployment_, target.unit, incident.grid, incident.source);
    const auto chain = static_cast<std::int64_t>(t);
    const auto tried = tried_units(incident);  // again for each target: the one before may have ordered
    const DispatchBasis basis{rule->name, target.ladder, target.ladder_ack_deadline_ms};
    if (!first.unit.empty() && !tried.contains(first.unit)) {
      dispatch(d, incident, first.unit, chain, 0, target.ack_deadline_ms, basis,
               "rule '" + rule->name + "': " + first.reason);
      continue;
    }
    if (!first.unit.empty()) continue;  // two targets naming one unit: one order is enough
    // The first choice does not exist for this incident: start up the ladder at once.
    bool sent = false;
    for (std::size_t r = 0; r < target.ladder.size() && !sent; ++r) {
      auto next = resolve_rung(deployment_, target.ladder[r], incident.source, where, tried,
                               agency_of_target(target.unit));
      if (next.unit.empty()) continue;
      dispatch(d, incident, next.unit, chain, static_cast<std::int64_t>(r + 1), target.ladder_ack_deadline_ms, basis,
               "rule '" + rule->name + "': " + first.reason + "; instead " + next.reason);
      sent = true;
    }
    if (!sent) to_triage("rule '" + rule->name + "': " + first.reason + " and its ladder has no unit");
  }
  if (rule->alert_neighbours) alert_neighbours(d, incident);
}

void RouterCore::escalate(Decision& d, const Order& order_ref, const std::string& reason) {
  const Order order = order_ref;  // the record below changes the stored one
  Incident& inc = incidents_.at(order.incident_id);
  record(d, event_type::kEscalated, inc.id, OrderChanged{order.id, inc.id, order.unit, reason});
  ++counters_["escalations"];
  if (inc.closed()) return;
  next_rung(d, inc, order, reason);
}

void RouterCore::next_rung(Decision& d, Incident& inc, const Order& order, const std::string& reason) {
  // The ladder the order was dispatched under (carried on to the next order), not today's rules.
  const DispatchBasis basis = basis_of(order);
  const auto& ladder = basis.ladder;
  const auto where = incident_point(deployment_, to_point(inc.location), inc.grid);
  // Walk up from the next rung; past the top, the last rung (the command centre, normally) is
  // asked again rather than giving up: an incident is never left with nobody.
  const std::size_t steps = ladder.size() + 2;
  for (std::size_t k = 0; k < steps; ++k) {
    const auto rung = order.rung + 1 + static_cast<std::int64_t>(k);
    const std::string step = ladder.empty() ? "command"
                                            : ladder[std::min<std::size_t>(static_cast<std::size_t>(rung - 1), ladder.size() - 1)];
    std::set<std::string> tried = tried_units(inc);
    if (step == "supervisor" || step == "command") tried.clear();  // overseers may be asked again
    const Unit* previous = deployment_.unit(order.unit);
    auto next = resolve_rung(deployment_, step, inc.source, where, tried, previous ? previous->agency : "");
    if (next.unit.empty()) continue;
    dispatch(d, inc, next.unit, order.chain, rung, basis.ladder_ack_ms, basis,
             "escalated from " + order.unit + " (" + reason + "): " + next.reason);
    return;
  }
  dispatch(d, inc, deployment_.command_centre, order.chain, order.rung + 1, deployment_.supervisor_ack_deadline_ms, basis,
           "escalated from " + order.unit + " (" + reason + "): no rung left, the command centre");
}

// ---- commands ----

Decision RouterCore::on_report(const std::string& from, const std::string& message_id,
                               const v1::IncidentReport& report) {
  Decision d;
  ++counters_["reports"];
  if (auto known = incident_of_report_.find(report.source + "/" + report.report_id); known != incident_of_report_.end()) {
    ++counters_["duplicate_reports"];
    // To whoever asks now: a retry may come from a restarted gateway or another CLI run.
    d.after_durable.push_back(report_ack(*known->second, report.report_id, true, from));
    return d;
  }
  (void)message_id;
  IncidentReported ev;
  ev.incident_id = ids_.next();
  ev.report_id = report.report_id;
  ev.reporter = from;
  ev.source = report.source;
  ev.category = report.category;
  ev.location = report.location;
  ev.household = report.household;
  ev.address = report.address;
  ev.caller = report.caller;
  ev.text = report.text;
  ev.reported_at_ms = report.reported_at_ms;
  if (report.unverified.value_or(false)) ev.unverified = true;

  auto category = deployment_.categories.find(report.category);
  ev.family = category != deployment_.categories.end() ? category->second.family
                                                        : report.category.substr(0, report.category.find('.'));
  // An operator's explicit priority wins; an unknown category is treated as urgent until a person
  // has looked at it.
  ev.priority = report.priority ? *report.priority
                                : (category != deployment_.categories.end() ? category->second.default_priority : 2);
  if (category == deployment_.categories.end()) ev.triage_reason = "unknown category '" + report.category + "'";

  if (report.grid) {
    if (const Grid* g = deployment_.grid(*report.grid)) {
      ev.grid = g->id;
      ev.town = g->town;
    } else if (!ev.triage_reason) {
      ev.triage_reason = "unknown grid '" + *report.grid + "'";
    }
  } else if (report.location) {
    if (auto found = locator_.locate({report.location->lat, report.location->lon})) {
      ev.grid = found->grid->id;
      ev.town = found->grid->town;
      if (!found->inside) {
        ev.location_note = "on no grid: routed to the nearest grid " + found->grid->id + " (about " +
                           std::to_string(static_cast<long>(found->distance_m)) + " m away)";
      }
    } else if (!ev.triage_reason) {
      ev.triage_reason = "the deployment has no grid map";
    }
  } else if (report.household) {
    auto h = deployment_.households.find(*report.household);
    if (h != deployment_.households.end() && deployment_.grid(h->second.grid) != nullptr) {
      ev.grid = h->second.grid;
      ev.town = deployment_.grid(h->second.grid)->town;
    } else if (!ev.triage_reason) {
      ev.triage_reason = "unknown household '" + *report.household + "'";
    }
  } else if (!ev.triage_reason) {
    ev.triage_reason = "no location: the report gives no lat/lon, grid or household";
  }

  const auto match = find_merge_target(ev);
  if (match && match->merge) ev.merged_into = match->incident_id;
  record(d, event_type::kReported, ev.incident_id, ev);
  Incident& inc = incidents_.at(ev.incident_id);
  if (ev.merged_into) {
    ++counters_["merged"];
    record(d, event_type::kLinked, inc.id,
           IncidentLinked{inc.id, match->incident_id, match->reason, std::nullopt, std::nullopt});
    d.after_durable.insert(d.after_durable.begin(), report_ack(inc, report.report_id, false, from));
    return d;
  }
  if (match) {
    // Possibly the same, possibly a second patient: dispatched all the same, the link on both trails.
    ++counters_["related"];
    record(d, event_type::kRelated, inc.id, IncidentRelated{inc.id, match->incident_id, "possibly_related", match->reason});
  }
  route(d, inc);
  d.after_durable.insert(d.after_durable.begin(), report_ack(inc, report.report_id, false, from));
  return d;
}

namespace {
// A peer named unit:<id> speaks for that unit only (the broker lets a key register only the
// names it was enrolled for, so the name is proven under CurveZMQ). Other peers (a gateway
// relaying a department's answer, an operator) may act for any unit.
std::optional<std::string> unit_of_peer(const std::string& from) {
  constexpr std::string_view kPrefix = "unit:";  // unit_peer()'s form
  if (from.rfind(kPrefix, 0) != 0) return std::nullopt;
  return from.substr(kPrefix.size());
}

// The `unit` field of ORDER_ACK and STATUS_UPDATE is the bare unit id ("police.ps03"); the peer
// name "unit:police.ps03" names the same unit and is read as it (schemas/README.md §7). Unit ids
// never start with "unit:" (the deployment loader refuses one), so the two cannot be confused.
std::string bare_unit_id(const std::string& unit) { return unit_of_peer(unit).value_or(unit); }
}  // namespace

void RouterCore::refuse_as_security(Decision& d, const std::string& from, const std::string& message_id,
                                    std::string_view command, const std::string& incident_id, const std::string& why) {
  ++counters_["refused"];
  d.now.push_back(error(from, ErrorCode::kForbidden, why, message_id, command));
  record_security(d, from, message_id, command, incident_id, why);
}

void RouterCore::record_security(Decision& d, const std::string& from, const std::string& message_id,
                                 std::string_view command, const std::string& incident_id, const std::string& why) {
  ++counters_["security_refusals"];
  v1::SecurityEvent ev;
  ev.peer = from;
  ev.command = std::string(command);
  ev.message_id = message_id;
  ev.reason = why;
  record(d, v1::security_event::kRefused, incident_id, ev);
}

Decision RouterCore::on_order_ack(const std::string& from, const std::string& message_id, const v1::OrderAck& ack) {
  Decision d;
  auto it = orders_.find(ack.order_id);
  if (it == orders_.end()) {
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kUnknownId, "no order '" + ack.order_id + "'", message_id, v1::OrderAck::kCommand));
    return d;
  }
  const Order& order = it->second;
  const std::string claimed = bare_unit_id(ack.unit);
  if (auto self = unit_of_peer(from)) {
    if (*self != order.unit) {
      refuse_as_security(d, from, message_id, v1::OrderAck::kCommand, order.incident_id,
                         "unit " + *self + " may answer only its own orders; order " + order.id + " was sent to " +
                             order.unit);
      return d;
    }
    if (claimed != *self) {
      // The order's own unit naming another in its answer: a client bug, not an intrusion.
      ++counters_["refused"];
      d.now.push_back(error(from, ErrorCode::kInvalidValue,
                            "field 'unit': '" + ack.unit + "' is not the sender; " + from + " answers as unit '" +
                                *self + "'",
                            message_id, v1::OrderAck::kCommand));
      return d;
    }
  }
  if (claimed != order.unit) {
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kForbidden,
                          "order " + order.id + " was sent to " + order.unit + ", not to " + ack.unit, message_id,
                          v1::OrderAck::kCommand));
    return d;
  }
  const Workflow& wf = workflow(incidents_.at(order.incident_id).source);
  if (!order.awaiting_ack) {
    if (ack.accepted && order.open && order.state != "declined") {
      // Already accepted (a retry): answer again, record nothing.
      d.after_durable.push_back(receipt(from, order.id, order.incident_id, order.state, true));
      return d;
    }
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kInvalidTransition,
                          "order " + order.id + " is no longer waiting for " + order.unit + ": it is " + order.state +
                              (order.state == "escalated" ? " (another unit has been ordered)" : ""),
                          message_id, v1::OrderAck::kCommand));
    return d;
  }
  const std::string incident_id = order.incident_id;
  if (ack.accepted) {
    const std::string order_id = order.id;
    record(d, event_type::kAccepted, incident_id, OrderChanged{order.id, incident_id, order.unit, "accepted"});
    ++counters_["accepted"];
    arm_timers(d, order_id);
    d.after_durable.push_back(receipt(from, ack.order_id, incident_id, wf.accepted, false));
    return d;
  }
  ++counters_["declined"];
  const Order snapshot = order;
  record(d, event_type::kDeclined, incident_id, OrderChanged{snapshot.id, incident_id, snapshot.unit, *ack.reason});
  // A decline escalates at once; escalate() records the escalation of the (now closed) order.
  escalate(d, snapshot, "declined: " + *ack.reason);
  d.after_durable.push_back(receipt(from, ack.order_id, incident_id, "declined", false));
  return d;
}

Decision RouterCore::on_status(const std::string& from, const std::string& message_id, const v1::StatusUpdate& request) {
  Decision d;
  // `unit` as a bare id; a unit that names no unit speaks for itself (schemas/README.md §7).
  v1::StatusUpdate update = request;
  if (update.unit) update.unit = bare_unit_id(*update.unit);
  const auto self = unit_of_peer(from);
  if (self && !update.unit) update.unit = *self;
  auto refuse = [&](ErrorCode code, const std::string& why) {
    ++counters_["refused"];
    d.now.push_back(error(from, code, why, message_id, v1::StatusUpdate::kCommand));
    return d;
  };
  auto it = incidents_.find(update.incident_id);
  if (it == incidents_.end()) return refuse(ErrorCode::kUnknownId, "no incident '" + update.incident_id + "'");
  Incident& inc = it->second;
  if (inc.seen_requests.contains(update.update_id)) {
    d.after_durable.push_back(receipt(from, update.update_id, inc.id, inc.state, true));
    return d;
  }
  const Workflow& wf = workflow(inc.source);
  if (self) {
    const bool own_unit = *update.unit == *self;
    const bool own_order = !update.order_id || (orders_.contains(*update.order_id) && orders_.at(*update.order_id).unit == *self);
    if (!own_unit || !own_order) {
      refuse_as_security(d, from, message_id, v1::StatusUpdate::kCommand, inc.id,
                         "unit " + *self + " may update only its own orders" +
                             (update.order_id ? std::string(", not order ") + *update.order_id
                                              : std::string(", not those of unit ") + *update.unit));
      return d;
    }
  }
  if (update.order_id) {
    auto o = orders_.find(*update.order_id);
    if (o == orders_.end() || o->second.incident_id != inc.id) {
      return refuse(ErrorCode::kUnknownId, "incident " + inc.id + " has no order '" + *update.order_id + "'");
    }
    const Order& order = o->second;
    if (update.unit && *update.unit != order.unit) {
      return refuse(ErrorCode::kForbidden, "order " + order.id + " belongs to " + order.unit + ", not " + *update.unit);
    }
    if (!order.open || !wf.allows(order.state, update.state)) {
      return refuse(ErrorCode::kInvalidTransition, "order " + order.id + " is '" + order.state + "' on the " + inc.source +
                                                       " workflow; allowed next: " + wf.allowed_from(order.state));
    }
    const Order snapshot = order;
    record(d, event_type::kOrderStatus, inc.id,
           OrderStatusChanged{order.id, inc.id, update.state, update.update_id, from, update.note});
    arm_timers(d, snapshot.id);
    if (std::find(wf.declined.begin(), wf.declined.end(), update.state) != wf.declined.end()) {
      ++counters_["declined"];
      escalate(d, snapshot, update.state + " by " + snapshot.unit + (update.note ? ": " + *update.note : ""));
    }
  } else if (update.unit) {
    // A unit reporting on the incident without naming the order: its open order is meant.
    const Order* mine = nullptr;
    for (const auto& id : inc.order_ids) {
      const Order& o = orders_.at(id);
      if (o.unit == *update.unit && o.open) mine = &o;
    }
    if (mine == nullptr) return refuse(ErrorCode::kUnknownId, *update.unit + " has no open order on incident " + inc.id);
    if (!wf.allows(mine->state, update.state)) {
      return refuse(ErrorCode::kInvalidTransition, "order " + mine->id + " is '" + mine->state + "' on the " +
                                                       inc.source + " workflow; allowed next: " + wf.allowed_from(mine->state));
    }
    const std::string order_id = mine->id;
    record(d, event_type::kOrderStatus, inc.id,
           OrderStatusChanged{mine->id, inc.id, update.state, update.update_id, from, update.note});
    arm_timers(d, order_id);
  } else {
    // The incident as a whole (a supervisor or gateway): any state the workflow allows from where
    // the incident is; closing is always possible, except when it is closed already.
    if (inc.closed()) return refuse(ErrorCode::kInvalidTransition, "incident " + inc.id + " is closed");
    if (update.state != wf.closed && !wf.allows(inc.state, update.state)) {
      return refuse(ErrorCode::kInvalidTransition, "incident " + inc.id + " is '" + inc.state + "' on the " + inc.source +
                                                       " workflow; allowed next: " + wf.allowed_from(inc.state) +
                                                       " (or " + wf.closed + ")");
    }
    record(d, event_type::kIncidentStatus, inc.id,
           IncidentStatusChanged{inc.id, update.state, update.update_id, from, update.note});
  }
  ++counters_["status_updates"];
  d.after_durable.push_back(receipt(from, update.update_id, inc.id, inc.state, false));
  return d;
}

Decision RouterCore::on_transfer(const std::string& from, const std::string& message_id, const v1::Transfer& transfer) {
  Decision d;
  auto it = incidents_.find(transfer.incident_id);
  if (it == incidents_.end()) {
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kUnknownId, "no incident '" + transfer.incident_id + "'", message_id,
                          v1::Transfer::kCommand));
    return d;
  }
  Incident& inc = it->second;
  if (inc.seen_requests.contains(transfer.transfer_id)) {
    d.after_durable.push_back(receipt(from, transfer.transfer_id, inc.id, inc.state, true));
    return d;
  }
  if (inc.closed() || transfer.to == inc.source) {
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kInvalidTransition,
                          inc.closed() ? "incident " + inc.id + " is closed"
                                       : "incident " + inc.id + " is on the " + inc.source + " platform already",
                          message_id, v1::Transfer::kCommand));
    return d;
  }
  const std::string old_source = inc.source;
  std::vector<Order> withdrawn;
  for (const auto& id : inc.order_ids) {
    if (orders_.at(id).open) withdrawn.push_back(orders_.at(id));
  }
  for (const auto& o : withdrawn) {
    record(d, event_type::kOrderClosed, inc.id, OrderChanged{o.id, inc.id, o.unit, "transferred to " + transfer.to});
    d.after_durable.push_back(withdrawal(o, "incident transferred from " + old_source + " to " + transfer.to));
  }
  record(d, event_type::kTransferred, inc.id,
         IncidentTransferred{inc.id, old_source, transfer.to, transfer.transfer_id, from, transfer.reason});
  ++counters_["transfers"];
  route(d, inc);
  d.after_durable.push_back(receipt(from, transfer.transfer_id, inc.id, inc.state, false));
  return d;
}

Decision RouterCore::on_unlink(const std::string& from, const std::string& message_id, const v1::IncidentUnlink& unlink) {
  Decision d;
  auto it = incidents_.find(unlink.incident_id);
  if (it == incidents_.end()) {
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kUnknownId, "no incident '" + unlink.incident_id + "'", message_id,
                          v1::IncidentUnlink::kCommand));
    return d;
  }
  Incident& inc = it->second;
  if (inc.seen_requests.contains(unlink.request_id)) {
    d.after_durable.push_back(receipt(from, unlink.request_id, inc.id, inc.state, true));
    return d;
  }
  if (!inc.merged_into) {
    ++counters_["refused"];
    d.now.push_back(error(from, ErrorCode::kInvalidTransition, "incident " + inc.id + " is not linked to another",
                          message_id, v1::IncidentUnlink::kCommand));
    return d;
  }
  record(d, event_type::kUnlinked, inc.id, IncidentUnlinked{inc.id, unlink.request_id, from});
  ++counters_["unlinks"];
  route(d, inc);
  d.after_durable.push_back(receipt(from, unlink.request_id, inc.id, inc.state, false));
  return d;
}

Decision RouterCore::on_unreachable(const std::string& order_id) {
  Decision d;
  auto it = orders_.find(order_id);
  if (it == orders_.end() || !it->second.awaiting_ack) return d;
  ++counters_["unreachable"];
  const Order& order = it->second;
  // At the top of the ladder there is nobody else to ask: the order waits for its deadline (and is
  // then sent again), rather than bouncing off an absent command centre as fast as the bus goes.
  if (order.rung >= static_cast<std::int64_t>(basis_of(order).ladder.size())) return d;
  escalate(d, order, "unit " + order.unit + " is not connected to the bus");
  return d;
}

Decision RouterCore::on_error(const std::string& from, const std::string& message_id, const v1::Error& err) {
  const std::string reply_to = err.reply_to.value_or("");
  auto it = orders_.find(reply_to);
  const Order* order = it == orders_.end() ? nullptr : &it->second;
  const bool about_order = order != nullptr || err.command == v1::DispatchOrder::kCommand;
  // Only the broker writes an empty source frame: a peer's message always carries its name.
  if (from.empty()) {
    if (about_order && err.code == static_cast<std::uint32_t>(ErrorCode::kUnroutable)) return on_unreachable(reply_to);
    return {};
  }
  const auto code = error_code_from_number(err.code);
  const std::string code_text = code ? std::string(error_name(*code)) : "code " + std::to_string(err.code);
  const std::string about = order != nullptr ? "order " + order->id + " (sent to " + unit_peer(order->unit) + ")"
                            : about_order     ? "order '" + reply_to + "', which does not exist"
                                              : "message '" + reply_to + "'";
  std::string why;
  if (raised_by_broker_only(err.code)) {
    why = "'" + from + "' sent ERROR " + code_text + " about " + about + "; only the broker raises " + code_text;
  } else if (about_order && (order == nullptr || from != unit_peer(order->unit))) {
    why = "'" + from + "' sent ERROR " + code_text + " about " + about +
          "; only the unit an order was sent to may refuse it";
  } else {
    return {};  // the recipient refusing what it received: logged by the caller, nothing changes
  }
  ++counters_["forged_errors"];
  Decision d;
  record_security(d, from, message_id, v1::Error::kCommand, order != nullptr ? order->incident_id : "", why);
  return d;
}

std::optional<std::int64_t> RouterCore::next_deadline() {
  if (deadlines_stale_) rebuild_deadlines();
  while (!deadlines_.empty()) {
    const auto& [due, id] = deadlines_.top();
    auto it = orders_.find(id);
    if (it != orders_.end() && it->second.awaiting_ack && it->second.ack_deadline_ms == due) return due;
    deadlines_.pop();  // stale: accepted, escalated or re-armed since
  }
  return std::nullopt;
}

Decision RouterCore::on_tick() {
  Decision d;
  const std::int64_t now = clock_.wall_ms();
  while (true) {
    auto due = next_deadline();
    if (!due || *due > now) break;
    const std::string id = deadlines_.top().second;
    deadlines_.pop();
    const Order& o = orders_.at(id);
    escalate(d, o, "not accepted within " + seconds_text(ack_within(o)));
  }
  tick_timers(d, now);
  tick_neighbours(d, now);
  return d;
}

Decision RouterCore::on_started(const RouterStarted& started) {
  Decision d;
  v1::AuditEvent e;
  e.event_id = ids_.next();
  e.type = std::string(event_type::kRouterStarted);
  e.actor = name_;
  e.at_ms = clock_.wall_ms();
  e.body.bytes = encode_body(started);
  d.events.push_back(std::move(e));
  return d;
}

Decision RouterCore::resume() {
  Decision d;
  std::vector<std::string> ids;
  std::vector<std::string> merged;
  for (const auto& [id, inc] : incidents_) {
    if (!inc.closed() && !inc.merged_into) ids.push_back(id);
    if (inc.merged_into && !inc.order_ids.empty()) merged.push_back(id);
  }
  // A merge by hand whose order closures a crash kept from the log: close them now.
  for (const auto& id : merged) withdraw_merged_orders(d, incidents_.at(id));
  for (const auto& id : ids) {
    Incident& inc = incidents_.at(id);
    // The newest order of each chain says whether that chain still has someone on it.
    std::map<std::int64_t, const Order*> newest;
    bool any_open = false;
    for (const auto& oid : inc.order_ids) {
      const Order& o = orders_.at(oid);
      newest[o.chain] = &o;
      any_open = any_open || o.open;
    }
    if (!any_open && (inc.state == "reported" || inc.state == "transferred")) {
      ++counters_["resumed"];
      route(d, inc);
      continue;
    }
    for (const auto& [chain, o] : newest) {
      if (o->open || (o->state != "escalated" && o->state != "declined")) continue;
      ++counters_["resumed"];
      const Order ended = *o;
      next_rung(d, inc, ended, "resumed after a restart: " + ended.unit + " " + ended.state);
    }
  }
  // Events a crash kept from the log after their decision's first events: a timer whose start
  // state an open order is in but that was never armed, a neighbour alert that never went out.
  for (const auto& id : ids) {
    Incident& inc = incidents_.at(id);
    const Workflow& wf = workflow(inc.source);
    for (const auto& oid : std::vector<std::string>(inc.order_ids)) {
      const Order& o = orders_.at(oid);
      if (!o.open) continue;
      for (const auto& timer : wf.timers) {
        if (timer.starts_at(o.state) && !o.timers.contains(timer.name)) {
          record(d, event_type::kOrderDeadline, inc.id,
                 OrderDeadline{o.id, inc.id, timer.name, timer_deadline(timer, inc, clock_.wall_ms())});
        }
      }
    }
    if (inc.neighbour_alert || inc.triage_reason || inc.order_ids.empty()) continue;
    const RoutingRule* rule = find_rule(deployment_, inc.category, inc.source, inc.priority);
    if (rule != nullptr && rule->alert_neighbours) alert_neighbours(d, inc);
  }
  return d;
}

std::vector<Send> RouterCore::resend_pending() const {
  std::vector<Send> out;
  for (const auto& [id, o] : orders_) {
    if (o.awaiting_ack) out.push_back(dispatch_order(o));
  }
  return out;
}

// ---- queries ----

std::optional<v1::IncidentView> RouterCore::view(const std::string& incident_id) const {
  const Incident* inc = incident(incident_id);
  if (inc == nullptr) return std::nullopt;
  v1::IncidentView v;
  v.incident_id = inc->id;
  v.state = inc->state;
  v.source = inc->source;
  v.category = inc->category;
  v.priority = inc->priority;
  v.grid = inc->grid;
  v.town = inc->town;
  v.location = inc->location;
  v.location_note = inc->location_note;
  v.address = inc->address;
  v.text = inc->text;
  v.triage_reason = inc->triage_reason;
  v.merged_into = inc->merged_into;
  v.linked = inc->linked;
  if (!inc->related.empty()) v.related = inc->related;
  v.report_ids = inc->report_ids;
  v.reported_at_ms = inc->reported_at_ms;
  for (const auto& id : inc->order_ids) {
    const Order& o = orders_.at(id);
    v.orders.push_back({o.id, o.unit, o.state, o.rung, o.ack_deadline_ms, o.reason});
  }
  // A view must fit in one frame: keep the newest entries of very long histories.
  constexpr std::size_t kMaxTimeline = 500;
  constexpr std::size_t kMaxOrders = 200;
  if (v.orders.size() > kMaxOrders) v.orders.erase(v.orders.begin(), v.orders.end() - kMaxOrders);
  const std::size_t skip = inc->timeline.size() > kMaxTimeline ? inc->timeline.size() - kMaxTimeline : 0;
  v.timeline.reserve(inc->timeline.size() - skip);
  for (std::size_t i = skip; i < inc->timeline.size(); ++i) v.timeline.push_back(render(*inc, inc->timeline[i]));
  return v;
}

v1::IncidentList RouterCore::list(const std::string& query_id, const std::optional<std::string>& state,
                                  std::int64_t limit) const {
  v1::IncidentList out;
  out.query_id = query_id;
  // Incident ids are time-ordered, so walking the map backwards lists the newest first.
  for (auto it = incidents_.rbegin(); it != incidents_.rend(); ++it) {
    const Incident& inc = it->second;
    if (state && !((*state == "open" && !inc.closed()) || *state == inc.state)) continue;
    ++out.total;
    if (static_cast<std::int64_t>(out.incidents.size()) >= limit) continue;
    std::int64_t open = 0;
    for (const auto& id : inc.order_ids) open += orders_.at(id).open ? 1 : 0;
    out.incidents.push_back({inc.id, inc.state, inc.source, inc.category, inc.priority, inc.grid, inc.reported_at_ms, open});
  }
  return out;
}

}  // namespace liandong::router
