// What a gateway knows about its platform's incidents, kept in its own database and updated
// from the router's events in the audit log (services/router/router_events.hpp): each incident's
// state and platform, its dispatch orders (unit, state, rung, deadlines, overdue timers) and a
// history of what happened. The history rows are numbered (seq) and flagged when the incident was
// on the gateway's platform at the time: the 110 gateway's live feed reads them.
// Shared by the HTTP gateways; no sockets.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "schemas/messages.hpp"
#include "services/gateway/sqlite_db.hpp"
#include "services/router/router_events.hpp"

namespace liandong::gateway {

struct TrackedIncident {
  std::string incident_id;
  std::optional<std::string> record_id;  // the gateway's own record, when it reported the incident
  std::string platform;                  // the incident's current platform
  std::string state;                     // reported, dispatched, merged, transferred, or a status set by an operator
  std::optional<std::string> category;
  std::optional<std::int64_t> priority;
  std::optional<std::string> grid;
  std::optional<std::string> merged_into;
  std::int64_t updated_at_ms = 0;
};

struct TrackedDeadline {
  std::string timer;
  std::int64_t deadline_ms = 0;
  bool overdue = false;
};

struct TrackedOrder {
  std::string order_id;
  std::string incident_id;
  std::string unit;
  std::string state;
  std::int64_t rung = 0;
  std::int64_t chain = 0;
  std::int64_t ack_deadline_ms = 0;
  bool open = true;
  std::int64_t dispatched_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::optional<std::string> note;  // the unit's last note (an answer's text)
  std::vector<TrackedDeadline> deadlines;
};

struct HistoryEntry {
  std::int64_t seq = 0;      // the gateway's own numbering (the feed's seq)
  std::int64_t at_ms = 0;
  std::string incident_id;
  std::string type;          // the log event's type ("order.accepted") or the gateway's own step
  std::string text;
};

class IncidentTracker {
 public:
  // Says whether an incident.reported event is one of the gateway's own reports; returns the
  // gateway's record id then (and may note the incident id in the gateway's own tables).
  using Claim = std::function<Result<std::optional<std::string>>(const router::IncidentReported&)>;

  // Creates its tables in `db` if missing. `platform`: the gateway's platform ("110").
  static Result<std::unique_ptr<IncidentTracker>> open(SqliteDb& db, std::string platform, Claim claim);

  // Applies one event of the log (call inside the GatewayLink's event transaction). Events of
  // incidents the gateway does not track are ignored. Tracks: incidents the claim accepts,
  // incidents transferred to the platform, incidents one of those is linked into.
  Status apply(const v1::StoredEvent& event);

  // The gateway's own steps (a callback recorded, a transfer asked for) in an incident's history.
  Status add_history(const std::string& incident_id, std::int64_t at_ms, const std::string& type,
                     const std::string& text);

  // Reads: nullopt / empty when there is nothing, an error (kUnavailable, naming SQLite's reason)
  // when the database could not be read, so a caller never takes a storage fault for "not found".
  Result<std::optional<TrackedIncident>> incident(const std::string& incident_id);
  Result<std::vector<TrackedOrder>> orders(const std::string& incident_id);
  Result<std::vector<HistoryEntry>> history(const std::string& incident_id, std::int64_t limit = 500);
  // History rows written while their incident was on the platform, seq > after_seq, in order.
  Result<std::vector<HistoryEntry>> feed(std::int64_t after_seq, std::int64_t limit);
  Result<std::int64_t> last_feed_seq();

  static nlohmann::json to_json(const TrackedOrder& order);
  static nlohmann::json to_json(const HistoryEntry& entry);

 private:
  IncidentTracker(SqliteDb& db, std::string platform, Claim claim)
      : db_(db), platform_(std::move(platform)), claim_(std::move(claim)) {}
  Status track(const std::string& incident_id, const std::optional<std::string>& record_id, const std::string& platform,
               const std::string& state, std::int64_t at_ms);
  Status set_incident(const std::string& incident_id, const std::string& column, const std::string& value,
                      std::int64_t at_ms);
  Status history_row(const std::string& incident_id, std::int64_t at_ms, const std::string& type,
                     const std::string& text, bool feed);
  Result<std::optional<TrackedOrder>> order(const std::string& order_id);
  // `feed`: the incident is on the gateway's platform (its history rows go to the feed).
  Status apply_order_event(const v1::StoredEvent& event, bool feed);

  SqliteDb& db_;
  std::string platform_;
  Claim claim_;
};

}  // namespace liandong::gateway
