// RouterCore's workflow timers (workflows.toml, [[workflow.<p>.timer]]; issue #5): a 96345 work
// order answered within N working hours, a 110 unit on scene within M minutes. Entering a start
// state records order.deadline (the deadline is computed once, from the event's time, so replay
// gives the same one); a tick past it records order.overdue once and tells the platform's duty
// supervisor. The order stays with its unit: moving it is the acknowledgement ladder's job.
#include <cmath>

#include "core/codec.hpp"
#include "services/router/router_core.hpp"

namespace liandong::router {

std::int64_t RouterCore::timer_deadline(const WorkflowTimer& timer, const Incident& incident, std::int64_t from) const {
  const double limit = timer.limit_for(incident.category, incident.priority);
  if (timer.clock == WorkflowTimer::ClockKind::kWorking) return deployment_.calendar.add_working_hours(from, limit);
  return from + std::llround(limit * 1000.0);
}

void RouterCore::arm_timers(Decision& d, const std::string& order_id) {
  const Order& order = orders_.at(order_id);
  if (!order.open) return;
  const Incident& inc = incidents_.at(order.incident_id);
  for (const auto& timer : workflow(inc.source).timers) {
    if (!timer.starts_at(order.state)) continue;
    record(d, event_type::kOrderDeadline, inc.id,
           OrderDeadline{order.id, inc.id, timer.name, timer_deadline(timer, inc, clock_.wall_ms())});
    ++counters_["deadlines"];
  }
}

void RouterCore::disarm_on_enter(Order& order, const Workflow& wf) {
  if (!order.open) {
    order.timers.clear();
    return;
  }
  for (const auto& timer : wf.timers) {
    if (timer.stops_at(order.state)) order.timers.erase(timer.name);
  }
}

void RouterCore::tick_timers(Decision& d, std::int64_t now) {
  while (!timer_deadlines_.empty() && std::get<0>(timer_deadlines_.top()) <= now) {
    const auto [due, order_id, name] = timer_deadlines_.top();
    timer_deadlines_.pop();
    auto o = orders_.find(order_id);
    if (o == orders_.end() || !o->second.open) continue;
    auto armed = o->second.timers.find(name);
    // Stale: disarmed, re-armed with another deadline, or recorded overdue already.
    if (armed == o->second.timers.end() || armed->second.deadline_ms != due || armed->second.overdue) continue;
    const Order& order = o->second;
    const Incident& inc = incidents_.at(order.incident_id);
    if (inc.closed()) continue;
    record(d, event_type::kOrderOverdue, inc.id, OrderOverdue{order.id, inc.id, order.unit, name, due});
    ++counters_["overdue"];
    const std::string text = inc.source + " order " + order.id + " to " + order.unit + " (incident " + inc.id + ", " +
                             inc.category + " P" + std::to_string(inc.priority) + ") passed its '" + name +
                             "' deadline of " + deployment_.calendar.local_text(due) + "; it is '" + order.state + "'";
    d.after_durable.push_back(notice(inc.source, d.events.back().event_id, inc.id, order.id, "overdue", text));
  }
}

Send RouterCore::notice(const std::string& platform, const std::string& notice_id, const std::string& incident_id,
                        const std::optional<std::string>& order_id, const std::string& kind,
                        const std::string& text) const {
  // The supervisor of the platform, else the command centre: a notice always has someone to read it.
  auto sup = deployment_.supervisors.find(platform);
  const std::string unit = sup == deployment_.supervisors.end() ? deployment_.command_centre : sup->second;
  v1::Notice n;
  n.notice_id = notice_id;  // the event's id: a receiver can tell a repeat from a new notice
  n.incident_id = incident_id;
  n.order_id = order_id;
  n.kind = kind;
  n.text = text;
  n.at_ms = clock_.wall_ms();
  return {unit_peer(unit), std::string(v1::Notice::kCommand), encode_body(n), ""};
}

std::optional<Status> RouterCore::apply_timer_event(std::string_view type, std::string_view body, std::int64_t at_ms) {
  if (type == event_type::kOrderDeadline) {
    auto ev = decode_body<OrderDeadline>(body);
    if (!ev.ok()) return ev.status();
    auto found = orders_.find(ev->order_id);
    if (found == orders_.end()) return unknown_order(ev->order_id);
    Order& o = found->second;
    o.timers[ev->timer] = {ev->deadline_ms, false};
    if (!replaying_) timer_deadlines_.push({ev->deadline_ms, o.id, ev->timer});
    order_line(incidents_[o.incident_id], at_ms, type, o, std::move(ev->timer), ev->deadline_ms);
    return Status::Ok();
  }
  if (type == event_type::kOrderOverdue) {
    auto ev = decode_body<OrderOverdue>(body);
    if (!ev.ok()) return ev.status();
    auto found = orders_.find(ev->order_id);
    if (found == orders_.end()) return unknown_order(ev->order_id);
    Order& o = found->second;
    if (auto armed = o.timers.find(ev->timer); armed != o.timers.end() && armed->second.deadline_ms == ev->deadline_ms) {
      armed->second.overdue = true;
    }
    order_line(incidents_[o.incident_id], at_ms, type, o, std::move(ev->timer), ev->deadline_ms);
    return Status::Ok();
  }
  return std::nullopt;
}

}  // namespace liandong::router
