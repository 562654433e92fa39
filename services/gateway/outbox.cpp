#include "services/gateway/outbox.hpp"

namespace liandong::gateway {
namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS outbox (
  key TEXT PRIMARY KEY,
  command TEXT NOT NULL,
  destination TEXT NOT NULL,
  body BLOB NOT NULL,
  accepted_at_ms INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'refused')),
  incident_id TEXT,
  result TEXT,
  answered_at_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_pending ON outbox(state, accepted_at_ms);
CREATE TABLE IF NOT EXISTS stream_cursor (
  stream TEXT PRIMARY KEY,
  seq INTEGER NOT NULL
);
)sql";

OutboxState state_of(const std::string& text) {
  if (text == "delivered") return OutboxState::kDelivered;
  if (text == "refused") return OutboxState::kRefused;
  return OutboxState::kPending;
}

constexpr std::string_view kColumns =
    "key, command, destination, body, accepted_at_ms, state, incident_id, result, answered_at_ms";

OutboxItem read_item(const Statement& s) {
  OutboxItem item;
  item.key = s.text(0);
  item.command = s.text(1);
  item.destination = s.text(2);
  item.body = s.blob(3);
  item.accepted_at_ms = s.integer(4);
  item.state = state_of(s.text(5));
  item.incident_id = s.optional_text(6);
  item.result = s.optional_text(7);
  item.answered_at_ms = s.integer(8);
  return item;
}

}  // namespace

std::string_view to_string(OutboxState state) {
  switch (state) {
    case OutboxState::kPending: return "pending";
    case OutboxState::kDelivered: return "delivered";
    case OutboxState::kRefused: return "refused";
  }
  return "pending";
}

Result<std::unique_ptr<Outbox>> Outbox::open(SqliteDb& db) {
  if (auto s = db.exec(kSchema); !s.ok()) return s;
  return std::unique_ptr<Outbox>(new Outbox(db));
}

Result<bool> Outbox::add(const OutboxItem& item) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "INSERT INTO outbox (key, command, destination, body, accepted_at_ms, state) VALUES (?, ?, ?, ?, ?, "
              "'pending') ON CONFLICT(key) DO NOTHING");
  s.bind(1, item.key).bind(2, item.command).bind(3, item.destination);
  s.bind_blob(4, item.body).bind(5, item.accepted_at_ms);
  if (auto st = s.run(); !st.ok()) return st;
  return sqlite3_changes(db_.handle()) > 0;
}

std::optional<OutboxItem> Outbox::find(const std::string& key) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT " + std::string(kColumns) + " FROM outbox WHERE key = ?");
  s.bind(1, key);
  auto row = s.step();
  if (!row.ok() || !*row) return std::nullopt;
  return read_item(s);
}

Result<std::vector<OutboxItem>> Outbox::pending() {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT " + std::string(kColumns) + " FROM outbox WHERE state = 'pending' ORDER BY accepted_at_ms, key");
  std::vector<OutboxItem> items;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    items.push_back(read_item(s));
  }
  return items;
}

std::int64_t Outbox::pending_count() {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'");
  auto row = s.step();
  return row.ok() && *row ? s.integer(0) : 0;
}

Status Outbox::mark_delivered(const std::string& key, const std::string& incident_id, const std::string& state,
                              Millis now) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "UPDATE outbox SET state = 'delivered', incident_id = ?, result = ?, answered_at_ms = ? WHERE key = ? "
              "AND state = 'pending'");
  s.bind(1, incident_id).bind(2, state).bind(3, now).bind(4, key);
  return s.run();
}

Status Outbox::mark_refused(const std::string& key, const std::string& reason, Millis now) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "UPDATE outbox SET state = 'refused', result = ?, answered_at_ms = ? WHERE key = ? AND state = 'pending'");
  s.bind(1, reason).bind(2, now).bind(3, key);
  return s.run();
}

Result<std::int64_t> Outbox::prune(Millis before_ms) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "DELETE FROM outbox WHERE state != 'pending' AND answered_at_ms < ?");
  s.bind(1, before_ms);
  if (auto st = s.run(); !st.ok()) return st;
  return static_cast<std::int64_t>(sqlite3_changes(db_.handle()));
}

Result<std::int64_t> Outbox::cursor(const std::string& stream) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT seq FROM stream_cursor WHERE stream = ?");
  s.bind(1, stream);
  auto row = s.step();
  if (!row.ok()) return row.status();
  return *row ? s.integer(0) : std::int64_t{0};
}

Status Outbox::set_cursor(const std::string& stream, std::int64_t seq) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "INSERT INTO stream_cursor (stream, seq) VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET seq = "
              "excluded.seq");
  s.bind(1, stream).bind(2, seq);
  return s.run();
}

}  // namespace liandong::gateway
