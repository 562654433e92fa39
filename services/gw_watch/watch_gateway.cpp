// The watch gateway's logic; the protocol it follows is schemas/relay.md.
#include "services/gw_watch/watch_gateway.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/log.hpp"
#include "services/router/router_events.hpp"

namespace liandong::watch {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS watch_alarms (
  report_id      TEXT PRIMARY KEY,
  relay_id       TEXT NOT NULL,
  alarm_id       TEXT NOT NULL,
  caller_number  TEXT NOT NULL,
  household      TEXT,
  grid           TEXT NOT NULL,
  unverified     INTEGER NOT NULL,
  placed_by      TEXT NOT NULL,
  pressed_at_ms  INTEGER NOT NULL,
  received_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS watch_alerts (
  alert_id        TEXT PRIMARY KEY,
  incident_id     TEXT NOT NULL,
  household       TEXT NOT NULL,
  phone           TEXT NOT NULL,
  from_household  TEXT NOT NULL,
  text            TEXT NOT NULL,
  ack_deadline_ms INTEGER NOT NULL,
  state           TEXT NOT NULL,   -- pending, delivered, acknowledged, expired
  relay_id        TEXT,
  ack_key         TEXT,
  created_at_ms   INTEGER NOT NULL,
  changed_at_ms   INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS watch_alerts_state ON watch_alerts(state);
)sql";

}  // namespace

std::string report_id_for(const std::string& relay_id, const std::string& alarm_id) {
  return "watch-" + relay_id + ":" + alarm_id;
}
std::string ack_key_for(const std::string& relay_id, const std::string& ack_id) {
  return "watchack-" + relay_id + ":" + ack_id;
}
std::string alert_id_for(const std::string& incident_id, const std::string& household) {
  return incident_id + "-" + household;
}

AlarmReport alarm_to_report(const Alarm& alarm, const std::string& relay_id, const std::string& relay_area,
                            const WatchRegistry& registry) {
  AlarmReport out;
  v1::IncidentReport& r = out.report;
  r.report_id = report_id_for(relay_id, alarm.alarm_id);
  r.source = "watch";
  r.category = "watch.alarm";
  r.priority = 1;
  r.reported_at_ms = alarm.pressed_at_ms;
  r.caller = v1::Caller{alarm.caller_number, std::nullopt};

  const Household* h = alarm.household ? registry.household(*alarm.household) : nullptr;
  if (!h) h = registry.household_by_number(alarm.caller_number);
  if (h) {
    const GridInfo* g = registry.grid(h->grid);
    out.household = h->id;
    out.placement = Placement{h->grid, g ? g->town : "", "household " + h->id};
    r.household = h->id;
    r.grid = h->grid;
    r.text = "watch alarm from household " + h->id + " via relay " + relay_id;
    return out;
  }
  out.unverified = true;
  r.unverified = true;
  std::optional<Placement> place;
  if (auto town = registry.town_for_number(alarm.caller_number)) {
    if (auto grid = registry.town_grid(*town)) place = Placement{*grid, *town, "number prefix (town " + *town + ")"};
  }
  if (!place) place = registry.place_area(relay_area);
  if (place) {
    out.placement = *place;
    r.grid = place->grid;
  } else {
    out.placement = Placement{"", "", "nowhere (relay area '" + relay_area + "' unknown)"};  // triage
  }
  r.text = "UNVERIFIED watch alarm from a number not in the household registry, via relay " + relay_id +
           "; placed by " + out.placement.how;
  return out;
}

WatchGateway::WatchGateway(const WatchRegistry& registry, gateway::SqliteDb& db, gateway::Outbox& outbox,
                           const Clock& clock, WatchOptions options, RelaySender& sender, Wake wake)
    : registry_(registry), db_(db), outbox_(outbox), clock_(clock), options_(std::move(options)), sender_(sender),
      wake_(std::move(wake)), ids_(clock) {}

Status WatchGateway::start() {
  if (auto s = db_.exec(kSchema); !s.ok()) return s;
  load_alerts();
  if (!alerts_.empty()) spdlog::info("{} neighbour alerts still waiting for a relay", alerts_.size());
  return Status::Ok();
}

template <class M>
void WatchGateway::reply(const std::string& routing_id, const M& message, std::string message_id) {
  if (message_id.empty()) message_id = ids_.next();
  if (!sender_.send(routing_id, make_relay_frames(M::kCommand, message_id, encode_body(message)))) {
    forget_relay(routing_id, "its connection is gone");
  }
}

void WatchGateway::refuse(const std::string& routing_id, const Status& status, const std::string& reply_to,
                          const std::string& command) {
  ++counters_["relay_errors"];
  spdlog::debug("relay message refused: {}", status.to_string());
  reply(routing_id, v1::make_error(status.code(), status.message(), reply_to, command));
}

void WatchGateway::on_relay_message(const std::string& routing_id, const std::vector<std::string>& frames) {
  ++counters_["relay_messages"];
  RelayFrame partial;
  auto f = parse_relay_frames(frames, &partial);
  if (!f.ok()) return refuse(routing_id, f.status(), partial.message_id, partial.command);
  auto it = relays_.find(routing_id);
  if (it != relays_.end()) it->second.last_heard = clock_.monotonic_ms();
  if (f->command == Hello::kCommand) return on_hello(routing_id, *f);
  if (it == relays_.end()) {
    return refuse(routing_id, Status(ErrorCode::kNotRegistered, "say HELLO first (or again: the gateway restarted or forgot this relay after silence)"),
                  f->message_id, f->command);
  }
  const Relay relay = it->second;
  if (f->command == Ping::kCommand) return reply(routing_id, Pong{});
  if (f->command == Alarm::kCommand) return on_alarm(routing_id, relay, *f);
  if (f->command == AlertDelivered::kCommand) return on_alert_delivered(routing_id, *f);
  if (f->command == RelayNeighbourAck::kCommand) return on_neighbour_ack(routing_id, relay, *f);
  refuse(routing_id, Status(ErrorCode::kUnknownCommand, "the watch gateway does not handle '" + f->command + "'"),
         f->message_id, f->command);
}

void WatchGateway::on_hello(const std::string& routing_id, const RelayFrame& f) {
  auto hello = decode_body<Hello>(f.body);
  if (!hello.ok()) return refuse(routing_id, hello.status(), f.message_id, f.command);
  auto place = registry_.place_area(hello->area);
  if (!place) {
    return refuse(routing_id, Status(ErrorCode::kUnknownId, "field 'area': '" + hello->area + "' is neither a grid id nor a town id"),
                  f.message_id, f.command);
  }
  if (auto old = relay_routes_.find(hello->relay_id); old != relay_routes_.end() && old->second != routing_id) {
    relays_.erase(old->second);  // the newest connection of a relay id wins
  }
  if (auto prev = relays_.find(routing_id); prev != relays_.end() && prev->second.relay_id != hello->relay_id) {
    relay_routes_.erase(prev->second.relay_id);
  }
  const bool is_new = !relay_routes_.contains(hello->relay_id);
  relays_[routing_id] = Relay{hello->relay_id, hello->area, place->grid, place->town, clock_.monotonic_ms()};
  relay_routes_[hello->relay_id] = routing_id;
  if (is_new) {
    spdlog::info("relay {} connected (area {}, town {}, {})", hello->relay_id, hello->area, place->town,
                 hello->software.value_or("software not given"));
  }
  ++counters_["hellos"];
  reply(routing_id, Welcome{hello->relay_id, options_.gateway + " liandong-gw-watch " LIANDONG_VERSION,
                            options_.heartbeat_ms, options_.liveness, place->town});
  // Alerts that were waiting for any relay go out now.
  for (auto& [id, alert] : alerts_) alert.next_at = std::min(alert.next_at, clock_.monotonic_ms());
}

void WatchGateway::on_alarm(const std::string& routing_id, const Relay& relay, const RelayFrame& f) {
  auto alarm = decode_body<Alarm>(f.body);
  if (!alarm.ok()) return refuse(routing_id, alarm.status(), f.message_id, f.command);
  const std::string report_id = report_id_for(relay.relay_id, alarm->alarm_id);
  const Millis now = clock_.monotonic_ms();

  AlarmAck ack;
  ack.alarm_id = alarm->alarm_id;
  ack.accepted = true;
  ack.report_id = report_id;

  if (auto known = outbox_.find(report_id)) {
    // The relay sent this alarm before: the same report, answered again.
    ++counters_["alarms_repeated"];
    gateway::Statement q(db_, "SELECT household, unverified FROM watch_alarms WHERE report_id = ?");
    q.bind(1, report_id);
    if (auto row = q.step(); row.ok() && *row) {
      ack.household = q.optional_text(0);
      ack.unverified = q.integer(1) != 0;
    }
    if (known->state == gateway::OutboxState::kPending) {
      ack_waiters_.emplace(report_id, AckWaiter{routing_id, ack, now + options_.ack_wait_ms});
    } else {
      if (known->state == gateway::OutboxState::kDelivered) ack.incident_id = known->incident_id;
      reply(routing_id, ack);
    }
    return;
  }

  AlarmReport mapped = alarm_to_report(*alarm, relay.relay_id, relay.area, registry_);
  gateway::OutboxItem item;
  item.key = report_id;
  item.command = std::string(v1::IncidentReport::kCommand);
  item.destination = options_.router;
  item.body = encode_body(mapped.report);
  item.accepted_at_ms = clock_.wall_ms();
  {
    gateway::Transaction t(db_);
    Status s = t.begun();
    if (s.ok()) {
      gateway::Statement ins(db_,
                             "INSERT OR IGNORE INTO watch_alarms (report_id, relay_id, alarm_id, caller_number, household, grid, "
                             "unverified, placed_by, pressed_at_ms, received_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)");
      ins.bind(1, report_id).bind(2, relay.relay_id).bind(3, alarm->alarm_id).bind(4, alarm->caller_number);
      ins.bind(5, mapped.household).bind(6, mapped.placement.grid).bind(7, std::int64_t{mapped.unverified ? 1 : 0});
      ins.bind(8, mapped.placement.how).bind(9, alarm->pressed_at_ms).bind(10, clock_.wall_ms());
      s = ins.run();
    }
    if (s.ok()) {
      auto added = outbox_.add(item);
      s = added.status();
    }
    if (s.ok()) s = t.commit();
    if (!s.ok()) {
      spdlog::error("alarm {} from relay {} not stored: {}", alarm->alarm_id, relay.relay_id, s.message());
      return refuse(routing_id, Status(ErrorCode::kUnavailable, "the alarm could not be stored (" + s.message() + "); send it again"),
                    f.message_id, f.command);
    }
  }
  wake_(item);
  ++counters_[mapped.unverified ? "alarms_unverified" : "alarms"];
  spdlog::info("alarm {} via relay {} from {}: {} -> report {} (grid {}{})", alarm->alarm_id, relay.relay_id,
               mask_phone(alarm->caller_number), mapped.household ? "household " + *mapped.household : "unregistered number",
               report_id, mapped.placement.grid.empty() ? "none" : mapped.placement.grid,
               mapped.unverified ? ", UNVERIFIED, placed by " + mapped.placement.how : "");
  ack.unverified = mapped.unverified;
  ack.household = mapped.household;
  ack_waiters_.emplace(report_id, AckWaiter{routing_id, ack, now + options_.ack_wait_ms});
}

void WatchGateway::on_delivery(const gateway::OutboxItem& item, const gateway::Delivery& delivery) {
  if (item.command != v1::IncidentReport::kCommand) return;
  auto [first, last] = ack_waiters_.equal_range(item.key);
  std::vector<AckWaiter> waiting;
  for (auto it = first; it != last; ++it) waiting.push_back(it->second);
  ack_waiters_.erase(first, last);
  if (delivery.delivered) {
    spdlog::info("report {} is incident {}{}", item.key, delivery.incident_id,
                 delivery.merged_into ? " (merged into " + *delivery.merged_into + ")" : "");
  } else {
    spdlog::error("report {} refused by the router: {}", item.key, delivery.refusal);
  }
  for (AckWaiter& w : waiting) {
    if (delivery.delivered) {
      w.ack.incident_id = delivery.incident_id;
      w.ack.merged_into = delivery.merged_into;
    }
    if (relays_.contains(w.routing_id)) reply(w.routing_id, w.ack);
  }
}

void WatchGateway::on_alert_delivered(const std::string& routing_id, const RelayFrame& f) {
  auto msg = decode_body<AlertDelivered>(f.body);
  if (!msg.ok()) return refuse(routing_id, msg.status(), f.message_id, f.command);
  auto alert = find_alert(msg->alert_id);
  if (!alert) {
    return refuse(routing_id, Status(ErrorCode::kUnknownId, "no neighbour alert '" + msg->alert_id + "'"), f.message_id,
                  f.command);
  }
  const std::string relay_id = relays_.at(routing_id).relay_id;
  if (auto s = set_alert_state(msg->alert_id, "delivered", relay_id); !s.ok()) {
    spdlog::error("cannot record the delivery of alert {}: {}", msg->alert_id, s.message());
    return;  // stays pending: sent again, the relay confirms again
  }
  if (alerts_.erase(msg->alert_id) > 0) ++counters_["alerts_delivered"];
}

void WatchGateway::on_neighbour_ack(const std::string& routing_id, const Relay& relay, const RelayFrame& f) {
  auto msg = decode_body<RelayNeighbourAck>(f.body);
  if (!msg.ok()) return refuse(routing_id, msg.status(), f.message_id, f.command);
  const std::string alert_id = msg->alert_id ? *msg->alert_id : alert_id_for(*msg->incident_id, *msg->household);
  auto alert = find_alert(alert_id);
  if (!alert) {
    return refuse(routing_id,
                  Status(ErrorCode::kUnknownId, "no neighbour alert '" + alert_id + "': this gateway alerted no such household for that incident"),
                  f.message_id, f.command);
  }
  v1::NeighbourAck out;
  out.ack_id = ack_key_for(relay.relay_id, msg->ack_id);
  out.incident_id = alert->message.incident_id;
  out.household = alert->message.household;
  out.at_ms = msg->at_ms;
  out.relay = relay.relay_id;
  gateway::OutboxItem item;
  item.key = out.ack_id;
  item.command = std::string(v1::NeighbourAck::kCommand);
  item.destination = options_.router;
  item.body = encode_body(out);
  item.accepted_at_ms = clock_.wall_ms();
  bool added = false;
  {
    gateway::Transaction t(db_);
    Status s = t.begun();
    if (s.ok()) {
      auto a = outbox_.add(item);
      s = a.status();
      if (s.ok()) added = *a;
    }
    if (s.ok() && added) s = set_alert_state(alert_id, "acknowledged", relay.relay_id, out.ack_id);
    if (s.ok()) s = t.commit();
    if (!s.ok()) {
      spdlog::error("acknowledgement {} from relay {} not stored: {}", msg->ack_id, relay.relay_id, s.message());
      return refuse(routing_id, Status(ErrorCode::kUnavailable, "the acknowledgement could not be stored; send it again"),
                    f.message_id, f.command);
    }
  }
  if (added) {
    wake_(item);
    ++counters_["neighbour_acks"];
    if (alerts_.erase(alert_id) > 0) ++counters_["alerts_delivered"];
    spdlog::info("neighbour {} acknowledged incident {} via relay {}", out.household, out.incident_id, relay.relay_id);
  }
  reply(routing_id, AckRecorded{msg->ack_id, alert_id, out.incident_id, out.household, !added});
}

Status WatchGateway::on_event(const v1::StoredEvent& event) {
  if (event.type != router::event_type::kNeighboursAlerted) return Status::Ok();
  auto ev = decode_body<router::NeighboursAlerted>(event.body.bytes);
  if (!ev.ok()) {
    spdlog::error("event {} ({}) unreadable, skipped: {}", event.seq, event.type, ev.status().message());
    return Status::Ok();  // reading it again would not help
  }
  const Household* from = registry_.household(ev->household);
  const std::string where = from ? " (grid " + from->grid + ")" : "";
  std::size_t created = 0;
  for (const std::string& n : ev->neighbours) {
    const Household* h = registry_.household(n);
    if (!h) {
      spdlog::warn("incident {}: neighbour household {} is not in the registry; it cannot be rung", ev->incident_id, n);
      continue;
    }
    gateway::Statement ins(db_,
                           "INSERT OR IGNORE INTO watch_alerts (alert_id, incident_id, household, phone, from_household, text, "
                           "ack_deadline_ms, state, created_at_ms, changed_at_ms) VALUES (?,?,?,?,?,?,?,'pending',?,?)");
    const std::string text = "邻里报警 Neighbour alarm: household " + ev->household + where +
                             " pressed its alarm. Please check on them and press 1 to acknowledge. Incident " +
                             ev->incident_id;
    ins.bind(1, alert_id_for(ev->incident_id, n)).bind(2, ev->incident_id).bind(3, n).bind(4, h->phone);
    ins.bind(5, ev->household).bind(6, text).bind(7, ev->ack_deadline_ms).bind(8, clock_.wall_ms()).bind(9, clock_.wall_ms());
    if (auto s = ins.run(); !s.ok()) return s;  // the page is read again
    if (sqlite3_changes(db_.handle()) > 0) ++created;  // 0: a page read again
  }
  counters_["alerts_created"] += created;
  alerts_dirty_ = true;
  spdlog::info("incident {}: {} neighbours of household {} to alert", ev->incident_id, created, ev->household);
  return Status::Ok();
}

void WatchGateway::load_alerts() {
  gateway::Statement q(db_,
                       "SELECT alert_id, incident_id, household, phone, from_household, text, ack_deadline_ms, created_at_ms "
                       "FROM watch_alerts WHERE state = 'pending'");
  std::map<std::string, Alert> fresh;
  while (true) {
    auto row = q.step();
    if (!row.ok()) {
      spdlog::error("cannot read the pending alerts: {}", row.status().message());
      return;  // alerts_dirty_ stays set: read again next tick
    }
    if (!*row) break;
    const std::string id = q.text(0);
    auto known = alerts_.find(id);
    if (known != alerts_.end()) {
      fresh[id] = known->second;
      continue;
    }
    Alert a;
    a.message = NeighbourAlert{id, q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.integer(6)};
    a.created_at_ms = q.integer(7);
    if (const Household* h = registry_.household(a.message.household)) {
      a.grid = h->grid;
      if (const GridInfo* g = registry_.grid(h->grid)) a.town = g->town;
    }
    a.next_at = clock_.monotonic_ms();
    fresh[id] = std::move(a);
  }
  alerts_.swap(fresh);
  alerts_dirty_ = false;
}

std::optional<WatchGateway::Alert> WatchGateway::find_alert(const std::string& alert_id) {
  if (auto it = alerts_.find(alert_id); it != alerts_.end()) return it->second;
  gateway::Statement q(db_,
                       "SELECT alert_id, incident_id, household, phone, from_household, text, ack_deadline_ms, created_at_ms "
                       "FROM watch_alerts WHERE alert_id = ?");
  q.bind(1, alert_id);
  auto row = q.step();
  if (!row.ok() || !*row) return std::nullopt;
  Alert a;
  a.message = NeighbourAlert{q.text(0), q.text(1), q.text(2), q.text(3), q.text(4), q.text(5), q.integer(6)};
  a.created_at_ms = q.integer(7);
  return a;
}

Status WatchGateway::set_alert_state(const std::string& alert_id, const std::string& state, const std::string& relay_id,
                                     const std::string& ack_key) {
  // An acknowledged alert stays acknowledged; a delivery confirmed late changes nothing.
  gateway::Statement u(db_,
                       "UPDATE watch_alerts SET state = ?, relay_id = ?, ack_key = COALESCE(?, ack_key), changed_at_ms = ? "
                       "WHERE alert_id = ? AND state IN ('pending', 'delivered', 'expired')");
  u.bind(1, state).bind(2, relay_id);
  if (ack_key.empty()) {
    u.bind_null(3);
  } else {
    u.bind(3, ack_key);
  }
  u.bind(4, clock_.wall_ms()).bind(5, alert_id);
  return u.run();
}

const WatchGateway::Relay* WatchGateway::choose_relay(const Alert& alert) const {
  // Prefer a relay of the neighbour's grid, then of its town, then any; rotate among equals so
  // a relay that does not confirm is not the only one tried.
  std::vector<const Relay*> best;
  int best_rank = 3;
  for (const auto& [route, r] : relays_) {
    const int rank = (!alert.grid.empty() && r.grid == alert.grid && r.area == alert.grid) ? 0
                     : (!alert.town.empty() && r.town == alert.town)                      ? 1
                                                                                          : 2;
    if (rank < best_rank) {
      best.clear();
      best_rank = rank;
    }
    if (rank == best_rank) best.push_back(&r);
  }
  if (best.empty()) return nullptr;
  return best[static_cast<std::size_t>(alert.attempts) % best.size()];
}

void WatchGateway::send_alerts() {
  const Millis now = clock_.monotonic_ms();
  std::vector<std::string> expired;
  for (auto& [id, alert] : alerts_) {
    if (alert.next_at > now) continue;
    if (clock_.wall_ms() > alert.message.ack_deadline_ms + options_.alert_expiry_ms) {
      expired.push_back(id);
      continue;
    }
    const Relay* relay = choose_relay(alert);
    if (!relay) continue;  // waits (durably) for a relay; HELLO makes it due again
    const std::string route = relay_routes_.at(relay->relay_id);
    const bool ok = sender_.send(route, make_relay_frames(NeighbourAlert::kCommand, id, encode_body(alert.message)));
    ++counters_[alert.attempts == 0 ? "alerts_sent" : "alerts_resent"];
    alert.next_at = now + std::min(options_.alert_retry_max_ms, options_.alert_retry_first_ms << std::min(alert.attempts, 20));
    ++alert.attempts;
    if (!ok) {
      alert.next_at = now;  // try another relay at once
      forget_relay(route, "its connection is gone");
      return;  // relays_ changed under the loop's feet; continue next tick
    }
  }
  for (const std::string& id : expired) {
    spdlog::error("neighbour alert {} could not be delivered to any relay before it expired; given up", id);
    if (set_alert_state(id, "expired", "").ok()) alerts_.erase(id);
    ++counters_["alerts_expired"];
  }
}

void WatchGateway::forget_relay(const std::string& routing_id, const std::string& why) {
  auto it = relays_.find(routing_id);
  if (it == relays_.end()) return;
  spdlog::warn("relay {} gone: {}", it->second.relay_id, why);
  relay_routes_.erase(it->second.relay_id);
  relays_.erase(it);
  ++counters_["relays_lost"];
}

void WatchGateway::tick() {
  const Millis now = clock_.monotonic_ms();
  std::vector<std::string> silent;
  for (const auto& [route, r] : relays_) {
    if (now - r.last_heard > options_.heartbeat_ms * options_.liveness) silent.push_back(route);
  }
  for (const auto& route : silent) forget_relay(route, "silent for more than " + std::to_string(options_.heartbeat_ms * options_.liveness) + " ms");
  for (auto it = ack_waiters_.begin(); it != ack_waiters_.end();) {
    if (it->second.deadline <= now) {
      // The alarm is safe in the outbox; the incident id comes with a repeated ALARM later.
      if (relays_.contains(it->second.routing_id)) reply(it->second.routing_id, it->second.ack);
      it = ack_waiters_.erase(it);
    } else {
      ++it;
    }
  }
  if (alerts_dirty_) load_alerts();
  send_alerts();
}

std::map<std::string, std::uint64_t> WatchGateway::counters() const {
  auto c = counters_;
  c["relays_connected"] = relays_.size();
  c["alerts_waiting"] = alerts_.size();
  return c;
}

}  // namespace liandong::watch
