#include "services/gw_110/emergency_service.hpp"

#include <spdlog/spdlog.h>

#include "core/codec.hpp"
#include "core/log.hpp"

namespace liandong::gw110 {
namespace {

using gateway::ApiReply;
using gateway::error_reply;
using gateway::iso_time;
using gateway::Statement;
using gateway::Transaction;
using nlohmann::json;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS incident_report (
  ref TEXT PRIMARY KEY,
  report_id TEXT NOT NULL UNIQUE,
  incident_id TEXT,
  merged_into TEXT,
  refused TEXT,
  category TEXT NOT NULL,
  priority INTEGER,
  caller_phone TEXT,
  caller_name TEXT,
  address TEXT,
  lat REAL,
  lon REAL,
  grid TEXT,
  text TEXT NOT NULL,
  created_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS incident_transfer (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  ref TEXT NOT NULL,
  transfer_id TEXT NOT NULL UNIQUE,
  destination TEXT NOT NULL,
  reason TEXT NOT NULL,
  at_ms INTEGER NOT NULL
);
)sql";

}  // namespace

struct EmergencyService::Record {
  std::string ref;
  std::string report_id;
  std::optional<std::string> incident_id;
  std::optional<std::string> merged_into;
  std::optional<std::string> refused;
  std::string category;
  std::optional<std::int64_t> priority;
  std::optional<std::string> address;
  std::optional<std::string> grid;
  std::optional<v1::Location> location;
  std::optional<std::string> caller_phone;
  std::optional<std::string> caller_name;
  std::string text;
  std::int64_t created_at_ms = 0;
};

Result<std::unique_ptr<EmergencyService>> EmergencyService::open(gateway::SqliteDb& db, gateway::Outbox& outbox,
                                                                 gateway::GatewayLink& link, const Clock& clock,
                                                                 EmergencyOptions options) {
  if (auto s = db.exec(kSchema); !s.ok()) return s;
  std::unique_ptr<EmergencyService> svc(new EmergencyService(db, outbox, link, clock, options));
  EmergencyService* self = svc.get();
  auto tracker = gateway::IncidentTracker::open(db, std::string(kPlatform),
                                                [self](const router::IncidentReported& ev) { return self->claim(ev); });
  if (!tracker.ok()) return tracker.status();
  svc->tracker_ = std::move(*tracker);
  auto last_seq = svc->tracker_->last_feed_seq();
  if (!last_seq.ok()) return last_seq.status();
  svc->published_seq_ = *last_seq;
  link.on_event([self](const v1::StoredEvent& ev) { return self->tracker_->apply(ev); });
  link.on_delivery([self](const gateway::OutboxItem& item, const gateway::Delivery& d) { self->delivered(item, d); });
  link.on_counters([self](std::map<std::string, std::uint64_t>& c) {
    c["feed_clients"] = self->hub_.clients();
    c["feed_clients_dropped"] = self->hub_.dropped_clients();
  });
  return svc;
}

Result<std::optional<std::string>> EmergencyService::claim(const router::IncidentReported& ev) {
  if (!ev.report_id.starts_with(std::string(kPlatform) + "-")) return std::optional<std::string>{};
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT ref FROM incident_report WHERE report_id = ?");
  s.bind(1, ev.report_id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<std::string>{};
  const std::string ref = s.text(0);
  Statement u(db_, "UPDATE incident_report SET incident_id = COALESCE(incident_id, ?), merged_into = COALESCE(merged_into, "
                   "?) WHERE ref = ?");
  u.bind(1, ev.incident_id).bind(2, ev.merged_into).bind(3, ref);
  if (auto st = u.run(); !st.ok()) return st;
  return std::optional<std::string>(ref);
}

void EmergencyService::delivered(const gateway::OutboxItem& item, const gateway::Delivery& d) {
  router_quiet_ = false;
  if (item.command != v1::IncidentReport::kCommand) {
    if (!d.delivered) spdlog::warn("{} {} refused by the router: {}", item.command, item.key, d.refusal);
    return;
  }
  std::lock_guard lock(db_.mutex());
  Statement s(db_, d.delivered ? "UPDATE incident_report SET incident_id = COALESCE(incident_id, ?), merged_into = "
                                 "COALESCE(merged_into, ?) WHERE report_id = ?"
                               : "UPDATE incident_report SET refused = ? WHERE report_id = ? AND ? IS NOT NULL");
  if (d.delivered) {
    s.bind(1, d.incident_id).bind(2, d.merged_into).bind(3, item.key);
  } else {
    s.bind(1, d.refusal).bind(2, item.key).bind(3, d.refusal);
    spdlog::warn("report {} refused by the router: {}", item.key, d.refusal);
  }
  if (auto st = s.run(); !st.ok()) spdlog::error("incident of report {}: {}", item.key, st.message());
}

std::optional<gateway::Delivery> EmergencyService::wait(const std::string& key) {
  if (router_quiet_) return link_.wait_for(key, 0);
  auto d = link_.wait_for(key, options_.answer_wait_ms);
  if (!d) router_quiet_ = true;
  return d;
}

void EmergencyService::publish_feed() {
  for (int round = 0; round < 20; ++round) {
    auto entries = tracker_->feed(published_seq_, 500);
    if (!entries.ok()) {
      // Nothing is skipped: the next round reads again from published_seq_.
      spdlog::error("feed: cannot read entries after {}: {}; trying again next round", published_seq_,
                    entries.status().message());
      return;
    }
    if (entries->empty()) return;
    published_seq_ = entries->back().seq;
    hub_.publish(*entries);
  }
}

Result<std::optional<EmergencyService::Record>> EmergencyService::find(const std::string& ref) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "SELECT ref, report_id, incident_id, merged_into, refused, category, priority, address, grid, lat, lon, "
              "caller_phone, caller_name, text, created_at_ms FROM incident_report WHERE ref = ?");
  s.bind(1, ref);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<Record>{};
  Record r;
  r.ref = s.text(0);
  r.report_id = s.text(1);
  r.incident_id = s.optional_text(2);
  r.merged_into = s.optional_text(3);
  r.refused = s.optional_text(4);
  r.category = s.text(5);
  if (!s.is_null(6)) r.priority = s.integer(6);
  r.address = s.optional_text(7);
  r.grid = s.optional_text(8);
  if (!s.is_null(9)) r.location = v1::Location{s.real(9), s.real(10)};
  r.caller_phone = s.optional_text(11);
  r.caller_name = s.optional_text(12);
  r.text = s.text(13);
  r.created_at_ms = s.integer(14);
  return std::optional<Record>(std::move(r));
}

ApiReply EmergencyService::report(const std::string& body) {
  auto parsed = gateway::parse_json_object(body);
  if (!parsed.ok()) return error_reply(parsed.status());
  auto in = parse_incident(*parsed);
  if (!in.ok()) return error_reply(in.status());
  const std::string ref = gateway::new_record_id(ids_);
  const std::int64_t now = clock_.wall_ms();
  const v1::IncidentReport report = to_report(*in, ref, now);
  gateway::OutboxItem item = link_.make_item(report.report_id, std::string(v1::IncidentReport::kCommand), encode_body(report));
  const std::string doing = "storing incident " + ref;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return gateway::storage_error(doing, t.begun());
    {
      Statement s(db_,
                  "INSERT INTO incident_report (ref, report_id, category, priority, caller_phone, caller_name, address, "
                  "lat, lon, grid, text, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
      s.bind(1, ref).bind(2, report.report_id).bind(3, in->category);
      if (in->priority) s.bind(4, *in->priority); else s.bind_null(4);
      const v1::Caller caller = in->caller.value_or(v1::Caller{});
      s.bind(5, caller.phone).bind(6, caller.name).bind(7, in->address);
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
  const v1::Caller caller = in->caller.value_or(v1::Caller{});
  spdlog::info("incident {} accepted: {} P{} caller {} ({})", ref, in->category,
               in->priority ? std::to_string(*in->priority) : std::string("-"), mask_phone(caller.phone.value_or("")),
               mask_name(caller.name.value_or("")));
  json reply = {{"incident_ref", ref}, {"report_id", report.report_id}, {"status", "queued"}};
  if (auto d = wait(report.report_id)) {
    if (!d->delivered) {
      return error_reply(400, "REFUSED", "incident " + ref + " was refused by the router: " + d->refusal);
    }
    reply["status"] = "accepted";
    reply["incident_id"] = d->incident_id;
    if (d->merged_into) reply["merged_into"] = *d->merged_into;
    if (!d->state.empty()) reply["state"] = d->state;
  }
  return ApiReply{201, reply};
}

ApiReply EmergencyService::get(const std::string& ref) {
  auto found = find(ref);
  if (!found.ok()) return gateway::storage_error("reading incident " + ref, found.status());
  const std::optional<Record>& r = *found;
  if (!r) return error_reply(Status(ErrorCode::kUnknownId, "no incident with reference '" + ref + "'"));
  json j = {{"incident_ref", r->ref}, {"report_id", r->report_id}, {"category", r->category},
            {"text", r->text}, {"created_at_ms", r->created_at_ms}, {"created_at", iso_time(r->created_at_ms)}};
  j["incident_id"] = r->incident_id ? json(*r->incident_id) : json(nullptr);
  if (r->priority) j["priority"] = *r->priority;
  if (r->address) j["address"] = *r->address;
  if (r->grid) j["grid"] = *r->grid;
  if (r->location) j["location"] = {{"lat", r->location->lat}, {"lon", r->location->lon}};
  json caller = json::object();
  if (r->caller_phone) caller["phone"] = *r->caller_phone;
  if (r->caller_name) caller["name"] = *r->caller_name;
  j["caller"] = caller;
  std::string state = r->refused ? "refused" : r->incident_id ? "reported" : "queued";
  if (r->refused) j["refused"] = *r->refused;
  json orders = json::array();
  json history = json::array();
  if (r->incident_id) {
    auto tracked = tracker_->incident(*r->incident_id);
    if (!tracked.ok()) return gateway::storage_error("reading incident " + ref, tracked.status());
    if (const auto& inc = *tracked) {
      state = inc->state;
      j["platform"] = inc->platform;
      if (inc->platform != kPlatform) j["transferred_to"] = inc->platform;
      if (inc->priority) j["priority"] = *inc->priority;
      if (inc->grid) j["grid"] = *inc->grid;
      auto history_read = tracker_->history(inc->incident_id);
      if (!history_read.ok()) return gateway::storage_error("reading incident " + ref, history_read.status());
      std::vector<gateway::HistoryEntry> entries = std::move(*history_read);
      std::string orders_of = inc->incident_id;
      if (inc->merged_into) {
        j["merged_into"] = *inc->merged_into;
        orders_of = *inc->merged_into;
        auto more = tracker_->history(*inc->merged_into);
        if (!more.ok()) return gateway::storage_error("reading incident " + ref, more.status());
        entries.insert(entries.end(), more->begin(), more->end());
      }
      auto tracked_orders = tracker_->orders(orders_of);
      if (!tracked_orders.ok()) return gateway::storage_error("reading incident " + ref, tracked_orders.status());
      for (const auto& o : *tracked_orders) orders.push_back(gateway::IncidentTracker::to_json(o));
      std::stable_sort(entries.begin(), entries.end(),
                       [](const auto& a, const auto& b) { return a.at_ms != b.at_ms ? a.at_ms < b.at_ms : a.seq < b.seq; });
      for (const auto& e : entries) history.push_back(gateway::IncidentTracker::to_json(e));
    }
  }
  j["state"] = state;
  j["orders"] = orders;
  j["history"] = history;
  return ApiReply{200, j};
}

ApiReply EmergencyService::transfer(const std::string& ref, const std::string& body) {
  auto parsed = gateway::parse_json_object(body);
  if (!parsed.ok()) return error_reply(parsed.status());
  auto in = gateway::parse_transfer_request(*parsed, kPlatform);
  if (!in.ok()) return error_reply(in.status());
  auto found = find(ref);
  if (!found.ok()) return gateway::storage_error("reading incident " + ref, found.status());
  const std::optional<Record>& r = *found;
  if (!r) return error_reply(Status(ErrorCode::kUnknownId, "no incident with reference '" + ref + "'"));
  if (!r->incident_id) {
    return error_reply(Status(ErrorCode::kInvalidTransition,
                              "incident " + ref + " has no incident id from the router yet; transfer it once it has"));
  }
  auto tracked = tracker_->incident(*r->incident_id);
  if (!tracked.ok()) return gateway::storage_error("reading incident " + ref, tracked.status());
  if (*tracked && (*tracked)->platform != kPlatform) {
    return error_reply(Status(ErrorCode::kInvalidTransition,
                              "incident " + ref + " is on the " + (*tracked)->platform + " platform already"));
  }
  const std::int64_t now = clock_.wall_ms();
  const std::string doing = "transfer of incident " + ref;
  gateway::OutboxItem item;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return gateway::storage_error(doing, t.begun());
    std::int64_t n = 1;
    {
      Statement s(db_, "SELECT COUNT(*) FROM incident_transfer WHERE ref = ?");
      s.bind(1, ref);
      auto row = s.step();
      if (!row.ok()) return gateway::storage_error("transfer of incident " + ref, row.status());
      if (*row) n = s.integer(0) + 1;
    }
    v1::Transfer tr;
    tr.transfer_id = std::string(kPlatform) + "-" + ref + "-transfer-" + std::to_string(n);
    tr.incident_id = *r->incident_id;
    tr.to = in->to;
    tr.reason = in->reason;
    item = link_.make_item(tr.transfer_id, std::string(v1::Transfer::kCommand), encode_body(tr));
    {
      Statement s(db_, "INSERT INTO incident_transfer (ref, transfer_id, destination, reason, at_ms) VALUES (?, ?, ?, ?, ?)");
      s.bind(1, ref).bind(2, tr.transfer_id).bind(3, in->to).bind(4, in->reason).bind(5, now);
      if (auto st = s.run(); !st.ok()) return gateway::storage_error(doing, st);
    }
    if (auto added = outbox_.add(item); !added.ok()) {
      return gateway::storage_error(doing, added.status());
    }
    if (auto st = t.commit(); !st.ok()) return gateway::storage_error(doing, st);
  }
  link_.wake(item);
  spdlog::info("incident {}: transfer to {} asked ({})", ref, in->to, item.key);
  json reply = {{"incident_ref", ref}, {"transfer_id", item.key}, {"to", in->to}, {"status", "accepted"}};
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

ApiReply EmergencyService::feed_json(const std::string& from_seq, const std::string& limit) {
  auto q = parse_feed_query(from_seq, limit);
  if (!q.ok()) return error_reply(q.status());
  auto entries = tracker_->feed(q->from_seq, q->limit);
  if (!entries.ok()) return gateway::storage_error("reading the feed", entries.status());
  json items = json::array();
  for (const auto& e : *entries) {
    items.push_back({{"seq", e.seq}, {"at_ms", e.at_ms}, {"incident_id", e.incident_id}, {"type", e.type}, {"text", e.text}});
  }
  return ApiReply{200, items};
}

}  // namespace liandong::gw110
