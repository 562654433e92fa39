// RouterCore's neighbourhood watch (issue #5, "one household calls for help, ten households
// alert"): the alarm's neighbour group is alerted with its orders, neighbours acknowledge through
// the watch gateway (NEIGHBOUR_ACK), and an alert nobody answered in time goes to the watch
// platform's duty supervisor. The gateway follows the events below in the audit stream.
#include <algorithm>

#include "core/codec.hpp"
#include "services/router/router_core.hpp"

namespace liandong::router {

void RouterCore::alert_neighbours(Decision& d, Incident& incident) {
  if (incident.neighbour_alert || incident.merged_into || !incident.household) return;
  auto h = deployment_.households.find(*incident.household);
  if (h == deployment_.households.end()) return;  // an unregistered household has no group
  NeighboursAlerted ev;
  ev.incident_id = incident.id;
  ev.household = h->second.id;
  for (const auto& n : h->second.neighbours) {
    if (!n.empty()) ev.neighbours.push_back(n);
  }
  if (ev.neighbours.empty()) return;
  ev.ack_deadline_ms = clock_.wall_ms() + deployment_.neighbour_watch.ack_ms;
  ev.min_acks = deployment_.neighbour_watch.min_acks;
  record(d, event_type::kNeighboursAlerted, incident.id, ev);
  ++counters_["neighbours_alerted"];
}

Decision RouterCore::on_neighbour_ack(const std::string& from, const std::string& message_id,
                                      const v1::NeighbourAck& ack) {
  Decision d;
  auto refuse = [&](ErrorCode code, const std::string& why) {
    ++counters_["refused"];
    d.now.push_back(error(from, code, why, message_id, v1::NeighbourAck::kCommand));
    return d;
  };
  auto it = incidents_.find(ack.incident_id);
  if (it == incidents_.end()) return refuse(ErrorCode::kUnknownId, "no incident '" + ack.incident_id + "'");
  Incident& inc = it->second;
  if (inc.seen_requests.contains(ack.ack_id)) {
    d.after_durable.push_back(receipt(from, ack.ack_id, inc.id, inc.state, true));
    return d;
  }
  if (!inc.neighbour_alert) {
    return refuse(ErrorCode::kInvalidValue, "household '" + ack.household + "' cannot acknowledge incident " + inc.id +
                                                ": no neighbours were alerted for it");
  }
  const auto& group = inc.neighbour_alert->neighbours;
  if (std::find(group.begin(), group.end(), ack.household) == group.end()) {
    return refuse(ErrorCode::kInvalidValue, "household '" + ack.household + "' is not among the neighbours alerted for incident " +
                                                inc.id + " (the group of household " + inc.neighbour_alert->household + ")");
  }
  record(d, event_type::kNeighbourAcknowledged, inc.id,
         NeighbourAcknowledged{inc.id, ack.household, ack.ack_id, from, ack.at_ms, ack.relay});
  ++counters_["neighbour_acks"];
  d.after_durable.push_back(receipt(from, ack.ack_id, inc.id, inc.state, false));
  return d;
}

void RouterCore::tick_neighbours(Decision& d, std::int64_t now) {
  while (!neighbour_deadlines_.empty() && neighbour_deadlines_.begin()->first <= now) {
    const std::string id = neighbour_deadlines_.begin()->second;
    neighbour_deadlines_.erase(neighbour_deadlines_.begin());
    auto it = incidents_.find(id);
    if (it == incidents_.end() || !it->second.neighbour_alert || it->second.closed()) continue;
    const NeighbourAlert& alert = *it->second.neighbour_alert;
    const auto acks = static_cast<std::int64_t>(alert.acknowledged.size());
    if (alert.unanswered || acks >= alert.min_acks) continue;
    record(d, event_type::kNeighboursUnanswered, id, NeighboursUnanswered{id, acks, alert.min_acks});
    ++counters_["neighbours_unanswered"];
    const std::string text = "watch alarm " + id + " (household " + alert.household + "): " + std::to_string(acks) +
                             " of " + std::to_string(alert.neighbours.size()) + " alerted neighbours acknowledged by " +
                             deployment_.calendar.local_text(alert.ack_deadline_ms) + ", " +
                             std::to_string(alert.min_acks) + " needed";
    d.after_durable.push_back(notice("watch", d.events.back().event_id, id, std::nullopt, "neighbours_unanswered", text));
  }
}

std::optional<Status> RouterCore::apply_neighbour_event(std::string_view type, std::string_view body, std::int64_t at_ms) {
  if (type == event_type::kNeighboursAlerted) {
    auto ev = decode_body<NeighboursAlerted>(body);
    if (!ev.ok()) return ev.status();
    if (!incidents_.contains(ev->incident_id)) return unknown_incident(ev->incident_id);
    Incident& inc = incidents_[ev->incident_id];
    auto alert = std::make_unique<NeighbourAlert>();
    alert->household = ev->household;
    alert->neighbours = ev->neighbours;
    alert->ack_deadline_ms = ev->ack_deadline_ms;
    alert->min_acks = ev->min_acks;
    inc.neighbour_alert = std::move(alert);
    neighbour_deadlines_.insert({ev->ack_deadline_ms, inc.id});
    timeline(inc, at_ms, type,
             "neighbour group of household " + ev->household + " alerted (" + std::to_string(ev->neighbours.size()) +
                 " households); " + std::to_string(ev->min_acks) + " acknowledgement(s) needed by " +
                 deployment_.calendar.local_text(ev->ack_deadline_ms));
    return Status::Ok();
  }
  if (type == event_type::kNeighbourAcknowledged) {
    auto ev = decode_body<NeighbourAcknowledged>(body);
    if (!ev.ok()) return ev.status();
    if (!incidents_.contains(ev->incident_id)) return unknown_incident(ev->incident_id);
    Incident& inc = incidents_[ev->incident_id];
    inc.seen_requests.insert(ev->ack_id);
    if (inc.neighbour_alert) inc.neighbour_alert->acknowledged.insert(ev->household);
    timeline(inc, at_ms, type,
             "neighbour household " + ev->household + " acknowledged the alarm" + (ev->relay ? " via " + *ev->relay : ""));
    return Status::Ok();
  }
  if (type == event_type::kNeighboursUnanswered) {
    auto ev = decode_body<NeighboursUnanswered>(body);
    if (!ev.ok()) return ev.status();
    if (!incidents_.contains(ev->incident_id)) return unknown_incident(ev->incident_id);
    Incident& inc = incidents_[ev->incident_id];
    if (inc.neighbour_alert) {
      inc.neighbour_alert->unanswered = true;
      neighbour_deadlines_.erase({inc.neighbour_alert->ack_deadline_ms, inc.id});
    }
    timeline(inc, at_ms, type,
             "neighbours did not answer in time: " + std::to_string(ev->acks) + " of " + std::to_string(ev->needed) +
                 " needed acknowledgement(s); the watch duty supervisor is told");
    return Status::Ok();
  }
  return std::nullopt;
}

}  // namespace liandong::router
