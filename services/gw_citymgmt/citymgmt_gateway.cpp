#include "services/gw_citymgmt/citymgmt_gateway.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

#include "core/codec.hpp"
#include "core/log.hpp"
#include "services/gw_citymgmt/open311_xml.hpp"
#include "services/router/router_events.hpp"

namespace liandong::citymgmt {
namespace {

using gateway::Statement;
using gateway::Transaction;
namespace ev = router::event_type;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS cases (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  service_code TEXT NOT NULL,
  service_name TEXT NOT NULL,
  category TEXT NOT NULL,
  lat REAL,
  lon REAL,
  address TEXT,
  description TEXT,
  media_url TEXT,
  first_name TEXT,
  last_name TEXT,
  phone TEXT,
  email TEXT,
  device_id TEXT,
  account_id TEXT,
  inspector_id TEXT,
  requested_at_ms INTEGER NOT NULL,
  updated_at_ms INTEGER NOT NULL,
  step TEXT NOT NULL,
  step_by TEXT,
  note TEXT,
  incident_id TEXT,
  order_id TEXT,
  unit TEXT,
  grid TEXT,
  town TEXT,
  expected_ms INTEGER,
  address_id TEXT
);
CREATE INDEX IF NOT EXISTS cases_incident ON cases(incident_id);
CREATE TABLE IF NOT EXISTS verifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  case_id INTEGER NOT NULL,
  inspector_id TEXT NOT NULL,
  result TEXT NOT NULL CHECK (result IN ('passed', 'failed')),
  note TEXT,
  at_ms INTEGER NOT NULL,
  update_id TEXT NOT NULL UNIQUE,
  close_id TEXT
);
)sql";

constexpr std::string_view kCaseColumns =
    "id, service_code, service_name, category, lat, lon, address, description, media_url, first_name, last_name, "
    "phone, email, device_id, account_id, inspector_id, requested_at_ms, updated_at_ms, step, step_by, note, "
    "incident_id, order_id, unit, grid, town, expected_ms, address_id";

CaseRecord read_case(const Statement& s) {
  CaseRecord r;
  r.id = s.integer(0);
  r.input.service_code = s.text(1);
  r.service_name = s.text(2);
  r.category = s.text(3);
  if (!s.is_null(4)) r.input.lat = s.real(4);
  if (!s.is_null(5)) r.input.lon = s.real(5);
  r.input.address = s.optional_text(6);
  r.input.description = s.optional_text(7);
  r.input.media_url = s.optional_text(8);
  r.input.first_name = s.optional_text(9);
  r.input.last_name = s.optional_text(10);
  r.input.phone = s.optional_text(11);
  r.input.email = s.optional_text(12);
  r.input.device_id = s.optional_text(13);
  r.input.account_id = s.optional_text(14);
  r.input.inspector_id = s.optional_text(15);
  r.requested_at_ms = s.integer(16);
  r.updated_at_ms = s.integer(17);
  r.step = s.text(18);
  r.step_by = s.optional_text(19);
  r.note = s.optional_text(20);
  r.incident_id = s.optional_text(21);
  r.order_id = s.optional_text(22);
  r.unit = s.optional_text(23);
  r.grid = s.optional_text(24);
  r.town = s.optional_text(25);
  if (!s.is_null(26)) r.expected_ms = s.integer(26);
  r.input.address_id = s.optional_text(27);
  return r;
}

using Answer = CitymgmtGateway::Answer;

constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kXmlType = "text/xml; charset=utf-8";

Answer answer(int status, Open311Json doc, XmlList xml) { return Answer{status, std::move(doc), xml, {}, 0}; }

Answer error_reply(int status, const std::string& description) {
  return answer(status, error_json(status, description), kErrorsXml);
}

// A storage fault: logged, 503 naming the cause, Retry-After; never a 404 or an empty list.
Answer storage_reply(const std::string& doing, const Status& status) {
  spdlog::error("{}: {}", doing, status.message());
  Answer r = error_reply(503, doing + ": " + status.message() + "; nothing was changed, try again in a moment");
  r.retry_after_s = 1;
  return r;
}

Answer not_allowed(const std::string& method, const std::string& path, const std::string& allow) {
  Answer r = error_reply(405, "method " + method + " is not allowed on " + path + " (allowed: " + allow + ")");
  r.allow = allow;
  return r;
}

HttpReply render(const Answer& a, bool xml) {
  HttpReply r;
  r.status = a.status;
  r.allow = a.allow;
  r.retry_after_s = a.retry_after_s;
  r.body = xml ? to_xml(a.doc, a.xml) : a.doc.dump();
  r.content_type = xml ? kXmlType : kJsonType;
  return r;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A path's format extension: ".json", ".xml", another one, or "" (none after the last '/').
std::string_view extension_of(std::string_view path) {
  const auto dot = path.rfind('.');
  const auto slash = path.rfind('/');
  if (dot == std::string_view::npos || (slash != std::string_view::npos && slash > dot)) return {};
  return path.substr(dot);
}

// "12" -> 12; anything else (also "012", "-1", overlong) is no case id.
std::optional<std::int64_t> parse_case_id(std::string_view s) {
  if (s.empty() || s.size() > 18 || s[0] == '0') return std::nullopt;
  std::int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::string shown(std::string_view value) {
  std::string s(value.substr(0, 40));
  if (value.size() > 40) s += "...";
  return s;
}

std::optional<std::string> param(const Params& p, const std::string& key) {
  auto it = p.find(key);
  if (it == p.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// A database made before cases had address_id (docs/gateways.md) gets the column.
Status add_address_id_column(gateway::SqliteDb& db) {
  std::lock_guard lock(db.mutex());
  {
    Statement s(db, "SELECT 1 FROM pragma_table_info('cases') WHERE name = 'address_id'");
    auto row = s.step();
    if (!row.ok()) return row.status();
    if (*row) return Status::Ok();
  }
  return db.exec("ALTER TABLE cases ADD COLUMN address_id TEXT");
}

template <class M>
Result<M> body_of(const v1::StoredEvent& e) {
  return decode_body<M>(e.body.bytes);
}

}  // namespace

Result<std::unique_ptr<CitymgmtGateway>> CitymgmtGateway::open(gateway::SqliteDb& db, gateway::Outbox& outbox,
                                                               const ServiceCatalog& catalog,
                                                               const InspectorRegistry& inspectors, const Clock& clock,
                                                               LinkHooks hooks, CitymgmtOptions options) {
  if (auto s = db.exec(kSchema); !s.ok()) return s;
  if (auto s = add_address_id_column(db); !s.ok()) return s;
  // Case ids are in report ids ("citymgmt-<case id>"): unique across database lives.
  if (auto s = gateway::seed_ids_from_clock(db, "cases", clock.wall_ms()); !s.ok()) return s;
  return std::unique_ptr<CitymgmtGateway>(
      new CitymgmtGateway(db, outbox, catalog, inspectors, clock, std::move(hooks), std::move(options)));
}

void CitymgmtGateway::count(const std::string& name) {
  std::lock_guard lock(counters_mutex_);
  ++counters_[name];
}

std::map<std::string, std::uint64_t> CitymgmtGateway::counters() const {
  std::lock_guard lock(counters_mutex_);
  return counters_;
}

HttpReply error_reply_for(std::string_view path, int status, const std::string& description) {
  return render(error_reply(status, description), extension_of(path) == ".xml");
}

HttpReply CitymgmtGateway::handle(const HttpRequest& request) {
  const bool xml = extension_of(request.path) == ".xml";
  try {
    return render(route(request), xml);
  } catch (const std::exception& e) {
    spdlog::error("{} {}: {}", request.method, shown(request.path), e.what());
    return render(error_reply(500, std::string("internal error: ") + e.what()), xml);
  }
}

Answer CitymgmtGateway::route(const HttpRequest& request) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  // GeoReport v2 "Format Support": every resource as .json and as .xml (the verify extension
  // also without one); the format only changes the rendering (handle()).
  const std::string_view ext = extension_of(path);
  if (!ext.empty() && ext != ".json" && ext != ".xml") {
    return error_reply(400, "format not supported: '" + shown(ext) + "'; .json and .xml are served");
  }
  const std::string resource = path.substr(0, path.size() - ext.size());
  if (resource == "/services" && !ext.empty()) {
    if (method != "GET") return not_allowed(method, path, "GET");
    return answer(200, catalog_.to_json(), kServicesXml);
  }
  if (resource.starts_with("/services/") && !ext.empty()) {
    if (method != "GET") return not_allowed(method, path, "GET");
    const std::string code = resource.substr(10);
    if (catalog_.find(code) == nullptr) return error_reply(404, "service_code '" + shown(code) + "' is not a service of GET /services.json");
    return error_reply(404, "service '" + code + "' has no definition: every service has metadata false");
  }
  if (resource == "/requests" && !ext.empty()) {
    if (method == "GET") return list_requests(request.query);
    if (method == "POST") return post_request(request);
    return not_allowed(method, path, "GET, POST");
  }
  if (resource.starts_with("/requests/")) {
    const std::string rest = resource.substr(10);
    if (ends_with(rest, "/verify")) {
      if (method != "POST") return not_allowed(method, path, "POST");
      return verify(rest.substr(0, rest.size() - 7), request);
    }
    if (!ext.empty() && rest.find('/') == std::string::npos) {
      if (method != "GET") return not_allowed(method, path, "GET");
      return get_request(rest);
    }
  }
  return error_reply(404, "no resource '" + shown(path) +
                              "': this server offers /services, /requests, /requests/{id} (each as .json or .xml) "
                              "and POST /requests/{id}/verify");
}

Answer CitymgmtGateway::post_request(const HttpRequest& request) {
  auto params = parse_body(request.content_type, request.body);
  if (!params.ok()) return error_reply(400, params.status().message());
  for (const auto& [k, v] : request.query) params->emplace(k, v);  // body fields win
  // address_id is a grid id (docs/gateways.md): the inspectors' registry holds the grid table.
  auto input = validate_case(*params, catalog_, [this](const std::string& grid) { return inspectors_.zone_of_grid(grid).has_value(); });
  if (!input.ok()) return error_reply(400, input.status().message());
  const Service* service = catalog_.find(input->service_code);

  CaseRecord record;
  record.input = *input;
  record.service_name = service->name;
  record.category = service->category;
  record.requested_at_ms = clock_.wall_ms();
  record.updated_at_ms = record.requested_at_ms;
  gateway::OutboxItem item;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return storage_reply("storing the case", t.begun());
    auto id = insert_case(record);
    if (!id.ok()) return storage_reply("storing the case", id.status());
    record.id = *id;
    item.key = report_id_for(record.id);
    item.command = std::string(v1::IncidentReport::kCommand);
    item.destination = options_.router;
    item.body = encode_body(to_incident_report(record));
    item.accepted_at_ms = record.requested_at_ms;
    auto added = outbox_.add(item);
    if (!added.ok()) return storage_reply("queueing the case", added.status());
    if (auto s = t.commit(); !s.ok()) return storage_reply("storing the case", s);
  }
  hooks_.wake(item);
  count("cases");
  spdlog::info("case {} ({}) from inspector {} device {} caller {} {} at {}", record.id, record.input.service_code,
               record.input.inspector_id.value_or("-"), record.input.device_id.value_or("-"),
               mask_name(record.input.last_name.value_or("") + record.input.first_name.value_or("")),
               mask_phone(record.input.phone.value_or("")),
               record.input.lat ? fmt::format("{:.5f},{:.5f}", *record.input.lat, *record.input.lon)
                                : mask_text(record.input.address.value_or("")));

  // Wait a little so the answer can say where the case went; the outbox delivers it anyway.
  const Millis deadline = clock_.monotonic_ms() + options_.answer_wait_ms;
  std::string notice;
  auto delivery = hooks_.wait_for ? hooks_.wait_for(item.key, options_.answer_wait_ms) : std::nullopt;
  if (!delivery) {
    notice = "case " + std::to_string(record.id) + " reported (受理); the router has not answered yet: it is queued and will be registered";
  } else if (!delivery->delivered) {
    notice = "case " + std::to_string(record.id) + " reported but refused by the router: " + delivery->refusal;
  } else {
    auto now = wait_case(record.id, deadline, [](const CaseRecord& c) { return c.unit.has_value() || c.step != "registered"; });
    notice = "case " + std::to_string(record.id) + " registered (立案) as incident " + delivery->incident_id;
    if (delivery->merged_into) notice += ", merged into " + *delivery->merged_into;
    if (now && now->unit && now->step == "dispatched") notice += "; dispatched (派遣) to " + *now->unit;
    else if (now && now->unit) notice += "; " + now->step + ", with " + *now->unit;
  }
  auto created = Open311Json::array(
      {{{"service_request_id", std::to_string(record.id)}, {"service_notice", notice}, {"account_id", nullptr}}});
  return answer(200, std::move(created), kRequestsXml);
}

Result<std::int64_t> CitymgmtGateway::insert_case(const CaseRecord& r) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_,
              "INSERT INTO cases (service_code, service_name, category, lat, lon, address, description, media_url, "
              "first_name, last_name, phone, email, device_id, account_id, inspector_id, requested_at_ms, updated_at_ms, "
              "step, address_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
              "'reported', ?18)");
  s.bind(1, r.input.service_code).bind(2, r.service_name).bind(3, r.category);
  if (r.input.lat) s.bind(4, *r.input.lat).bind(5, *r.input.lon);
  else s.bind_null(4).bind_null(5);
  s.bind(6, r.input.address).bind(7, r.input.description).bind(8, r.input.media_url).bind(9, r.input.first_name);
  s.bind(10, r.input.last_name).bind(11, r.input.phone).bind(12, r.input.email).bind(13, r.input.device_id);
  s.bind(14, r.input.account_id).bind(15, r.input.inspector_id).bind(16, r.requested_at_ms).bind(17, r.updated_at_ms);
  s.bind(18, r.input.address_id);
  if (auto st = s.run(); !st.ok()) return st;
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_.handle()));
}

Result<std::optional<CaseRecord>> CitymgmtGateway::read_case_by_id(std::int64_t id) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT " + std::string(kCaseColumns) + " FROM cases WHERE id = ?1");
  s.bind(1, id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return std::optional<CaseRecord>{};
  return std::optional<CaseRecord>(read_case(s));
}

std::optional<CaseRecord> CitymgmtGateway::find_case(std::int64_t id) {
  auto c = read_case_by_id(id);
  if (c.ok()) return *c;
  spdlog::error("reading case {}: {}", id, c.status().message());
  return std::nullopt;
}

std::optional<CaseRecord> CitymgmtGateway::wait_case(std::int64_t id, Millis deadline_ms,
                                                     const std::function<bool(const CaseRecord&)>& done) {
  for (int i = 0; i < 1000; ++i) {
    auto c = find_case(id);
    if (!c || done(*c) || clock_.monotonic_ms() >= deadline_ms) return c;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return find_case(id);
}

Answer CitymgmtGateway::get_request(const std::string& id_text) {
  auto id = parse_case_id(id_text);
  if (!id) return error_reply(404, "service_request_id '" + shown(id_text) + "' is unknown");
  auto read = read_case_by_id(*id);
  if (!read.ok()) return storage_reply("reading case " + id_text, read.status());
  const std::optional<CaseRecord>& c = *read;
  if (!c) return error_reply(404, "service_request_id '" + shown(id_text) + "' is unknown");
  return answer(200, Open311Json::array({case_json(*c, options_.utc_offset_minutes)}), kRequestsXml);
}

Answer CitymgmtGateway::list_requests(const Params& query) {
  std::string where;
  std::vector<std::function<void(Statement&, int)>> binds;
  auto add = [&](const std::string& cond, std::function<void(Statement&, int)> bind) {
    where += (where.empty() ? " WHERE " : " AND ") + cond;
    binds.push_back(std::move(bind));
  };
  if (auto ids = param(query, "service_request_id")) {
    // Open311: with service_request_id the other filters are ignored.
    std::string list;
    std::size_t n = 0;
    std::size_t pos = 0;
    while (pos <= ids->size()) {
      std::size_t end = ids->find(',', pos);
      if (end == std::string::npos) end = ids->size();
      std::string one = ids->substr(pos, end - pos);
      pos = end + 1;
      if (one.empty()) continue;
      auto id = parse_case_id(one);
      if (!id) return error_reply(400, "service_request_id '" + shown(one) + "' is not a request id (a positive number)");
      if (++n > static_cast<std::size_t>(options_.list_limit)) {
        return error_reply(400, "service_request_id lists more than " + std::to_string(options_.list_limit) + " ids");
      }
      list += (list.empty() ? "" : ",") + std::to_string(*id);
    }
    if (list.empty()) return error_reply(400, "service_request_id is empty");
    where = " WHERE id IN (" + list + ")";  // numbers only, checked above
  } else {
    if (auto code = param(query, "service_code")) {
      if (catalog_.find(*code) == nullptr) return error_reply(400, "service_code '" + shown(*code) + "' is not a service of GET /services.json");
      add("service_code = ?", [c = *code](Statement& s, int i) { s.bind(i, c); });
    }
    std::optional<Millis> dates[2];
    for (int k = 0; k < 2; ++k) {
      const char* key = k == 0 ? "start_date" : "end_date";
      if (auto text = param(query, key)) {
        auto t = parse_iso8601(*text, options_.utc_offset_minutes);
        if (!t.ok()) return error_reply(400, std::string(key) + ": " + t.status().message());
        dates[k] = *t;
      }
    }
    auto window = date_window(dates[0], dates[1], clock_.wall_ms(), options_.utc_offset_minutes);
    if (!window.ok()) return error_reply(400, window.status().message());
    add("requested_at_ms >= ?", [v = window->start_ms](Statement& s, int i) { s.bind(i, v); });
    if (window->end_ms) add("requested_at_ms <= ?", [v = *window->end_ms](Statement& s, int i) { s.bind(i, v); });
    if (auto status = param(query, "status")) {
      std::string cond;
      for (std::size_t pos = 0; pos <= status->size();) {
        std::size_t end = status->find(',', pos);
        if (end == std::string::npos) end = status->size();
        const std::string one = status->substr(pos, end - pos);
        pos = end + 1;
        if (one == "open") cond += std::string(cond.empty() ? "" : " OR ") + "step NOT IN ('closed', 'cancelled')";
        else if (one == "closed") cond += std::string(cond.empty() ? "" : " OR ") + "step IN ('closed', 'cancelled')";
        else return error_reply(400, "status '" + shown(one) + "' must be open or closed");
      }
      where += (where.empty() ? " WHERE (" : " AND (") + cond + ")";
    }
  }
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT " + std::string(kCaseColumns) + " FROM cases" + where + " ORDER BY id DESC LIMIT " +
                       std::to_string(options_.list_limit));
  for (std::size_t i = 0; i < binds.size(); ++i) binds[i](s, static_cast<int>(i + 1));
  auto out = Open311Json::array();
  for (int n = 0; n < options_.list_limit + 1; ++n) {
    auto row = s.step();
    if (!row.ok()) return storage_reply("listing the cases", row.status());
    if (!*row) break;
    out.push_back(case_json(read_case(s), options_.utc_offset_minutes));
  }
  return answer(200, std::move(out), kRequestsXml);
}

gateway::OutboxItem CitymgmtGateway::status_item(const std::string& key, const CaseRecord& record, const std::string& state,
                                                 const std::string& note) {
  v1::StatusUpdate u;
  u.update_id = key;
  u.incident_id = record.incident_id.value_or("");
  u.order_id = record.order_id;
  u.state = state;
  u.note = note;
  u.at_ms = clock_.wall_ms();
  gateway::OutboxItem item;
  item.key = key;
  item.command = std::string(v1::StatusUpdate::kCommand);
  item.destination = options_.router;
  item.body = encode_body(u);
  item.accepted_at_ms = u.at_ms;
  return item;
}

Answer CitymgmtGateway::verify(const std::string& id_text, const HttpRequest& request) {
  auto id = parse_case_id(id_text);
  if (!id) return error_reply(404, "service_request_id '" + shown(id_text) + "' is unknown");
  auto read = read_case_by_id(*id);
  if (!read.ok()) return storage_reply("verification of case " + id_text, read.status());
  const std::optional<CaseRecord>& c = *read;
  if (!c) return error_reply(404, "service_request_id '" + shown(id_text) + "' is unknown");
  auto params = parse_body(request.content_type, request.body);
  if (!params.ok()) return error_reply(400, params.status().message());
  for (const auto& [k, v] : request.query) params->emplace(k, v);
  auto inspector_id = param(*params, "inspector_id");
  if (!inspector_id) return error_reply(400, "inspector_id is required");
  auto result = param(*params, "result");
  if (!result) return error_reply(400, "result is required: passed or failed");
  if (*result != "passed" && *result != "failed") return error_reply(400, "result '" + shown(*result) + "' must be passed or failed");
  auto note = param(*params, "note");
  if (note && note->size() > 4000) return error_reply(400, "note is longer than 4000 bytes");
  const Inspector* inspector = inspectors_.find(*inspector_id);
  if (inspector == nullptr) return error_reply(403, "inspector_id '" + shown(*inspector_id) + "' is not in the inspector registry");
  if (!c->grid) return error_reply(409, "case " + id_text + " has no grid yet (step '" + c->step + "'): it cannot be verified before it is registered and handled");
  if (!inspectors_.covers(*inspector, *c->grid)) {
    const std::string zone = inspectors_.zone_of_grid(*c->grid).value_or("?");
    return error_reply(403, "inspector " + inspector->id + " covers the grids " + inspector->first_grid + ".." +
                                inspector->last_grid + " of zone " + inspector->zone + "; case " + id_text +
                                " is in grid " + *c->grid + " of zone " + zone + ": only an inspector of that grid may verify it");
  }
  if (c->step != "handled" || !c->order_id || !c->incident_id) {
    return error_reply(409, "case " + id_text + " is at step '" + c->step +
                                "'; verification (核查) is allowed only at step 'handled'");
  }
  const bool passed = *result == "passed";
  std::string text = std::string(passed ? "verification passed (核查通过)" : "verification failed (核查不通过), back to the squad") +
                     " by inspector " + inspector->id + (note ? ": " + *note : "");
  gateway::OutboxItem item;
  {
    Transaction t(db_);
    if (!t.begun().ok()) return storage_reply("storing the verification", t.begun());
    Statement ins(db_, "INSERT INTO verifications (case_id, inspector_id, result, note, at_ms, update_id) VALUES (?1, ?2, ?3, ?4, ?5, '')");
    ins.bind(1, c->id).bind(2, inspector->id).bind(3, *result).bind(4, note).bind(5, clock_.wall_ms());
    if (auto s = ins.run(); !s.ok()) return storage_reply("storing the verification", s);
    const std::int64_t vid = sqlite3_last_insert_rowid(db_.handle());
    const std::string key = report_id_for(c->id) + ".verify-" + std::to_string(vid);
    Statement upd(db_, "UPDATE verifications SET update_id = ?1 WHERE id = ?2");
    upd.bind(1, key).bind(2, vid);
    if (auto s = upd.run(); !s.ok()) return storage_reply("storing the verification", s);
    item = status_item(key, *c, passed ? "verified" : "dispatched", text);
    auto added = outbox_.add(item);
    if (!added.ok()) return storage_reply("queueing the verification", added.status());
    if (auto s = t.commit(); !s.ok()) return storage_reply("storing the verification", s);
  }
  hooks_.wake(item);
  count(passed ? "verifications_passed" : "verifications_failed");
  spdlog::info("case {}: {} by {}", c->id, passed ? "verification passed" : "verification failed", inspector->id);

  const Millis deadline = clock_.monotonic_ms() + 2 * options_.answer_wait_ms;
  auto delivery = hooks_.wait_for ? hooks_.wait_for(item.key, options_.answer_wait_ms) : std::nullopt;
  if (delivery && !delivery->delivered) {
    return error_reply(409, "the router refused the verification of case " + id_text + ": " + delivery->refusal);
  }
  std::optional<CaseRecord> now;
  if (delivery) {
    const std::string want = passed ? "closed" : "dispatched";
    now = wait_case(c->id, deadline, [&](const CaseRecord& r) { return r.step == want; });
  }
  if (!now) now = find_case(c->id);
  auto j = case_json(*now, options_.utc_offset_minutes);
  j["service_notice"] = text + (delivery ? "" : " (queued: the router has not answered yet)");
  return answer(200, Open311Json::array({j}), kRequestsXml);
}

std::vector<std::int64_t> CitymgmtGateway::cases_of_incident(const std::string& incident_id) {
  std::vector<std::int64_t> ids;
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT id FROM cases WHERE incident_id = ?1");
  s.bind(1, incident_id);
  for (int i = 0; i < 10'000; ++i) {
    auto row = s.step();
    if (!row.ok() || !*row) break;
    ids.push_back(s.integer(0));
  }
  return ids;
}

Status CitymgmtGateway::queue_close(const std::string& verify_update_id) {
  std::lock_guard lock(db_.mutex());
  Statement s(db_, "SELECT id, case_id, inspector_id FROM verifications WHERE update_id = ?1 AND result = 'passed' AND close_id IS NULL");
  s.bind(1, verify_update_id);
  auto row = s.step();
  if (!row.ok()) return row.status();
  if (!*row) return Status::Ok();
  const std::int64_t vid = s.integer(0);
  const std::int64_t case_id = s.integer(1);
  const std::string inspector = s.text(2);
  auto c = find_case(case_id);
  if (!c) return Status::Ok();
  const std::string key = report_id_for(case_id) + ".close-" + std::to_string(vid);
  auto item = status_item(key, *c, "closed", "closed (结案) after verification by inspector " + inspector);
  auto added = outbox_.add(item);
  if (!added.ok()) return added.status();
  Statement upd(db_, "UPDATE verifications SET close_id = ?1 WHERE id = ?2");
  upd.bind(1, key).bind(2, vid);
  if (auto st = upd.run(); !st.ok()) return st;
  // Sent even if the page's transaction rolls back: the key is idempotent, and the event is
  // read again and finds the close already queued or queues it again under the same key.
  hooks_.wake(item);
  return Status::Ok();
}

Status CitymgmtGateway::on_event(const v1::StoredEvent& e) {
  const Millis at = e.at_ms;
  std::lock_guard lock(db_.mutex());
  // Runs `sql` (?1 = case id, ?2 = at_ms, then `more` from ?3) on every case of the incident.
  auto apply = [&](const std::string& incident_id, const std::string& sql,
                   const std::function<void(Statement&)>& more) -> Status {
    for (std::int64_t id : cases_of_incident(incident_id)) {
      Statement s(db_, "UPDATE cases SET updated_at_ms = ?2, " + sql + " WHERE id = ?1");
      s.bind(1, id).bind(2, at);
      if (more) more(s);
      if (auto st = s.run(); !st.ok()) return st;
    }
    return Status::Ok();
  };
  // Order events move the case only when they concern its current order (or it has none yet).
  const std::string same_order = " AND (order_id IS NULL OR order_id = ?3)";
  auto apply_order = [&](const std::string& incident_id, const std::string& order_id, const std::string& sql,
                         const std::function<void(Statement&)>& more) -> Status {
    for (std::int64_t id : cases_of_incident(incident_id)) {
      Statement s(db_, "UPDATE cases SET updated_at_ms = ?2, " + sql + " WHERE id = ?1" + same_order);
      s.bind(1, id).bind(2, at).bind(3, order_id);
      if (more) more(s);
      if (auto st = s.run(); !st.ok()) return st;
    }
    return Status::Ok();
  };
  auto skip = [&](const Status& decode) {
    spdlog::warn("event {} ({}) not understood, skipped: {}", e.seq, e.type, decode.message());
    return Status::Ok();  // a body we cannot read never blocks the follow of the log
  };

  if (e.type == ev::kReported) {
    auto b = body_of<router::IncidentReported>(e);
    if (!b.ok()) return skip(b.status());
    if (!b->report_id.starts_with("citymgmt-") || b->source != "citymgmt") return Status::Ok();
    auto id = parse_case_id(std::string_view(b->report_id).substr(9));
    if (!id) return Status::Ok();
    Statement s(db_,
                "UPDATE cases SET updated_at_ms = ?2, incident_id = ?3, grid = ?4, town = ?5, "
                "step = CASE WHEN step = 'reported' THEN 'registered' ELSE step END, "
                "step_by = CASE WHEN step = 'reported' THEN ?6 ELSE step_by END, note = ?7 WHERE id = ?1");
    std::optional<std::string> note;
    if (b->merged_into) note = "linked to the open incident " + *b->merged_into + " (same problem reported before)";
    else if (b->triage_reason) note = "sent to the duty supervisor for triage: " + *b->triage_reason;
    else if (b->location_note) note = *b->location_note;
    s.bind(1, *id).bind(2, at).bind(3, b->merged_into.value_or(b->incident_id)).bind(4, b->grid).bind(5, b->town);
    s.bind(6, e.actor).bind(7, note);
    return s.run();
  }
  if (e.type == ev::kDispatched) {
    auto b = body_of<router::OrderDispatched>(e);
    if (!b.ok()) return skip(b.status());
    // A rule may dispatch several units at once (a manhole: the squad and the police station);
    // the case follows the rule's first target (chain 0, the squad) and its escalations.
    if (b->chain != 0) return Status::Ok();
    return apply(b->incident_id,
                 "step = ?3, order_id = ?4, unit = ?5, step_by = ?6, note = ?7, expected_ms = NULL",
                 [&](Statement& s) {
                   s.bind(3, b->state).bind(4, b->order_id).bind(5, b->unit).bind(6, e.actor);
                   s.bind(7, b->rung > 0 ? std::optional<std::string>("escalated: " + b->reason) : std::nullopt);
                 });
  }
  if (e.type == ev::kAccepted || e.type == ev::kDeclined || e.type == ev::kEscalated || e.type == ev::kOrderClosed) {
    auto b = body_of<router::OrderChanged>(e);
    if (!b.ok()) return skip(b.status());
    if (e.type == ev::kAccepted) {
      return apply_order(b->incident_id, b->order_id, "step = 'accepted', step_by = ?4, note = NULL",
                         [&](Statement& s) { s.bind(4, b->unit); });
    }
    if (e.type == ev::kEscalated) {
      return apply_order(b->incident_id, b->order_id, "step = 'escalated', step_by = ?4, note = ?5",
                         [&](Statement& s) { s.bind(4, e.actor).bind(5, "escalated from " + b->unit + ": " + b->reason); });
    }
    const std::string what = e.type == ev::kDeclined ? "declined by " : "order closed for ";
    return apply_order(b->incident_id, b->order_id, "note = ?4",
                       [&](Statement& s) { s.bind(4, what + b->unit + ": " + b->reason); });
  }
  if (e.type == ev::kOrderStatus) {
    auto b = body_of<router::OrderStatusChanged>(e);
    if (!b.ok()) return skip(b.status());
    if (auto st = apply_order(b->incident_id, b->order_id, "step = ?4, step_by = ?5, note = ?6",
                              [&](Statement& s) { s.bind(4, b->state).bind(5, b->by).bind(6, b->note); });
        !st.ok()) {
      return st;
    }
    if (b->state == "verified") return queue_close(b->update_id);
    return Status::Ok();
  }
  if (e.type == ev::kOrderDeadline) {
    auto b = body_of<router::OrderDeadline>(e);
    if (!b.ok()) return skip(b.status());
    return apply_order(b->incident_id, b->order_id, "expected_ms = ?4", [&](Statement& s) { s.bind(4, b->deadline_ms); });
  }
  if (e.type == ev::kOrderOverdue) {
    auto b = body_of<router::OrderOverdue>(e);
    if (!b.ok()) return skip(b.status());
    return apply_order(b->incident_id, b->order_id, "note = ?4",
                       [&](Statement& s) { s.bind(4, "overdue (" + b->timer + " limit passed) with " + b->unit); });
  }
  if (e.type == ev::kTransferred) {
    auto b = body_of<router::IncidentTransferred>(e);
    if (!b.ok()) return skip(b.status());
    if (b->to == "citymgmt") {
      return apply(b->incident_id, "step = 'registered', order_id = NULL, unit = NULL, step_by = ?3, note = ?4",
                   [&](Statement& s) { s.bind(3, b->by).bind(4, "transferred back from " + b->from); });
    }
    return apply(b->incident_id, "step = 'transferred', order_id = NULL, unit = NULL, step_by = ?3, note = ?4",
                 [&](Statement& s) {
                   s.bind(3, b->by).bind(4, "transferred (移交) to the " + b->to + " platform" + (b->reason ? ": " + *b->reason : ""));
                 });
  }
  if (e.type == ev::kIncidentStatus) {
    auto b = body_of<router::IncidentStatusChanged>(e);
    if (!b.ok()) return skip(b.status());
    if (b->state == "closed" || b->state == "cancelled") {
      return apply(b->incident_id, "step = ?3, step_by = ?4, note = ?5",
                   [&](Statement& s) { s.bind(3, b->state).bind(4, b->by).bind(5, b->note); });
    }
    return apply(b->incident_id, "note = ?3", [&](Statement& s) { s.bind(3, "incident " + b->state + (b->note ? ": " + *b->note : "")); });
  }
  if (e.type == ev::kLinked) {
    auto b = body_of<router::IncidentLinked>(e);
    if (!b.ok()) return skip(b.status());
    return apply(b->incident_id, "incident_id = ?3, note = ?4",
                 [&](Statement& s) { s.bind(3, b->into).bind(4, "linked to incident " + b->into + ": " + b->reason); });
  }
  return Status::Ok();
}

void CitymgmtGateway::on_delivery(const gateway::OutboxItem& item, const gateway::Delivery& d) {
  std::lock_guard lock(db_.mutex());
  const Millis now = clock_.wall_ms();
  if (item.command == v1::IncidentReport::kCommand) {
    auto id = item.key.starts_with("citymgmt-") ? parse_case_id(std::string_view(item.key).substr(9)) : std::nullopt;
    if (!id) return;
    if (!d.delivered) {
      Statement s(db_, "UPDATE cases SET updated_at_ms = ?2, step = 'cancelled', note = ?3 WHERE id = ?1");
      s.bind(1, *id).bind(2, now).bind(3, "refused by the router: " + d.refusal);
      if (auto st = s.run(); !st.ok()) spdlog::error("case {}: {}", *id, st.message());
      spdlog::warn("case {} refused by the router: {}", *id, d.refusal);
      return;
    }
    Statement s(db_,
                "UPDATE cases SET updated_at_ms = ?2, incident_id = COALESCE(incident_id, ?3), "
                "step = CASE WHEN step = 'reported' THEN 'registered' ELSE step END WHERE id = ?1");
    s.bind(1, *id).bind(2, now).bind(3, d.merged_into.value_or(d.incident_id));
    if (auto st = s.run(); !st.ok()) spdlog::error("case {}: {}", *id, st.message());
    return;
  }
  if (item.command == v1::StatusUpdate::kCommand && !d.delivered) {
    const auto dot = item.key.find('.');
    auto id = item.key.starts_with("citymgmt-") && dot != std::string::npos
                  ? parse_case_id(std::string_view(item.key).substr(9, dot - 9))
                  : std::nullopt;
    spdlog::warn("{} refused by the router: {}", item.key, d.refusal);
    if (!id) return;
    Statement s(db_, "UPDATE cases SET updated_at_ms = ?2, note = ?3 WHERE id = ?1");
    s.bind(1, *id).bind(2, now).bind(3, "update " + item.key + " refused by the router: " + d.refusal);
    if (auto st = s.run(); !st.ok()) spdlog::error("case {}: {}", *id, st.message());
  }
}

}  // namespace liandong::citymgmt
