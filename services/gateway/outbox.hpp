// The gateway's outbox: every message a gateway has accepted from its platform and must get to
// the router (a report, a status change, a transfer, a neighbour's acknowledgement) is written
// here, durably, before the gateway tells its platform "accepted". It stays pending until the
// router's REPORT_ACK or RECEIPT for its key arrives, across gateway, broker and router restarts.
// The key is the message's idempotency key (report_id, update_id, transfer_id, ack_id), so a
// re-send never makes a second incident.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "services/gateway/sqlite_db.hpp"

namespace liandong::gateway {

enum class OutboxState { kPending, kDelivered, kRefused };
std::string_view to_string(OutboxState state);

struct OutboxItem {
  std::string key;          // idempotency key, also the message id on the bus
  std::string command;      // INCIDENT_REPORT, STATUS_UPDATE, TRANSFER, NEIGHBOUR_ACK
  std::string destination;  // peer name, normally "router"
  std::string body;         // the encoded msgpack body, sent unchanged on every attempt
  Millis accepted_at_ms = 0;
  OutboxState state = OutboxState::kPending;
  // Filled when the router answered:
  std::optional<std::string> incident_id;
  std::optional<std::string> result;  // the state the router reported, or the refusal's reason
  Millis answered_at_ms = 0;
};

class Outbox {
 public:
  // Creates its tables in `db` if missing.
  static Result<std::unique_ptr<Outbox>> open(SqliteDb& db);

  // Adds a pending item. Returns false (and changes nothing) when the key is known already: the
  // platform sent the same input twice. Call inside the caller's Transaction to tie the item to
  // the gateway's own record of the input.
  Result<bool> add(const OutboxItem& item);
  std::optional<OutboxItem> find(const std::string& key);
  // The items still to deliver; an error when the database cannot be read (never "none").
  Result<std::vector<OutboxItem>> pending();
  std::int64_t pending_count();
  // The router answered: the item is done (delivered) or will never be accepted (refused).
  Status mark_delivered(const std::string& key, const std::string& incident_id, const std::string& state, Millis now);
  Status mark_refused(const std::string& key, const std::string& reason, Millis now);
  // Removes finished items answered before `before_ms` (pending ones are never removed).
  Result<std::int64_t> prune(Millis before_ms);

  // Where the gateway's follow of the audit log has got to (0: nothing read yet).
  Result<std::int64_t> cursor(const std::string& stream);
  Status set_cursor(const std::string& stream, std::int64_t seq);

 private:
  explicit Outbox(SqliteDb& db) : db_(db) {}
  SqliteDb& db_;
};

}  // namespace liandong::gateway
