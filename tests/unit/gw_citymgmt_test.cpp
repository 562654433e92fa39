// The city-management gateway without sockets: Open311 parameter parsing and validation, the
// mapping of a case to an INCIDENT_REPORT, ISO 8601, the inspector registry of the Zhuji
// deployment, and the whole workflow driven by hand-made audit events and a fake link.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "core/codec.hpp"
#include "services/gw_citymgmt/citymgmt_gateway.hpp"
#include "services/router/router_events.hpp"
#include "tests/support/xml_check.hpp"

using namespace liandong;
using namespace liandong::citymgmt;
using nlohmann::json;

namespace {

const std::string kZhuji = LIANDONG_SOURCE_DIR "/config/zhuji";

const ServiceCatalog& catalog() {
  static const ServiceCatalog c = [] {
    auto categories = load_category_ids(kZhuji + "/categories.toml");
    REQUIRE(categories.ok());
    auto loaded = ServiceCatalog::load(kZhuji + "/open311.toml", *categories);
    INFO(loaded.status().message());
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return c;
}

template <class M>
v1::StoredEvent event(std::int64_t seq, std::string_view type, const std::string& incident, const M& body,
                      const std::string& actor = "router") {
  v1::StoredEvent e;
  e.seq = seq;
  e.event_id = "e" + std::to_string(seq);
  e.incident_id = incident;
  e.type = std::string(type);
  e.actor = actor;
  e.at_ms = 1'790'000'000'000 + seq * 1000;
  e.body.bytes = encode_body(body);
  return e;
}

// A gateway over a temporary database, with a link that records what it was asked to send and
// answers every item as delivered.
struct Harness {
  std::filesystem::path dir;
  std::unique_ptr<gateway::SqliteDb> db;
  std::unique_ptr<gateway::Outbox> outbox;
  InspectorRegistry inspectors;
  ManualClock clock;
  std::vector<gateway::OutboxItem> sent;
  std::unique_ptr<CitymgmtGateway> gw;
  std::int64_t seq = 0;

  Harness() {
    dir = std::filesystem::temp_directory_path() / ("gw-citymgmt-unit-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    db = gateway::SqliteDb::open((dir / "gw.db").string()).value();
    outbox = gateway::Outbox::open(*db).value();
    inspectors.add({"insp.Z001", "Z001", "jiyang", "G00001", "G00022"});
    inspectors.add({"insp.Z002", "Z002", "jiyang", "G00023", "G00046"});
    inspectors.add_grid("G00001", "Z001");
    inspectors.add_grid("G00023", "Z002");
    LinkHooks hooks;
    hooks.wake = [this](gateway::OutboxItem item) { sent.push_back(std::move(item)); };
    hooks.wait_for = [](const std::string&, Millis) { return std::optional<gateway::Delivery>{}; };
    CitymgmtOptions options;
    options.answer_wait_ms = 0;
    gw = CitymgmtGateway::open(*db, *outbox, catalog(), inspectors, clock, hooks, options).value();
  }
  ~Harness() {
    gw.reset();
    outbox.reset();
    db.reset();
    std::filesystem::remove_all(dir);
  }
  HttpReply call(const std::string& method, const std::string& path, const std::string& body = {},
                 const std::string& type = "application/x-www-form-urlencoded") {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.body = body;
    r.content_type = type;
    return gw->handle(r);
  }
  template <class M>
  void feed(std::string_view type, const std::string& incident, const M& body, const std::string& actor = "router") {
    auto s = gw->on_event(event(++seq, type, incident, body, actor));
    INFO(s.message());
    REQUIRE(s.ok());
  }
  json get(const std::string& id) {
    auto r = call("GET", "/requests/" + id + ".json");
    REQUIRE(r.status == 200);
    return json::parse(r.body).at(0);
  }
};

json error_of(const HttpReply& r) {
  INFO(r.body);
  auto j = json::parse(r.body);
  REQUIRE(j.is_array());
  REQUIRE(j.at(0).at("code") == r.status);
  return j.at(0);
}

}  // namespace

TEST_CASE("form bodies are decoded like Open311 clients send them", "[unit][gw_citymgmt]") {
  auto p = parse_form("service_code=fly_tipping&description=a+b%21%E4%BD%A0&lat=29.7&empty=&flag");
  REQUIRE(p.ok());
  CHECK(p->at("service_code") == "fly_tipping");
  CHECK(p->at("description") == "a b!你");
  CHECK(p->at("empty").empty());
  CHECK(p->at("flag").empty());
  CHECK(parse_form("a=1&a=2")->at("a") == "1");  // the first value wins
  CHECK(parse_form("").ok());
  CHECK_FALSE(parse_form("a=%zz").ok());
  CHECK_FALSE(parse_form("a=%4").ok());
  CHECK_FALSE(parse_form("=x").ok());
  CHECK_FALSE(parse_form("a=%00").ok());

  auto j = parse_json_params(R"({"service_code": "sanitation", "lat": 29.5, "long": 120.1, "media_url": null})");
  REQUIRE(j.ok());
  CHECK(j->at("lat") == "29.5");
  CHECK_FALSE(j->contains("media_url"));
  CHECK_FALSE(parse_json_params("[1]").ok());
  CHECK_FALSE(parse_json_params(R"({"a": {"b": 1}})").ok());
  CHECK_FALSE(parse_json_params("{\"a\": ").ok());
  CHECK(parse_body("application/json; charset=utf-8", R"({"a": "b"})")->at("a") == "b");
  CHECK(parse_body("application/x-www-form-urlencoded", "a=b")->at("a") == "b");
  CHECK_FALSE(parse_body("text/plain", "a=b").ok());
}

TEST_CASE("a new case is validated field by field", "[unit][gw_citymgmt]") {
  const auto& c = catalog();
  auto ok = validate_case({{"service_code", "manhole_cover"}, {"lat", "29.691"}, {"long", "120.2512"}, {"phone", "138"}}, c);
  REQUIRE(ok.ok());
  CHECK(*ok->lat == Approx(29.691));
  CHECK(validate_case({{"service_code", "manhole_cover"}, {"address_string", "暨阳街道 1 号"}}, c).ok());
  auto message = [&](const Params& p) { return validate_case(p, c).status().message(); };
  CHECK(message({{"lat", "29"}, {"long", "120"}}) == "service_code is required");
  CHECK(message({{"service_code", "nope"}, {"lat", "29"}, {"long", "120"}}).find("service_code 'nope'") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}}).find("location") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}, {"lat", "29"}}).find("long is required") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}, {"lat", "x"}, {"long", "120"}}).find("lat must be a number") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}, {"lat", "29"}, {"long", "200"}}).find("long 200 is out of range") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}, {"lat", "nan"}, {"long", "120"}}).find("lat") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}, {"address_string", "x"}, {"inspector_id", "a b"}}).find("inspector_id") != std::string::npos);
  CHECK(message({{"service_code", "sanitation"}, {"address_string", std::string(300, 'x')}}).find("address_string is longer") != std::string::npos);
}

TEST_CASE("the service list maps every code to a city category", "[unit][gw_citymgmt]") {
  const auto& c = catalog();
  REQUIRE(c.services().size() == 11);
  std::set<std::string> categories;
  for (const auto& s : c.services()) {
    CHECK(s.category.starts_with("city."));
    categories.insert(s.category);
  }
  CHECK(categories.size() == 11);
  auto j = c.to_json();
  CHECK(j[0].at("service_code") == "manhole_cover");
  CHECK(j[0].at("metadata") == false);
  CHECK(j[0].at("type") == "realtime");
  CHECK(j[0].at("keywords") == "manhole,cover,井盖");
  CHECK(j[0].at("group") == "facilities 部件");
  // An entry naming an unknown category is refused, naming it.
  const auto bad = std::filesystem::temp_directory_path() / "gw-citymgmt-bad-open311.toml";
  std::ofstream(bad) << "[[service]]\nservice_code = \"x\"\nservice_name = \"X\"\ndescription = \"d\"\ngroup = \"g\"\n"
                        "category = \"city.unicorn\"\n";
  auto loaded = ServiceCatalog::load(bad.string(), {"city.sanitation"});
  CHECK(loaded.status().message().find("city.unicorn") != std::string::npos);
  std::filesystem::remove(bad);
}

TEST_CASE("a case becomes an INCIDENT_REPORT of its service's category", "[unit][gw_citymgmt]") {
  CaseRecord r;
  r.id = 17;
  r.input = *validate_case({{"service_code", "fly_tipping"}, {"lat", "29.691"}, {"long", "120.2512"},
                            {"address_string", "路口"}, {"description", "bags of rubble"}, {"first_name", "San"},
                            {"last_name", "Zhang"}, {"phone", "13812345678"}, {"inspector_id", "insp.Z001"}},
                           catalog());
  r.service_name = "乱倒垃圾 Fly-tipping";
  r.category = "city.fly_tipping";
  r.requested_at_ms = 1'790'000'000'000;
  auto rep = to_incident_report(r);
  CHECK(rep.report_id == "citymgmt-17");
  CHECK(rep.source == "citymgmt");
  CHECK(rep.category == "city.fly_tipping");
  REQUIRE(rep.location.has_value());
  CHECK(rep.location->lon == Approx(120.2512));
  CHECK(rep.address == "路口");
  REQUIRE(rep.caller.has_value());
  CHECK(rep.caller->phone == "13812345678");
  CHECK(rep.caller->name == "Zhang San");
  CHECK(rep.text->find("bags of rubble") != std::string::npos);
  CHECK(rep.text->find("insp.Z001") != std::string::npos);
  CHECK(rep.reported_at_ms == 1'790'000'000'000);
}

TEST_CASE("ISO 8601 both ways", "[unit][gw_citymgmt]") {
  CHECK(format_iso8601(0, 0) == "1970-01-01T00:00:00+00:00");
  CHECK(format_iso8601(1'790'000'000'000, 480) == "2026-09-21T22:13:20+08:00");
  CHECK(format_iso8601(1'790'000'000'000, -90) == "2026-09-21T12:43:20-01:30");
  CHECK(*parse_iso8601("2026-09-21T22:13:20+08:00", 0) == 1'790'000'000'000);
  CHECK(*parse_iso8601("2026-09-21T14:13:20Z", 480) == 1'790'000'000'000);
  CHECK(*parse_iso8601("2026-09-21T22:13:20", 480) == 1'790'000'000'000);
  CHECK(*parse_iso8601("2026-09-21T14:13:20.5+0000", 480) == 1'790'000'000'500);
  CHECK(*parse_iso8601("2026-09-21", 480) == *parse_iso8601("2026-09-20T16:00:00Z", 0));
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-09-21T25:00", "2026-09-21T10:00+99:00", "2026-09-21x"}) {
    INFO(bad);
    CHECK_FALSE(parse_iso8601(bad, 0).ok());
  }
}

TEST_CASE("the Zhuji inspectors: one per grid zone, covering exactly its grids", "[unit][gw_citymgmt]") {
  auto reg = InspectorRegistry::load(kZhuji + "/inspectors.csv", kZhuji + "/grids.csv");
  INFO(reg.status().message());
  REQUIRE(reg.ok());
  CHECK(reg->size() == 520);
  const Inspector* one = reg->find("insp.Z001");
  REQUIRE(one != nullptr);
  CHECK(one->first_grid == "G00001");
  CHECK(reg->covers(*one, "G00001"));
  CHECK(reg->covers(*one, one->last_grid));
  CHECK_FALSE(reg->covers(*one, "G00023"));
  CHECK_FALSE(reg->covers(*one, "G99999"));
  // The file follows its rule (config/zhuji/README.md): insp.<zone> for every zone of grids.csv.
  std::ifstream grids(kZhuji + "/grids.csv");
  std::string line;
  std::set<std::string> zones;
  std::getline(grids, line);
  while (std::getline(grids, line)) zones.insert(line.substr(line.find(',') + 1, 4));
  CHECK(zones.size() == reg->size());
  for (const auto& z : zones) {
    const Inspector* i = reg->find("insp." + z);
    REQUIRE(i != nullptr);
    CHECK(i->zone == z);
    CHECK(reg->zone_of_grid(i->first_grid) == z);
    CHECK(reg->zone_of_grid(i->last_grid) == z);
  }
}

TEST_CASE("a case follows the log from reported to closed; verification by the grid's inspector", "[unit][gw_citymgmt]") {
  Harness h;
  auto posted = h.call("POST", "/requests.json",
                       "service_code=illegal_vending&lat=29.691&long=120.2512&phone=13812345678&inspector_id=insp.Z001");
  INFO(posted.body);
  REQUIRE(posted.status == 200);
  const std::string id = json::parse(posted.body).at(0).at("service_request_id");
  CHECK(json::parse(posted.body).at(0).at("service_notice").get<std::string>().find("queued") != std::string::npos);
  REQUIRE(h.sent.size() == 1);
  CHECK(h.sent[0].key == "citymgmt-" + id);
  CHECK(h.sent[0].command == "INCIDENT_REPORT");
  CHECK(decode_body<v1::IncidentReport>(h.sent[0].body)->category == "city.illegal_vending");
  CHECK(h.outbox->pending_count() == 1);
  CHECK(h.get(id).at("step") == "reported");
  CHECK(h.get(id).at("status_notes").get<std::string>().find("受理") != std::string::npos);

  router::IncidentReported rep;
  rep.incident_id = "INC1";
  rep.report_id = "citymgmt-" + id;
  rep.reporter = "gateway.citymgmt";
  rep.source = "citymgmt";
  rep.category = "city.illegal_vending";
  rep.family = "city";
  rep.grid = "G00001";
  rep.town = "jiyang";
  h.feed(router::event_type::kReported, "INC1", rep);
  CHECK(h.get(id).at("step") == "registered");
  CHECK(h.get(id).at("incident_id") == "INC1");

  // Verification is refused before the squad handled it.
  auto early = h.call("POST", "/requests/" + id + "/verify", "inspector_id=insp.Z001&result=passed");
  CHECK(early.status == 409);
  CHECK(error_of(early).at("description").get<std::string>().find("handled") != std::string::npos);

  h.feed(router::event_type::kDispatched, "INC1", router::OrderDispatched{"ORD1", "INC1", "citymgmt.jiyang", 0, 0, 0, "dispatched", "rule city-citymgmt", {}, {}, {}, {}});
  // A second target of the same rule (chain 1) does not take the case over.
  h.feed(router::event_type::kDispatched, "INC1", router::OrderDispatched{"ORD2", "INC1", "police.ps01", 1, 0, 0, "dispatched", "rule", {}, {}, {}, {}});
  auto c = h.get(id);
  CHECK(c.at("step") == "dispatched");
  CHECK(c.at("agency_responsible") == "citymgmt.jiyang");
  h.feed(router::event_type::kOrderDeadline, "INC1", router::OrderDeadline{"ORD1", "INC1", "handling", 1'790'000'360'000});
  CHECK(h.get(id).at("expected_datetime") == format_iso8601(1'790'000'360'000, 480));
  h.feed(router::event_type::kAccepted, "INC1", router::OrderChanged{"ORD2", "INC1", "police.ps01", "accepted"});
  CHECK(h.get(id).at("step") == "dispatched");  // the police order's acceptance is not the squad's
  h.feed(router::event_type::kAccepted, "INC1", router::OrderChanged{"ORD1", "INC1", "citymgmt.jiyang", "accepted"});
  CHECK(h.get(id).at("step") == "accepted");
  h.feed(router::event_type::kOrderStatus, "INC1",
         router::OrderStatusChanged{"ORD1", "INC1", "handled", "u1", "unit:citymgmt.jiyang", std::nullopt});
  CHECK(h.get(id).at("step") == "handled");

  // Another zone's inspector: 403 naming both grids' zones.
  auto foreign = h.call("POST", "/requests/" + id + "/verify", "inspector_id=insp.Z002&result=passed");
  CHECK(foreign.status == 403);
  const std::string why = error_of(foreign).at("description");
  CHECK(why.find("G00023..G00046") != std::string::npos);
  CHECK(why.find("G00001") != std::string::npos);
  CHECK(h.call("POST", "/requests/" + id + "/verify", "inspector_id=insp.nobody&result=passed").status == 403);
  CHECK(h.call("POST", "/requests/" + id + "/verify", "inspector_id=insp.Z001&result=maybe").status == 400);
  CHECK(h.call("POST", "/requests/" + id + "/verify", "result=passed").status == 400);

  // Failed: back to the squad.
  auto failed = h.call("POST", "/requests/" + id + "/verify", "inspector_id=insp.Z001&result=failed&note=still+there");
  INFO(failed.body);
  CHECK(failed.status == 200);
  REQUIRE(h.sent.size() == 2);
  auto back = decode_body<v1::StatusUpdate>(h.sent[1].body);
  CHECK(back->state == "dispatched");
  CHECK(back->order_id == "ORD1");
  CHECK_FALSE(back->unit.has_value());
  CHECK(back->note->find("still there") != std::string::npos);
  h.feed(router::event_type::kOrderStatus, "INC1",
         router::OrderStatusChanged{"ORD1", "INC1", "dispatched", back->update_id, "gateway.citymgmt", back->note});
  CHECK(h.get(id).at("step") == "dispatched");
  h.feed(router::event_type::kOrderStatus, "INC1",
         router::OrderStatusChanged{"ORD1", "INC1", "handled", "u2", "unit:citymgmt.jiyang", std::nullopt});

  // Passed: "verified" now; "closed" once the log shows the router recorded "verified".
  auto passed = h.call("POST", "/requests/" + id + "/verify", "inspector_id=insp.Z001&result=passed");
  CHECK(passed.status == 200);
  REQUIRE(h.sent.size() == 3);
  auto verified = decode_body<v1::StatusUpdate>(h.sent[2].body);
  CHECK(verified->state == "verified");
  h.feed(router::event_type::kOrderStatus, "INC1",
         router::OrderStatusChanged{"ORD1", "INC1", "verified", verified->update_id, "gateway.citymgmt", verified->note});
  REQUIRE(h.sent.size() == 4);
  auto closing = decode_body<v1::StatusUpdate>(h.sent[3].body);
  CHECK(closing->state == "closed");
  CHECK(closing->order_id == "ORD1");
  // Reading the same event again (a re-subscription) queues nothing new.
  CHECK(h.gw->on_event(event(h.seq, router::event_type::kOrderStatus, "INC1",
                             router::OrderStatusChanged{"ORD1", "INC1", "verified", verified->update_id,
                                                        "gateway.citymgmt", verified->note}))
            .ok());
  CHECK(h.sent.size() == 4);
  h.feed(router::event_type::kOrderStatus, "INC1",
         router::OrderStatusChanged{"ORD1", "INC1", "closed", closing->update_id, "gateway.citymgmt", closing->note});
  c = h.get(id);
  CHECK(c.at("step") == "closed");
  CHECK(c.at("status") == "closed");

  // The list and its filters.
  auto list = [&](const std::string& q) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/requests.json";
    auto p = parse_form(q);
    r.query = *p;
    return h.gw->handle(r);
  };
  CHECK(json::parse(list("status=closed").body).size() == 1);
  CHECK(json::parse(list("status=open").body).empty());
  CHECK(json::parse(list("service_code=sanitation").body).empty());
  CHECK(json::parse(list("start_date=2023-11-01&end_date=2023-12-01").body).size() == 1);
  CHECK(json::parse(list("end_date=2000-01-01").body).empty());
  CHECK(list("service_request_id=1,x").status == 400);
  CHECK(list("service_code=nope").status == 400);
}

TEST_CASE("routing: formats, methods and unknown resources answer Open311 errors", "[unit][gw_citymgmt]") {
  Harness h;
  CHECK(h.call("GET", "/services.json").status == 200);
  CHECK(error_of(h.call("GET", "/services.csv")).at("description").get<std::string>().find("format not supported: '.csv'") != std::string::npos);
  CHECK(h.call("GET", "/requests/1.html").status == 400);
  auto put = h.call("PUT", "/requests.json", "x");
  CHECK(put.status == 405);
  CHECK(put.allow == "GET, POST");
  CHECK(h.call("DELETE", "/requests/1.json").status == 405);
  CHECK(h.call("GET", "/requests/1.json").status == 404);
  CHECK(h.call("GET", "/requests/01.json").status == 404);
  CHECK(h.call("GET", "/requests/99999999999999999999.json").status == 404);
  CHECK(h.call("GET", "/").status == 404);
  CHECK(h.call("GET", "/services/sanitation.json").status == 404);
  CHECK(h.call("POST", "/requests.json", "\x01\x02garbage", "application/json").status == 400);
  CHECK(h.call("POST", "/requests.json", "&&&===", "application/x-www-form-urlencoded").status == 400);
}

namespace {

// The text of the first <name>...</name> in `doc` ("" when absent).
std::string element(const std::string& doc, const std::string& name) {
  const auto open = doc.find("<" + name + ">");
  if (open == std::string::npos) return {};
  const auto begin = open + name.size() + 2;
  const auto end = doc.find("</" + name + ">", begin);
  return end == std::string::npos ? std::string() : doc.substr(begin, end - begin);
}

void check_xml(const HttpReply& r) {
  INFO(r.body);
  CHECK(r.content_type == "text/xml; charset=utf-8");
  const auto problem = liandong::testing::xml_problem(r.body);
  CHECK(problem.value_or("well-formed") == "well-formed");
}

}  // namespace

TEST_CASE("every resource is also served as .xml, errors included (GeoReport v2 format support)", "[unit][gw_citymgmt]") {
  Harness h;
  auto services = h.call("GET", "/services.xml");
  CHECK(services.status == 200);
  check_xml(services);
  CHECK(services.body.find("<services><service><service_code>manhole_cover</service_code><service_name>") != std::string::npos);
  CHECK(services.body.find("<metadata>false</metadata><type>realtime</type>") != std::string::npos);

  auto posted = h.call("POST", "/requests.xml", "service_code=fly_tipping&lat=29.691&long=120.2512&description=a+%3C+b+%26+c");
  CHECK(posted.status == 200);
  check_xml(posted);
  const std::string id = element(posted.body, "service_request_id");
  REQUIRE_FALSE(id.empty());
  CHECK(posted.body.find("<account_id/>") != std::string::npos);
  CHECK(element(posted.body, "service_notice").find("queued") != std::string::npos);

  auto one = h.call("GET", "/requests/" + id + ".xml");
  CHECK(one.status == 200);
  check_xml(one);
  CHECK(one.body.find("<service_requests><request><service_request_id>" + id + "</service_request_id>") != std::string::npos);
  CHECK(element(one.body, "description") == "a &lt; b &amp; c");
  CHECK(element(one.body, "lat") == "29.691");
  // The same case as JSON: the XML carries the same fields in the same order.
  const auto as_json = nlohmann::ordered_json::parse(h.call("GET", "/requests/" + id + ".json").body).at(0);
  std::size_t at = 0;
  for (const auto& [key, value] : as_json.items()) {
    INFO(key);
    const auto found = std::min(one.body.find("<" + key + ">", at), one.body.find("<" + key + "/>", at));
    REQUIRE(found != std::string::npos);
    CHECK((value.is_null() || value.is_string() || element(one.body.substr(found), key) == value.dump()));
    at = found;
  }
  CHECK(element(h.call("GET", "/requests.xml").body, "service_request_id") == id);

  // Errors answer in the format asked for.
  auto missing = h.call("GET", "/requests/4242.xml");
  CHECK(missing.status == 404);
  check_xml(missing);
  CHECK(missing.body.find("<errors><error><code>404</code><description>service_request_id '4242' is unknown</description></error></errors>") !=
        std::string::npos);
  auto empty = h.call("POST", "/requests.xml", "");
  CHECK(empty.status == 400);
  check_xml(empty);
  CHECK(element(empty.body, "description").find("service_code") != std::string::npos);
  auto put = h.call("PUT", "/requests.xml", "x");
  CHECK(put.status == 405);
  CHECK(put.allow == "GET, POST");
  check_xml(put);
  check_xml(h.call("GET", "/services/sanitation.xml"));
  check_xml(h.call("POST", "/requests/" + id + "/verify.xml", "inspector_id=insp.Z001&result=passed"));
  CHECK(h.call("POST", "/requests/" + id + "/verify.xml", "inspector_id=insp.Z001&result=passed").status == 409);
  check_xml(error_reply_for("/requests.xml", 413, "request body too large"));
  CHECK(error_reply_for("/requests.json", 413, "x").content_type == "application/json; charset=utf-8");
}

TEST_CASE("address_id is a grid of the deployment: it locates a case, an unknown one is refused by name", "[unit][gw_citymgmt]") {
  const AddressIdCheck grids = [](const std::string& id) { return id == "G00001"; };
  auto ok = validate_case({{"service_code", "manhole_cover"}, {"address_id", "G00001"}}, catalog(), grids);
  REQUIRE(ok.ok());
  CHECK(*ok->address_id == "G00001");
  auto unknown = validate_case({{"service_code", "manhole_cover"}, {"address_id", "G99999"}}, catalog(), grids);
  CHECK(unknown.status().message().find("address_id 'G99999'") != std::string::npos);
  CHECK_FALSE(validate_case({{"service_code", "manhole_cover"}, {"address_id", "G00001"}}, catalog()).ok());
  CHECK_FALSE(validate_case({{"service_code", "manhole_cover"}, {"address_id", "G0'; --"}}, catalog(), grids).ok());

  Harness h;
  auto posted = h.call("POST", "/requests.json", "service_code=manhole_cover&address_id=G00023");
  INFO(posted.body);
  REQUIRE(posted.status == 200);
  const std::string id = json::parse(posted.body).at(0).at("service_request_id");
  CHECK(h.get(id).at("address_id") == "G00023");
  REQUIRE(h.sent.size() == 1);
  CHECK(decode_body<v1::IncidentReport>(h.sent[0].body)->grid == "G00023");  // the router routes by the grid
  auto refused = h.call("POST", "/requests.json", "service_code=manhole_cover&address_id=G00999");
  CHECK(refused.status == 400);
  CHECK(error_of(refused).at("description").get<std::string>().find("address_id 'G00999'") != std::string::npos);
  CHECK(h.sent.size() == 1);
}

TEST_CASE("an empty POST is refused naming the missing fields, whatever its Content-Type", "[unit][gw_citymgmt]") {
  Harness h;
  for (const std::string type : {"application/x-www-form-urlencoded", "application/json", "", "text/plain"}) {
    INFO(type);
    auto r = h.call("POST", "/requests.json", "", type);
    CHECK(r.status == 400);
    const std::string what = error_of(r).at("description");
    CHECK(what == "service_code and a location are required: service_code, and lat + long, address_string or address_id");
  }
  CHECK(error_of(h.call("POST", "/requests.json", "{}", "application/json")).at("description").get<std::string>().find("service_code and a location") == 0);
  CHECK(error_of(h.call("POST", "/requests.json", "service_code=fly_tipping")).at("description") ==
        "a location is required: lat + long, address_string or address_id");
  CHECK(error_of(h.call("POST", "/requests.json", "address_id=G00001")).at("description") == "service_code is required");
}

TEST_CASE("GET requests: the last 90 days by default, and no query over 90 days", "[unit][gw_citymgmt]") {
  constexpr Millis kDay = 24 * 3600 * 1000;
  const Millis now = 1'700'000'000'000;
  auto none = date_window(std::nullopt, std::nullopt, now, 480);
  REQUIRE(none.ok());
  CHECK(none->start_ms == now - 90 * kDay);
  CHECK_FALSE(none->end_ms);
  CHECK(date_window(now, std::nullopt, 0, 480)->end_ms == now + 90 * kDay);
  CHECK(date_window(std::nullopt, now, 0, 480)->start_ms == now - 90 * kDay);
  CHECK(date_window(now, now + 90 * kDay, 0, 480).ok());
  auto over = date_window(now, now + 90 * kDay + 1000, 0, 480);
  REQUIRE_FALSE(over.ok());
  CHECK(over.status().message().find("start_date 2023-11-15T06:13:20+08:00 to end_date 2024-02-13T06:13:21+08:00 spans more than 90 days") == 0);
  CHECK(date_window(now, now - 1, 0, 480).status().message().find("end_date is before start_date") != std::string::npos);

  Harness h;
  REQUIRE(h.call("POST", "/requests.json", "service_code=fly_tipping&address_id=G00001").status == 200);
  auto list = [&](const std::string& q) {
    HttpRequest r;
    r.method = "GET";
    r.path = "/requests.json";
    r.query = *parse_form(q);
    return h.gw->handle(r);
  };
  CHECK(json::parse(list("").body).size() == 1);
  h.clock.advance(91 * kDay);
  CHECK(json::parse(list("").body).empty());  // older than the default window
  CHECK(json::parse(list("start_date=2023-11-01").body).size() == 1);
  CHECK(json::parse(list("start_date=2023-11-01&end_date=2024-01-29").body).size() == 1);
  CHECK(json::parse(list("service_request_id=" + std::string(json::parse(list("start_date=2023-11-01").body).at(0).at("service_request_id"))).body).size() == 1);
  auto wide = list("start_date=2023-01-01&end_date=2023-12-31");
  CHECK(wide.status == 400);
  CHECK(error_of(wide).at("description").get<std::string>().find("spans more than 90 days") != std::string::npos);
}
