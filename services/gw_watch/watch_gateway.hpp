// The watch gateway's logic (schemas/relay.md): relays say HELLO, their ALARMs become durable
// INCIDENT_REPORTs in the outbox, the router's `neighbours.alerted` events become durable
// NEIGHBOUR_ALERTs that are re-sent to a relay until ALERT_DELIVERED, and the relays'
// NEIGHBOUR_ACKs go to the router. No sockets: frames come in as strings and go out through a
// RelaySender, so tests drive it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "schemas/messages.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gateway/outbox.hpp"
#include "services/gateway/sqlite_db.hpp"
#include "services/gw_watch/relay_protocol.hpp"
#include "services/gw_watch/watch_registry.hpp"

namespace liandong::watch {

struct WatchOptions {
  std::string gateway = "gateway.watch";  // our peer name (WELCOME.gateway, the reports' reporter)
  std::string router = "router";
  Millis heartbeat_ms = 5000;             // relays PING at least this often
  std::int64_t liveness = 3;              // a relay silent this many intervals is gone
  Millis ack_wait_ms = 2000;              // ALARM_ACK waits this long for the router's incident id
  Millis alert_retry_first_ms = 2000;     // NEIGHBOUR_ALERT re-sent after 2 s, 4 s, ...
  Millis alert_retry_max_ms = 30'000;     // ... at most this far apart
  Millis alert_expiry_ms = 3'600'000;     // an alert undelivered this long after its ack deadline is given up
};

// Where the gateway's frames to a relay go (the ROUTER socket). Returns false when the relay's
// connection is gone (the gateway forgets the relay).
class RelaySender {
 public:
  virtual ~RelaySender() = default;
  virtual bool send(const std::string& routing_id, const std::vector<std::string>& frames) = 0;
};

// Ids (schemas/relay.md, "Ids").
std::string report_id_for(const std::string& relay_id, const std::string& alarm_id);  // watch-<relay>:<alarm>
std::string ack_key_for(const std::string& relay_id, const std::string& ack_id);      // watchack-<relay>:<ack>
std::string alert_id_for(const std::string& incident_id, const std::string& household);  // <incident>-<household>

// What an alarm becomes (schemas/relay.md, "From an alarm to an incident report").
struct AlarmReport {
  v1::IncidentReport report;
  Placement placement;
  bool unverified = false;
  std::optional<std::string> household;
};
// `relay_area` is the relay's HELLO area. Never fails for a valid alarm from a relay with a known
// area: an unknown caller is placed by number prefix, else by the relay's area.
AlarmReport alarm_to_report(const Alarm& alarm, const std::string& relay_id, const std::string& relay_area,
                            const WatchRegistry& registry);

class WatchGateway {
 public:
  using Wake = std::function<void(gateway::OutboxItem)>;

  WatchGateway(const WatchRegistry& registry, gateway::SqliteDb& db, gateway::Outbox& outbox, const Clock& clock,
               WatchOptions options, RelaySender& sender, Wake wake);

  // Creates the gateway's tables and loads the alerts still waiting for a relay.
  Status start();

  // One message from a relay (its ROUTER routing id and the frames after it).
  void on_relay_message(const std::string& routing_id, const std::vector<std::string>& frames);
  // GatewayLink's EventHandler: called inside the link's transaction.
  Status on_event(const v1::StoredEvent& event);
  // GatewayLink's DeliveryHandler.
  void on_delivery(const gateway::OutboxItem& item, const gateway::Delivery& delivery);
  // Timers: relays gone silent, ALARM_ACKs that waited long enough, alerts due (re-)sending.
  void tick();

  std::map<std::string, std::uint64_t> counters() const;
  std::size_t relays() const { return relays_.size(); }
  std::size_t alerts_waiting() const { return alerts_.size(); }

 private:
  struct Relay {
    std::string relay_id;
    std::string area;
    std::string grid;
    std::string town;
    Millis last_heard = 0;
  };
  struct AckWaiter {
    std::string routing_id;
    AlarmAck ack;
    Millis deadline = 0;
  };
  struct Alert {
    NeighbourAlert message;
    std::string grid;
    std::string town;
    int attempts = 0;
    Millis next_at = 0;
    Millis created_at_ms = 0;
  };

  template <class M>
  void reply(const std::string& routing_id, const M& message, std::string message_id = {});
  void refuse(const std::string& routing_id, const Status& status, const std::string& reply_to, const std::string& command);
  void on_hello(const std::string& routing_id, const RelayFrame& f);
  void on_alarm(const std::string& routing_id, const Relay& relay, const RelayFrame& f);
  void on_alert_delivered(const std::string& routing_id, const RelayFrame& f);
  void on_neighbour_ack(const std::string& routing_id, const Relay& relay, const RelayFrame& f);
  void forget_relay(const std::string& routing_id, const std::string& why);
  void load_alerts();
  void send_alerts();
  const Relay* choose_relay(const Alert& alert) const;
  std::optional<Alert> find_alert(const std::string& alert_id);
  Status set_alert_state(const std::string& alert_id, const std::string& state, const std::string& relay_id,
                         const std::string& ack_key = {});

  const WatchRegistry& registry_;
  gateway::SqliteDb& db_;
  gateway::Outbox& outbox_;
  const Clock& clock_;
  WatchOptions options_;
  RelaySender& sender_;
  Wake wake_;
  IdGenerator ids_;

  std::map<std::string, Relay> relays_;               // routing id -> relay
  std::map<std::string, std::string> relay_routes_;   // relay id -> routing id
  std::multimap<std::string, AckWaiter> ack_waiters_;  // report id -> waiting ALARM_ACK
  std::map<std::string, Alert> alerts_;                // alert id -> pending alert
  bool alerts_dirty_ = false;
  std::map<std::string, std::uint64_t> counters_;
};

}  // namespace liandong::watch
