#include "services/gw_96345/hotline_service.hpp"

#include <spdlog/spdlog.h>

#include "core/codec.hpp"
#include "core/log.hpp"

namespace liandong::gw96345 {
namespace {

using gateway::ApiReply;
using gateway::error_reply;
using gateway::iso_time;
using gateway::Statement;
using gateway::Transaction;
using nlohmann::json;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS work_order (
  id TEXT PRIMARY KEY,
  report_id TEXT NOT NULL UNIQUE,
  incident_id TEXT,
  refused TEXT,
  category TEXT NOT NULL,
  priority INTEGER,
  caller_phone TEXT,
  caller_name TEXT,
  address TEXT NOT NULL,
  lat REAL,
  lon REAL,
  grid TEXT,
  text TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS work_order_created ON work_order(created_at_ms);
CREATE TABLE IF NOT EXISTS work_order_callback (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  work_order_id TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  reached INTEGER NOT NULL,
  satisfied INTEGER,
  note TEXT,
  order_id TEXT,
  outcome TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS work_order_callback_wo ON work_order_callback(work_order_id, seq);
CREATE TABLE IF NOT EXISTS work_order_transfer (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  work_order_id TEXT NOT NULL,
  transfer_id TEXT NOT NULL UNIQUE,
  destination TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
-- A status update that may only be sent once an earlier one was received by the router (the
-- router refuses out-of-order workflow moves): called_back, then closed or reassigned.
CREATE TABLE IF NOT EXISTS followup (
  key TEXT PRIMARY KEY,
  after_key TEXT NOT NULL,
  command TEXT NOT NULL,
  body BLOB NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'queued', 'dropped'))
);
CREATE INDEX IF NOT EXISTS followup_after ON followup(after_key, state);
)sql";

}  // namespace

struct HotlineService::WorkOrder {
  std::string id;
  std::string report_id;
  std::optional<std::string> incident_id;
  std::optional<std::string> refused;
  std::string category;
  std::optional<std::int64_t> priority;
  std::optional<std::string> caller_phone;
  std::optional<std::string> caller_name;
  std::string address;
  std::optional<v1::Location> location;
  std::optional<std::string> grid;
  std::string text;
  std::int64_t created_at_ms = 0;
};

struct HotlineService::View {
  std::string state;
  std::optional<gateway::TrackedIncident> incident;
  std::vector<gateway::TrackedOrder> orders;
  std::optional<gateway::TrackedOrder> current;
};

Result<std::unique_ptr<HotlineService>> HotlineService::open(gateway::SqliteDb& db, gateway::Outbox& outbox,
                                                             gateway::GatewayLink& link, const Clock& clock,
                                                             Transitions transitions, HotlineOptions options) {
  if (auto s = db.exec(kSchema); !s.ok()) return s;
  std::unique_ptr<HotlineService> svc(new HotlineService(db, outbox, link, clock, std::move(transitions), options));
  HotlineService* self = svc.get();
  auto tracker = gateway::IncidentTracker::open(db, std::string(kPlatform),
                                                [self](const router::IncidentReported& ev) { return self->claim(ev); });
  if (!tracker.ok()) return tracker.status();
  svc->tracker_ = std::move(*tracker);
  link.on_event([self](const v1::StoredEvent& ev) { return self->tracker_->apply(ev); });
  link.on_delivery([self](const gateway::OutboxItem& item, const gateway::Delivery& d) { self->delivered(item, d); });
  // A follow-up whose first step was answered before a crash: queue it now.
  if (auto s = svc->settle_followups(); !s.ok()) return s;
  return svc;
}

Result<std::optional<std::string>> HotlineService::claim(const router::IncidentReported& ev) {
  if (!ev.report_id.starts_with(std::string(kPlatform) + "-")) return std::optional<std::string>{};
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT id FROM work_order WHERE report_id = ?");
  s.bind(1, ev.report_id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>{};
  const std::string id = s.text(0);
  Statement u(db_, "UPDATE work_order SET incident_id = ? WHERE id = ? AND incident_id IS NULL");
  u.bind(1, ev.incident_id).bind(2, id);
  if (auto st = u.run(); !st.ok()) return st;
  return std::optional<std::string>(id);
}

void HotlineService::delivered(const gateway::OutboxItem& item, const gateway::Delivery& d) {
  router_quiet_ = false;
  if (item.command == v1::IncidentReport::kCommand) {
    std::lock_guard lock(db_.mutex());
    Statement s(db_, d.delivered ? "UPDATE work_order SET incident_id = COALESCE(incident_id, ?) WHERE report_id = ?"
                                 : "UPDATE work_order SET refused = ? WHERE report_id = ?");
    s.bind(1, d.delivered ? d.incident_id : d.refusal).bind(2, item.key);
    if (auto st = s.run(); !st.ok()) spdlog::error("work order of report {}: {}", item.key, st.message());
    if (!d.delivered) spdlog::warn("report {} refused by the router: {}", item.key, d.refusal);
    return;
  }
  if (!d.delivered) spdlog::warn("{} {} refused by the router: {}", item.command, item.key, d.refusal);
  const Status s = d.delivered ? promote_followups(item.key) : drop_followups(item, d.refusal);
  if (!s.ok()) {
    // The follow-ups stay 'waiting' in the database: retry_stalled() settles them again.
    followups_stalled_ = true;
    spdlog::error("follow-ups of {} not {}: {}; trying again", item.key, d.delivered ? "queued" : "dropped",
                  s.message());
  }
}

Status HotlineService::drop_followups(const gateway::OutboxItem& item, const std::string& refusal) {
  Transaction t(db_);
  if (!t.begun().ok()) return t.begun();
  {
    Statement s(db_, "UPDATE followup SET state = 'dropped' WHERE after_key = ? AND state = 'waiting'");
    s.bind(1, item.key);
    if (auto st = s.run(); !st.ok()) return st;
  }
  std::string incident_id;
  if (item.command == v1::StatusUpdate::kCommand) {
    if (auto u = decode_body<v1::StatusUpdate>(item.body); u.ok()) incident_id = u->incident_id;
  } else if (item.command == v1::Transfer::kCommand) {
    if (auto tr = decode_body<v1::Transfer>(item.body); tr.ok()) incident_id = tr->incident_id;
  }
  if (!incident_id.empty()) {
    auto st = tracker_->add_history(incident_id, clock_.wall_ms(), "gateway.refused", item.command + " refused: " + refusal);
    if (!st.ok()) return st;
  }
  return t.commit();
}

Status HotlineService::promote_followups(const std::string& after_key) {
  std::vector<gateway::OutboxItem> queued;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return t.begun();
    {
      Statement s(db_, "SELECT key, command, body FROM followup WHERE after_key = ? AND state = 'waiting' ORDER BY key");
      s.bind(1, after_key);
      while (true) {
        auto row = s.step();
        if (!row.ok()) return row.status();
        if (!*row) break;
        queued.push_back(link_.make_item(s.text(0), s.text(1), s.blob(2)));
      }
    }
    for (const auto& item : queued) {
      if (auto added = outbox_.add(item); !added.ok()) return added.status();
      Statement u(db_, "UPDATE followup SET state = 'queued' WHERE key = ?");
      u.bind(1, item.key);
      if (auto st = u.run(); !st.ok()) return st;
    }
    if (auto st = t.commit(); !st.ok()) return st;
  }
  for (auto& item : queued) link_.wake(std::move(item));
  return Status::Ok();
}

Status HotlineService::settle_followups() {
  std::vector<std::string> waiting;
  {
    std::lock_guard lock(db_.mutex());
    Statement s(db_, "SELECT DISTINCT after_key FROM followup WHERE state = 'waiting'");
    while (true) {
      auto row = s.step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      waiting.push_back(s.text(0));
    }
  }
  for (const auto& key : waiting) {
    auto item = outbox_.find(key);
    if (!item || item->state == gateway::OutboxState::kPending) continue;  // its answer is still to come
    const Status s = item->state == gateway::OutboxState::kDelivered ? promote_followups(key)
                                                                     : drop_followups(*item, item->result.value_or(""));
    if (!s.ok()) return s;
  }
  return Status::Ok();
}

void HotlineService::retry_stalled() {
  if (!followups_stalled_) return;
  const Millis now = clock_.monotonic_ms();
  if (now - last_retry_ms_ < kRetryIntervalMs) return;
  last_retry_ms_ = now;
  if (auto s = settle_followups(); !s.ok()) {
    spdlog::error("follow-ups still not settled: {}; trying again in {} ms", s.message(), kRetryIntervalMs);
    return;
  }
  followups_stalled_ = false;
  spdlog::info("follow-ups settled after a storage fault");
}

std::optional<gateway::Delivery> HotlineService::wait(const std::string& key) {
  if (router_quiet_) return link_.wait_for(key, 0);
  auto d = link_.wait_for(key, options_.answer_wait_ms);
  if (!d) router_quiet_ = true;
  return d;
}

Result<std::optional<HotlineService::WorkOrder>> HotlineService::find(const std::string& id) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "SELECT id, report_id, incident_id, refused, category, priority, caller_phone, caller_name, address, lat, "
              "lon, grid, text, created_at_ms FROM work_order WHERE id = ?");
  s.bind(1, id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<WorkOrder>{};
  WorkOrder w;
  w.id = s.text(0);
  w.report_id = s.text(1);
  w.incident_id = s.optional_text(2);
  w.refused = s.optional_text(3);
  w.category = s.text(4);
  if (!s.is_null(5)) w.priority = s.integer(5);
  w.caller_phone = s.optional_text(6);
  w.caller_name = s.optional_text(7);
  w.address = s.text(8);
  if (!s.is_null(9)) w.location = v1::Location{s.real(9), s.real(10)};
  w.grid = s.optional_text(11);
  w.text = s.text(12);
  w.created_at_ms = s.integer(13);
  return std::optional<WorkOrder>(std::move(w));
}

Result<HotlineService::View> HotlineService::view(const WorkOrder& w) {
  View v;
  if (w.refused) {
    v.state = "refused";
    return v;
  }
  if (!w.incident_id) {
    v.state = "received";
    return v;
  }
  auto tracked = tracker_->incident(*w.incident_id);
  if (!tracked.ok()) return tracked.status();
  v.incident = std::move(*tracked);
  if (!v.incident) {
    v.state = "received";
    return v;
  }
  // A duplicate's orders are those of the incident it joined.
  const std::string orders_of = v.incident->merged_into.value_or(v.incident->incident_id);
  auto orders = tracker_->orders(orders_of);
  if (!orders.ok()) return orders.status();
  v.orders = std::move(*orders);
  for (const auto& o : v.orders) {
    if (o.open) v.current = o;
  }
  if (!v.current && !v.orders.empty()) v.current = v.orders.back();
  if (v.incident->platform != kPlatform) {
    v.state = "transferred";
  } else if (v.current) {
    v.state = v.current->state;
  } else {
    v.state = v.incident->state;
  }
  return v;
}

Result<json> HotlineService::to_json(const WorkOrder& w, bool full) {
  auto viewed = view(w);
  if (!viewed.ok()) return viewed.status();
  const View& v = *viewed;
  json j = {{"work_order_id", w.id},
            {"report_id", w.report_id},
            {"category", w.category},
            {"state", v.state},
            {"created_at_ms", w.created_at_ms},
            {"created_at", iso_time(w.created_at_ms)}};
  j["incident_id"] = w.incident_id ? json(*w.incident_id) : json(nullptr);
  j["department"] = v.current ? json(v.current->unit) : json(nullptr);
  if (w.priority) j["priority"] = *w.priority;
  if (w.refused) j["refused"] = *w.refused;
  if (v.incident && v.incident->platform != kPlatform) j["transferred_to"] = v.incident->platform;
  if (v.incident && v.incident->merged_into) j["merged_into"] = *v.incident->merged_into;
  json deadlines = json::object();
  json overdue = json::object();
  if (v.current) {
    j["order_id"] = v.current->order_id;
    for (const auto& d : v.current->deadlines) {
      deadlines[d.timer] = {{"deadline_ms", d.deadline_ms}, {"deadline", iso_time(d.deadline_ms)}};
      overdue[d.timer] = d.overdue;
    }
    if (v.current->note) j["answer"] = *v.current->note;
  }
  j["deadlines"] = deadlines;
  j["overdue"] = overdue;
  if (!full) return j;
  j["address"] = w.address;
  if (w.grid) j["grid"] = *w.grid;
  if (w.location) j["location"] = {{"lat", w.location->lat}, {"lon", w.location->lon}};
  json caller = json::object();
  if (w.caller_phone) caller["phone"] = *w.caller_phone;
  if (w.caller_name) caller["name"] = *w.caller_name;
  j["caller"] = caller;
  j["text"] = w.text;
  json orders = json::array();
  for (const auto& o : v.orders) orders.push_back(gateway::IncidentTracker::to_json(o));
  j["orders"] = orders;
  json callbacks = json::array();
  {
    std::lock_guard lock(db_.mutex());
    Statement s(db_,
                "SELECT at_ms, reached, satisfied, note, outcome FROM work_order_callback WHERE work_order_id = ? ORDER "
                "BY seq");
    s.bind(1, w.id);
    while (true) {
      auto row = s.step();
      if (!row.ok()) return row.status();
      if (!*row) break;
      json c = {{"at_ms", s.integer(0)}, {"time", iso_time(s.integer(0))}, {"reached", s.integer(1) != 0},
                {"outcome", s.text(4)}};
      if (!s.is_null(2)) c["satisfied"] = s.integer(2) != 0;
      if (auto note = s.optional_text(3)) c["note"] = *note;
      callbacks.push_back(c);
    }
  }
  j["callbacks"] = callbacks;
  j["callback"] = callbacks.empty() ? json(nullptr) : callbacks.back();
  json history = json::array();
  history.push_back({{"at_ms", w.created_at_ms}, {"time", iso_time(w.created_at_ms)}, {"step", "received"},
                     {"text", "work order received by the hotline: " + w.category}});
  if (w.incident_id) {
    auto history_read = tracker_->history(*w.incident_id);
    if (!history_read.ok()) return history_read.status();
    std::vector<gateway::HistoryEntry> entries = std::move(*history_read);
    if (v.incident && v.incident->merged_into) {
      auto more = tracker_->history(*v.incident->merged_into);
      if (!more.ok()) return more.status();
      entries.insert(entries.end(), more->begin(), more->end());
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.seq < b.seq; });
    for (const auto& e : entries) {
      history.push_back({{"at_ms", e.at_ms}, {"time", iso_time(e.at_ms)}, {"step", e.type}, {"text", e.text}});
    }
  }
  j["history"] = history;
  return j;
}

ApiReply HotlineService::create(const std::string& body) {
  auto parsed = gateway::parse_json_object(body);
  if (!parsed.ok()) return error_reply(parsed.status());
  auto in = parse_work_order(*parsed);
  if (!in.ok()) return error_reply(in.status());
  const std::string id = gateway::new_record_id(ids_);
  const std::int64_t now = clock_.wall_ms();
  const v1::IncidentReport report = to_report(*in, id, now);
  gateway::OutboxItem item = link_.make_item(report.report_id, std::string(v1::IncidentReport::kCommand), encode_body(report));
  const std::string doing = "storing work order " + id;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return gateway::storage_error(doing, t.begun());
    {
      Statement s(db_,
                  "INSERT INTO work_order (id, report_id, category, priority, caller_phone, caller_name, address, lat, "
                  "lon, grid, text, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      s.bind(1, id).bind(2, report.report_id).bind(3, in->category);
      if (in->priority) s.bind(4, *in->priority); else s.bind_null(4);
      s.bind(5, in->caller.phone).bind(6, in->caller.name).bind(7, in->address);
      if (in->location) s.bind(8, in->location->lat).bind(9, in->location->lon); else s.bind_null(8).bind_null(9);
      s.bind(10, in->grid).bind(11, in->text).bind(12, now);
      if (auto st = s.run(); !st.ok()) return gateway::storage_error(doing, st);
    }
    if (auto added = outbox_.add(item); !added.ok()) {
      return gateway::storage_error(doing, added.status());
    }
    if (auto st = t.commit(); !st.ok()) return gateway::storage_error(doing, st);
  }
  link_.wake(item);
  spdlog::info("work order {} accepted: {} from {} ({}), {}", id, in->category, mask_phone(in->caller.phone.value_or("")),
               mask_name(in->caller.name.value_or("")), mask_text(in->address));
  json reply = {{"work_order_id", id}, {"report_id", report.report_id}, {"status", "accepted"}};
  if (auto d = wait(report.report_id); d && d->delivered) {
    reply["incident_id"] = d->incident_id;
    if (d->merged_into) reply["merged_into"] = *d->merged_into;
  }
  return ApiReply{201, reply};
}

ApiReply HotlineService::get(const std::string& id) {
  auto w = find(id);
  if (!w.ok()) return gateway::storage_error("reading work order " + id, w.status());
  if (!*w) return error_reply(Status(ErrorCode::kUnknownId, "no work order '" + id + "'"));
  auto j = to_json(**w, true);
  if (!j.ok()) return gateway::storage_error("reading work order " + id, j.status());
  return ApiReply{200, std::move(*j)};
}

ApiReply HotlineService::list(const std::string& state, const std::string& limit_text) {
  std::int64_t limit = options_.list_limit;
  if (!limit_text.empty()) {
    if (limit_text.size() > 6 || limit_text.find_first_not_of("0123456789") != std::string::npos ||
        std::stoll(limit_text) < 1 || std::stoll(limit_text) > options_.list_limit) {
      return error_reply(Status(ErrorCode::kInvalidValue, "query parameter 'limit' is '" + limit_text + "'; allowed 1.." +
                                                              std::to_string(options_.list_limit)));
    }
    limit = std::stoll(limit_text);
  }
  const std::string wanted = state.empty() ? "open" : state;
  if (auto s = check_state_filter(wanted, transitions_); !s.ok()) return error_reply(s);
  std::vector<WorkOrder> recent;
  {
    std::lock_guard lock(db_.mutex());
    Statement s(db_, "SELECT id FROM work_order ORDER BY created_at_ms DESC, id DESC LIMIT 2000");
    std::vector<std::string> ids;
    while (true) {
      auto row = s.step();
      if (!row.ok()) return gateway::storage_error("listing work orders", row.status());
      if (!*row) break;
      ids.push_back(s.text(0));
    }
    for (const auto& id : ids) {
      auto w = find(id);
      if (!w.ok()) return gateway::storage_error("listing work orders", w.status());
      if (*w) recent.push_back(std::move(**w));
    }
  }
  json items = json::array();
  bool truncated = false;
  for (const auto& w : recent) {
    auto read = to_json(w, false);
    if (!read.ok()) return gateway::storage_error("listing work orders", read.status());
    json j = std::move(*read);
    const std::string st = j["state"].get<std::string>();
    const bool match = wanted == "all" || (wanted == "open" ? !is_finished_state(st) : st == wanted);
    if (!match) continue;
    if (static_cast<std::int64_t>(items.size()) >= limit) {
      truncated = true;
      break;
    }
    items.push_back(std::move(j));
  }
  return ApiReply{200, {{"state", wanted}, {"work_orders", items}, {"count", items.size()}, {"truncated", truncated}}};
}

ApiReply HotlineService::callback(const std::string& id, const std::string& body) {
  auto parsed = gateway::parse_json_object(body);
  if (!parsed.ok()) return error_reply(parsed.status());
  auto in = parse_callback(*parsed);
  if (!in.ok()) return error_reply(in.status());
  auto found = find(id);
  if (!found.ok()) return gateway::storage_error("callback of work order " + id, found.status());
  const std::optional<WorkOrder>& w = *found;
  if (!w) return error_reply(Status(ErrorCode::kUnknownId, "no work order '" + id + "'"));
  auto viewed = view(*w);
  if (!viewed.ok()) return gateway::storage_error("callback of work order " + id, viewed.status());
  const View& v = *viewed;
  if (v.state != "answered" || !v.current || !w->incident_id) {
    return error_reply(Status(ErrorCode::kInvalidTransition,
                              "work order " + id + " is '" + v.state +
                                  "': the callback to the citizen is recorded once the department has answered "
                                  "(state 'answered'); allowed next from '" + v.state +
                                  "': " + allowed_next(transitions_, v.state)));
  }
  const std::int64_t now = clock_.wall_ms();
  const std::string outcome = !in->reached ? "not_reached" : *in->satisfied ? "satisfied" : "not_satisfied";
  const std::string doing = "callback of work order " + id;
  std::vector<gateway::OutboxItem> first;
  std::int64_t attempt = 0;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return gateway::storage_error(doing, t.begun());
    {
      // One reached callback per answer: a second one while the first is on its way is a conflict.
      Statement s(db_, "SELECT (SELECT COUNT(*) FROM outbox WHERE key LIKE ?1 AND state = 'pending') + (SELECT "
                       "COUNT(*) FROM followup WHERE key LIKE ?1 AND state = 'waiting')");
      s.bind(1, std::string(kPlatform) + "-" + id + "-cb%");
      auto row = s.step();
      if (!row.ok()) return gateway::storage_error(doing, row.status());
      if (*row && s.integer(0) > 0) {
        return error_reply(Status(ErrorCode::kInvalidTransition,
                                  "work order " + id + " has a callback on its way to the router already"));
      }
    }
    {
      Statement s(db_, "SELECT COUNT(*) FROM work_order_callback WHERE work_order_id = ?");
      s.bind(1, id);
      auto row = s.step();
      if (!row.ok()) return gateway::storage_error(doing, row.status());
      attempt = *row ? s.integer(0) + 1 : 1;
    }
    {
      Statement s(db_, "INSERT INTO work_order_callback (work_order_id, at_ms, reached, satisfied, note, order_id, "
                       "outcome) VALUES (?, ?, ?, ?, ?, ?, ?)");
      s.bind(1, id).bind(2, now).bind(3, std::int64_t{in->reached ? 1 : 0});
      if (in->satisfied) s.bind(4, std::int64_t{*in->satisfied ? 1 : 0}); else s.bind_null(4);
      s.bind(5, in->note).bind(6, v.current->order_id).bind(7, outcome);
      if (auto st = s.run(); !st.ok()) return gateway::storage_error(doing, st);
    }
    const std::string text = std::string("callback to the citizen: ") +
                             (!in->reached ? "not reached" : *in->satisfied ? "reached, satisfied" : "reached, not satisfied") +
                             (in->note ? " — " + *in->note : "");
    if (auto st = tracker_->add_history(*w->incident_id, now, "callback", text); !st.ok()) {
      return gateway::storage_error(doing, st);
    }
    if (in->reached) {
      const std::string prefix = std::string(kPlatform) + "-" + id + "-cb" + std::to_string(attempt) + "-";
      auto update = [&](const std::string& state, const std::string& key) {
        v1::StatusUpdate u;
        u.update_id = key;
        u.incident_id = *w->incident_id;
        u.order_id = v.current->order_id;
        u.state = state;
        u.note = in->note;
        u.at_ms = now;
        return encode_body(u);
      };
      const std::string k1 = prefix + "1-called_back";
      const std::string second = *in->satisfied ? "closed" : "reassigned";
      const std::string k2 = prefix + "2-" + second;
      first.push_back(link_.make_item(k1, std::string(v1::StatusUpdate::kCommand), update("called_back", k1)));
      if (auto added = outbox_.add(first.back()); !added.ok()) {
        return gateway::storage_error(doing, added.status());
      }
      Statement f(db_, "INSERT INTO followup (key, after_key, command, body, state) VALUES (?, ?, ?, ?, 'waiting')");
      f.bind(1, k2).bind(2, k1).bind(3, std::string(v1::StatusUpdate::kCommand)).bind_blob(4, update(second, k2));
      if (auto st = f.run(); !st.ok()) return gateway::storage_error(doing, st);
    }
    if (auto st = t.commit(); !st.ok()) return gateway::storage_error(doing, st);
  }
  for (auto& item : first) link_.wake(item);
  spdlog::info("work order {}: callback {} recorded ({})", id, attempt, outcome);
  json reply = {{"work_order_id", id}, {"callback", attempt}, {"outcome", outcome}};
  if (!in->reached) {
    reply["state"] = "answered";
    reply["status"] = "recorded";
    return ApiReply{200, reply};
  }
  reply["status"] = "accepted";
  reply["steps"] = json::array({"called_back", *in->satisfied ? "closed" : "reassigned"});
  reply["update_ids"] = json::array({first.front().key});
  return ApiReply{202, reply};
}

ApiReply HotlineService::transfer(const std::string& id, const std::string& body) {
  auto parsed = gateway::parse_json_object(body);
  if (!parsed.ok()) return error_reply(parsed.status());
  auto in = parse_transfer(*parsed, kPlatform);
  if (!in.ok()) return error_reply(in.status());
  auto found = find(id);
  if (!found.ok()) return gateway::storage_error("transfer of work order " + id, found.status());
  const std::optional<WorkOrder>& w = *found;
  if (!w) return error_reply(Status(ErrorCode::kUnknownId, "no work order '" + id + "'"));
  auto viewed = view(*w);
  if (!viewed.ok()) return gateway::storage_error("transfer of work order " + id, viewed.status());
  const View& v = *viewed;
  if (!w->incident_id) {
    return error_reply(Status(ErrorCode::kInvalidTransition,
                              "work order " + id + " is '" + v.state +
                                  "': the router has not given it an incident yet; transfer it once it has"));
  }
  if (v.state == "transferred" || v.state == "closed" || v.state == "cancelled") {
    return error_reply(Status(ErrorCode::kInvalidTransition, "work order " + id + " is '" + v.state +
                                                                 "' and can no longer be transferred"));
  }
  const std::int64_t now = clock_.wall_ms();
  const std::string doing = "transfer of work order " + id;
  gateway::OutboxItem item;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return gateway::storage_error(doing, t.begun());
    std::int64_t n = 1;
    {
      Statement s(db_, "SELECT COUNT(*) FROM work_order_transfer WHERE work_order_id = ?");
      s.bind(1, id);
      auto row = s.step();
      if (!row.ok()) return gateway::storage_error(doing, row.status());
      if (*row) n = s.integer(0) + 1;
    }
    v1::Transfer tr;
    tr.transfer_id = std::string(kPlatform) + "-" + id + "-transfer-" + std::to_string(n);
    tr.incident_id = *w->incident_id;
    tr.to = in->to;
    tr.reason = in->reason;
    item = link_.make_item(tr.transfer_id, std::string(v1::Transfer::kCommand), encode_body(tr));
    {
      Statement s(db_, "INSERT INTO work_order_transfer (work_order_id, transfer_id, destination, reason, at_ms) VALUES "
                       "(?, ?, ?, ?, ?)");
      s.bind(1, id).bind(2, tr.transfer_id).bind(3, in->to).bind(4, in->reason).bind(5, now);
      if (auto st = s.run(); !st.ok()) return gateway::storage_error(doing, st);
    }
    if (auto added = outbox_.add(item); !added.ok()) {
      return gateway::storage_error(doing, added.status());
    }
    if (auto st = t.commit(); !st.ok()) return gateway::storage_error(doing, st);
  }
  link_.wake(item);
  spdlog::info("work order {}: transfer to {} asked ({})", id, in->to, item.key);
  json reply = {{"work_order_id", id}, {"transfer_id", item.key}, {"to", in->to}, {"status", "accepted"}};
  if (auto d = wait(item.key)) {
    if (!d->delivered) {
      return error_reply(Status(ErrorCode::kInvalidTransition, "the router refused the transfer: " + d->refusal));
    }
    reply["status"] = "transferred";
    reply["incident_id"] = d->incident_id;
    return ApiReply{200, reply};
  }
  return ApiReply{202, reply};
}

}  // namespace liandong::gw96345
