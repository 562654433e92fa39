#include "services/gateway/incident_tracker.hpp"

#include "core/codec.hpp"
#include "services/gateway/http_api.hpp"

namespace liandong::gateway {
namespace {

namespace et = router::event_type;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS tracked_incident (
  incident_id TEXT PRIMARY KEY,
  record_id TEXT,
  platform TEXT NOT NULL,
  state TEXT NOT NULL,
  category TEXT,
  priority INTEGER,
  grid TEXT,
  merged_into TEXT,
  updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tracked_order (
  order_id TEXT PRIMARY KEY,
  incident_id TEXT NOT NULL,
  unit TEXT NOT NULL,
  state TEXT NOT NULL,
  rung INTEGER NOT NULL,
  chain INTEGER NOT NULL,
  ack_deadline_ms INTEGER NOT NULL,
  open INTEGER NOT NULL,
  dispatched_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  note TEXT
);
CREATE INDEX IF NOT EXISTS tracked_order_incident ON tracked_order(incident_id, dispatched_at_ms);
CREATE TABLE IF NOT EXISTS tracked_deadline (
  order_id TEXT NOT NULL,
  timer TEXT NOT NULL,
  deadline_ms INTEGER NOT NULL,
  overdue INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (order_id, timer)
);
CREATE TABLE IF NOT EXISTS tracked_history (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  incident_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  text TEXT NOT NULL,
  feed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tracked_history_incident ON tracked_history(incident_id, seq);
CREATE INDEX IF NOT EXISTS tracked_history_feed ON tracked_history(feed, seq);
)sql";

std::string rung_text(std::int64_t rung) {
  return rung > 0 ? " (escalation rung " + std::to_string(rung) + ")" : "";
}

TrackedOrder read_order(const Statement& s) {
  TrackedOrder o;
  o.order_id = s.text(0);
  o.incident_id = s.text(1);
  o.unit = s.text(2);
  o.state = s.text(3);
  o.rung = s.integer(4);
  o.chain = s.integer(5);
  o.ack_deadline_ms = s.integer(6);
  o.open = s.integer(7) != 0;
  o.dispatched_at_ms = s.integer(8);
  o.updated_at_ms = s.integer(9);
  o.note = s.optional_text(10);
  return o;
}

constexpr std::string_view kOrderColumns =
    "order_id, incident_id, unit, state, rung, chain, ack_deadline_ms, open, dispatched_at_ms, updated_at_ms, note";

}  // namespace

Result<std::unique_ptr<IncidentTracker>> IncidentTracker::open(SqliteDb& db, std::string platform, Claim claim) {
  if (auto s = db.exec(kSchema); !s.ok()) return s;
  return std::unique_ptr<IncidentTracker>(new IncidentTracker(db, std::move(platform), std::move(claim)));
}

Status IncidentTracker::track(const std::string& incident_id, const std::optional<std::string>& record_id,
                              const std::string& platform, const std::string& state, std::int64_t at_ms) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "INSERT INTO tracked_incident (incident_id, record_id, platform, state, updated_at_ms) VALUES (?, ?, ?, ?, "
              "?) ON CONFLICT(incident_id) DO UPDATE SET record_id = COALESCE(record_id, excluded.record_id)");
  s.bind(1, incident_id).bind(2, record_id).bind(3, platform).bind(4, state).bind(5, at_ms);
  return s.run();
}

Status IncidentTracker::set_incident(const std::string& incident_id, const std::string& column, const std::string& value,
                                     std::int64_t at_ms) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "UPDATE tracked_incident SET " + column + " = ?, updated_at_ms = ? WHERE incident_id = ?");
  s.bind(1, value).bind(2, at_ms).bind(3, incident_id);
  return s.run();
}

Status IncidentTracker::history_row(const std::string& incident_id, std::int64_t at_ms, const std::string& type,
                                    const std::string& text, bool feed) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "INSERT INTO tracked_history (incident_id, at_ms, type, text, feed) VALUES (?, ?, ?, ?, ?)");
  s.bind(1, incident_id).bind(2, at_ms).bind(3, type).bind(4, text).bind(5, std::int64_t{feed ? 1 : 0});
  return s.run();
}

Status IncidentTracker::add_history(const std::string& incident_id, std::int64_t at_ms, const std::string& type,
                                    const std::string& text) {
  auto inc = incident(incident_id);
  if (!inc.ok()) return inc.status();
  return history_row(incident_id, at_ms, type, text, *inc && (*inc)->platform == platform_);
}

Result<std::optional<TrackedIncident>> IncidentTracker::incident(const std::string& incident_id) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "SELECT incident_id, record_id, platform, state, category, priority, grid, merged_into, updated_at_ms "
              "FROM tracked_incident WHERE incident_id = ?");
  s.bind(1, incident_id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<TrackedIncident>{};
  TrackedIncident t;
  t.incident_id = s.text(0);
  t.record_id = s.optional_text(1);
  t.platform = s.text(2);
  t.state = s.text(3);
  t.category = s.optional_text(4);
  if (!s.is_null(5)) t.priority = s.integer(5);
  t.grid = s.optional_text(6);
  t.merged_into = s.optional_text(7);
  t.updated_at_ms = s.integer(8);
  return std::optional<TrackedIncident>(std::move(t));
}

Result<std::optional<TrackedOrder>> IncidentTracker::order(const std::string& order_id) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT " + std::string(kOrderColumns) + " FROM tracked_order WHERE order_id = ?");
  s.bind(1, order_id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<TrackedOrder>{};
  return std::optional<TrackedOrder>(read_order(s));
}

Result<std::vector<TrackedOrder>> IncidentTracker::orders(const std::string& incident_id) {
  std::lock_guard lock(db_.mutex());
  std::vector<TrackedOrder> out;
  {
    Statement s(db_, "SELECT " + std::string(kOrderColumns) +
                         " FROM tracked_order WHERE incident_id = ? ORDER BY dispatched_at_ms, order_id");
    s.bind(1, incident_id);
    while (true) {
      auto row = s.step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      out.push_back(read_order(s));
    }
  }
  for (TrackedOrder& o : out) {
    Statement d(db_, "SELECT timer, deadline_ms, overdue FROM tracked_deadline WHERE order_id = ? ORDER BY timer");
    d.bind(1, o.order_id);
    while (true) {
      auto row = d.step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      o.deadlines.push_back({d.text(0), d.integer(1), d.integer(2) != 0});
    }
  }
  return out;
}

namespace {
Result<std::vector<HistoryEntry>> read_history(Statement& s) {
  std::vector<HistoryEntry> out;
  while (true) {
    auto row = s.step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    out.push_back({s.integer(0), s.integer(1), s.text(2), s.text(3), s.text(4)});
  }
  return out;
}
}  // namespace

Result<std::vector<HistoryEntry>> IncidentTracker::history(const std::string& incident_id, std::int64_t limit) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "SELECT seq, at_ms, incident_id, type, text FROM tracked_history WHERE incident_id = ? ORDER BY seq "
              "LIMIT ?");
  s.bind(1, incident_id).bind(2, limit);
  return read_history(s);
}

Result<std::vector<HistoryEntry>> IncidentTracker::feed(std::int64_t after_seq, std::int64_t limit) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "SELECT seq, at_ms, incident_id, type, text FROM tracked_history WHERE feed = 1 AND seq > ? ORDER BY seq "
              "LIMIT ?");
  s.bind(1, after_seq).bind(2, limit);
  return read_history(s);
}

Result<std::int64_t> IncidentTracker::last_feed_seq() {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT COALESCE(MAX(seq), 0) FROM tracked_history WHERE feed = 1");
  auto row = s.step();
  if (!row.ok()) return row.status();
  return *row ? s.integer(0) : std::int64_t{0};
}

Status IncidentTracker::apply(const v1::StoredEvent& event) {
  const std::string& type = event.type;
  const std::string_view body = event.body.bytes;
  const std::int64_t at = event.at_ms;
  std::lock_guard lock(db_.mutex());

  if (type == et::kReported) {
    auto ev = decode_body<router::IncidentReported>(body);
    if (!ev.ok()) return Status::Ok();  // not ours to judge: the router wrote it
    std::optional<std::string> record;
    if (claim_) {
      auto claimed = claim_(*ev);
      if (!claimed.ok()) return claimed.status();
      record = *claimed;
    }
    if (!record) {
      // A storage fault is returned (the event is read again), never taken for "not tracked".
      auto known = incident(ev->incident_id);
      if (!known.ok()) return known.status();
      if (!*known) return Status::Ok();
    }
    const std::string state = ev->merged_into ? "merged" : ev->triage_reason ? "triage" : "reported";
    if (auto s = track(ev->incident_id, record, ev->source, state, at); !s.ok()) return s;
    {
      Statement s(db_, "UPDATE tracked_incident SET category = ?, priority = ?, grid = ?, state = ? WHERE incident_id = ?");
      s.bind(1, ev->category).bind(2, ev->priority).bind(3, ev->grid).bind(4, state).bind(5, ev->incident_id);
      if (auto st = s.run(); !st.ok()) return st;
    }
    std::string text = "reported via " + ev->source + ": " + ev->category + " P" + std::to_string(ev->priority) +
                       (ev->grid ? " in grid " + *ev->grid : std::string(" (no grid)"));
    if (ev->location_note) text += " — " + *ev->location_note;
    if (ev->triage_reason) text += " — manual triage: " + *ev->triage_reason;
    return history_row(ev->incident_id, at, type, text, ev->source == platform_);
  }

  if (type == et::kTransferred) {
    auto ev = decode_body<router::IncidentTransferred>(body);
    if (!ev.ok()) return Status::Ok();
    auto tracked = incident(ev->incident_id);
    if (!tracked.ok()) return tracked.status();
    const bool known = tracked->has_value();
    if (!known && ev->to != platform_) return Status::Ok();
    if (!known) {
      if (auto s = track(ev->incident_id, std::nullopt, ev->to, "transferred", at); !s.ok()) return s;
    }
    {
      Statement s(db_, "UPDATE tracked_incident SET platform = ?, state = 'transferred', updated_at_ms = ? WHERE "
                       "incident_id = ?");
      s.bind(1, ev->to).bind(2, at).bind(3, ev->incident_id);
      if (auto st = s.run(); !st.ok()) return st;
    }
    return history_row(ev->incident_id, at, type,
                       "transferred from " + ev->from + " to " + ev->to + " by " + ev->by +
                           (ev->reason ? ": " + *ev->reason : ""),
                       ev->from == platform_ || ev->to == platform_);
  }

  if (!event.incident_id) return Status::Ok();
  auto tracked = incident(*event.incident_id);
  if (!tracked.ok()) return tracked.status();
  if (!*tracked) return Status::Ok();
  const TrackedIncident& inc = **tracked;
  const bool feed = inc.platform == platform_;

  if (type == et::kLinked) {
    auto ev = decode_body<router::IncidentLinked>(body);
    if (!ev.ok()) return Status::Ok();
    {
      Statement s(db_, "UPDATE tracked_incident SET merged_into = ?, state = 'merged', updated_at_ms = ? WHERE "
                       "incident_id = ?");
      s.bind(1, ev->into).bind(2, at).bind(3, ev->incident_id);
      if (auto st = s.run(); !st.ok()) return st;
    }
    // The orders of a duplicate are the ones of the incident it joined: follow that one too.
    auto into = incident(ev->into);
    if (!into.ok()) return into.status();
    if (!*into) {
      if (auto s = track(ev->into, std::nullopt, inc.platform, "dispatched", at); !s.ok()) return s;
    }
    return history_row(ev->incident_id, at, type, "linked to " + ev->into + ": " + ev->reason, feed);
  }
  if (type == et::kUnlinked) {
    auto ev = decode_body<router::IncidentUnlinked>(body);
    if (!ev.ok()) return Status::Ok();
    if (auto s = set_incident(ev->incident_id, "state", "reported", at); !s.ok()) return s;
    return history_row(ev->incident_id, at, type, "unlinked by " + ev->by + "; routed on its own", feed);
  }
  if (type == et::kIncidentStatus) {
    auto ev = decode_body<router::IncidentStatusChanged>(body);
    if (!ev.ok()) return Status::Ok();
    if (auto s = set_incident(ev->incident_id, "state", ev->state, at); !s.ok()) return s;
    return history_row(ev->incident_id, at, type,
                       "incident " + ev->state + " by " + ev->by + (ev->note ? " (" + *ev->note + ")" : ""), feed);
  }
  if (type.starts_with("order.")) return apply_order_event(event, feed);
  // Anything else about a tracked incident (neighbours alerted, ...): keep it in the history.
  return history_row(*event.incident_id, at, type, type, feed);
}

Status IncidentTracker::apply_order_event(const v1::StoredEvent& event, bool feed) {
  const std::string& type = event.type;
  const std::string_view body = event.body.bytes;
  const std::int64_t at = event.at_ms;
  const std::string& incident_id = *event.incident_id;

  if (type == et::kDispatched) {
    auto ev = decode_body<router::OrderDispatched>(body);
    if (!ev.ok()) return Status::Ok();
    {
      Statement s(db_, "INSERT INTO tracked_order (" + std::string(kOrderColumns) +
                           ") VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, NULL) ON CONFLICT(order_id) DO NOTHING");
      s.bind(1, ev->order_id).bind(2, ev->incident_id).bind(3, ev->unit).bind(4, ev->state).bind(5, ev->rung);
      s.bind(6, ev->chain).bind(7, ev->ack_deadline_ms).bind(8, at).bind(9, at);
      if (auto st = s.run(); !st.ok()) return st;
    }
    {
      Statement s(db_, "UPDATE tracked_incident SET state = 'dispatched', updated_at_ms = ? WHERE incident_id = ? AND "
                       "state IN ('reported', 'transferred', 'triage')");
      s.bind(1, at).bind(2, incident_id);
      if (auto st = s.run(); !st.ok()) return st;
    }
    return history_row(incident_id, at, type,
                       "order " + ev->order_id + " to " + ev->unit + rung_text(ev->rung) + ": " + ev->reason, feed);
  }

  auto set_order = [&](const std::string& order_id, const std::string& state, bool close,
                       const std::optional<std::string>& note) -> Status {
    Statement s(db_, "UPDATE tracked_order SET state = ?, open = CASE WHEN ? THEN 0 ELSE open END, note = "
                     "COALESCE(?, note), updated_at_ms = ? WHERE order_id = ?");
    s.bind(1, state).bind(2, std::int64_t{close ? 1 : 0}).bind(3, note).bind(4, at).bind(5, order_id);
    return s.run();
  };

  if (type == et::kAccepted || type == et::kDeclined || type == et::kEscalated || type == et::kOrderClosed) {
    auto ev = decode_body<router::OrderChanged>(body);
    if (!ev.ok()) return Status::Ok();
    std::string state, text;
    if (type == et::kAccepted) {
      state = "accepted";
      text = ev->unit + " accepted order " + ev->order_id;
    } else if (type == et::kDeclined) {
      state = "declined";
      text = ev->unit + " declined order " + ev->order_id + ": " + ev->reason;
    } else if (type == et::kEscalated) {
      state = "escalated";
      text = "order " + ev->order_id + " to " + ev->unit + " escalated: " + ev->reason;
    } else {
      state = "withdrawn";
      text = "order " + ev->order_id + " to " + ev->unit + " withdrawn: " + ev->reason;
    }
    if (auto s = set_order(ev->order_id, state, type != et::kAccepted, std::nullopt); !s.ok()) return s;
    return history_row(incident_id, at, type, text, feed);
  }
  if (type == et::kOrderStatus) {
    auto ev = decode_body<router::OrderStatusChanged>(body);
    if (!ev.ok()) return Status::Ok();
    auto o = order(ev->order_id);
    if (!o.ok()) return o.status();
    const std::string unit = *o ? (*o)->unit : ev->by;
    if (auto s = set_order(ev->order_id, ev->state, ev->state == "closed", ev->note); !s.ok()) return s;
    return history_row(incident_id, at, type,
                       unit + ": " + ev->state + (ev->by != unit ? " (by " + ev->by + ")" : "") +
                           (ev->note ? " — " + *ev->note : ""),
                       feed);
  }
  if (type == et::kOrderDeadline) {
    auto ev = decode_body<router::OrderDeadline>(body);
    if (!ev.ok()) return Status::Ok();
    {
      Statement s(db_, "INSERT INTO tracked_deadline (order_id, timer, deadline_ms, overdue) VALUES (?, ?, ?, 0) ON "
                       "CONFLICT(order_id, timer) DO UPDATE SET deadline_ms = excluded.deadline_ms, overdue = 0");
      s.bind(1, ev->order_id).bind(2, ev->timer).bind(3, ev->deadline_ms);
      if (auto st = s.run(); !st.ok()) return st;
    }
    return history_row(incident_id, at, type,
                       ev->timer + " deadline of order " + ev->order_id + ": " + iso_time(ev->deadline_ms), feed);
  }
  if (type == et::kOrderOverdue) {
    auto ev = decode_body<router::OrderOverdue>(body);
    if (!ev.ok()) return Status::Ok();
    {
      Statement s(db_, "INSERT INTO tracked_deadline (order_id, timer, deadline_ms, overdue) VALUES (?, ?, ?, 1) ON "
                       "CONFLICT(order_id, timer) DO UPDATE SET overdue = 1");
      s.bind(1, ev->order_id).bind(2, ev->timer).bind(3, ev->deadline_ms);
      if (auto st = s.run(); !st.ok()) return st;
    }
    return history_row(incident_id, at, type,
                       "order " + ev->order_id + " to " + ev->unit + " overdue: " + ev->timer + " deadline " +
                           iso_time(ev->deadline_ms) + " passed",
                       feed);
  }
  return history_row(incident_id, at, type, type, feed);
}

nlohmann::json IncidentTracker::to_json(const TrackedOrder& o) {
  nlohmann::json deadlines = nlohmann::json::object();
  nlohmann::json overdue = nlohmann::json::object();
  for (const auto& d : o.deadlines) {
    deadlines[d.timer] = {{"deadline_ms", d.deadline_ms}, {"deadline", iso_time(d.deadline_ms)}};
    overdue[d.timer] = d.overdue;
  }
  nlohmann::json j = {{"order_id", o.order_id},
                      {"unit", o.unit},
                      {"state", o.state},
                      {"open", o.open},
                      {"rung", o.rung},
                      {"ack_deadline_ms", o.ack_deadline_ms},
                      {"dispatched_at_ms", o.dispatched_at_ms},
                      {"deadlines", deadlines},
                      {"overdue", overdue}};
  if (o.note) j["note"] = *o.note;
  return j;
}

nlohmann::json IncidentTracker::to_json(const HistoryEntry& e) {
  return {{"seq", e.seq}, {"at_ms", e.at_ms}, {"time", iso_time(e.at_ms)}, {"incident_id", e.incident_id},
          {"type", e.type}, {"text", e.text}};
}

}  // namespace liandong::gateway
