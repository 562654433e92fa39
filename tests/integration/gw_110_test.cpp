// The 110 emergency gateway as a real process between call-takers/dispatchers (httplib client)
// and the bus (broker, audit, router; stations as unit peers), including its outbox across a
// router that is not there yet and a gateway killed with -9.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/gateway/sqlite_db.hpp"
#include "services/router/router_events.hpp"
#include "tests/integration/gw_http_helpers.hpp"
#include "tests/integration/http_flood.hpp"
#include "tests/integration/system_fixture.hpp"

#ifdef LIANDONG_GW_110_BIN
#define GW_PLATFORM "110"

using namespace liandong;
using namespace liandong::testing;
using nlohmann::json;

namespace {

json feed_of(httplib::Client& http) {
  auto j = json_of(http.Get("/feed.json?from_seq=0&limit=1000"));
  return j.is_array() ? j : json::array();
}

bool feed_has(const json& feed, const std::string& type, const std::string& text_part) {
  for (const auto& e : feed) {
    if (e["type"] == type && e["text"].get<std::string>().find(text_part) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("110: a multi-agency crash reaches four stations and the dispatchers' feed", "[integration][gw_110]") {
  LiandongSystem sys;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  zmq::context_t ctx;
  SystemClock clock;
  // grids.csv G00001: police.ps01, fire.st01, ems.st01, traffic.sq01; routing.toml
  // traffic-accident-p1 orders all four.
  const std::vector<std::string> units = {"police.ps01", "fire.st01", "ems.st01", "traffic.sq01"};
  std::vector<std::unique_ptr<BusClient>> peers;
  std::vector<BusClient*> raw;
  for (const auto& u : units) {
    peers.push_back(connect_client(ctx, clock, sys.broker.endpoint, "unit:" + u));
    raw.push_back(peers.back().get());
  }
  auto http = http_client(endpoint);
  const json body = {{"category", "traffic.accident"},
                     {"priority", 1},
                     {"location", {{"lat", 29.6910}, {"lon", 120.2512}}},
                     {"caller", {{"phone", "13900001111"}, {"name", "李四"}}},
                     {"text", "两车相撞，有人被困，车辆冒烟"}};
  auto created = http->Post("/incidents", body.dump(), "application/json");
  REQUIRE(created);
  INFO(created->body);
  REQUIRE(created->status == 201);
  const json c = json::parse(created->body);
  const std::string ref = c["incident_ref"];
  CHECK(c["report_id"] == "110-" + ref);

  std::vector<Envelope> inbox;
  std::set<std::string> acked;
  REQUIRE(pump_until(raw, inbox, 20000, [&] {
    for (const auto& e : inbox) {
      if (e.command != "DISPATCH_ORDER") continue;
      auto o = decode_body<v1::DispatchOrder>(e.body);
      if (!o.ok() || acked.contains(o->unit)) continue;
      for (std::size_t i = 0; i < units.size(); ++i) {
        if (units[i] == o->unit) peers[i]->send_message("router", v1::OrderAck{o->order_id, o->unit, true, std::nullopt});
      }
      acked.insert(o->unit);
    }
    return acked.size() == units.size();
  }));

  json feed;
  REQUIRE(pump_until(raw, inbox, 20000, [&] {
    feed = feed_of(*http);
    for (const auto& u : units) {
      if (!feed_has(feed, "order.dispatched", "to " + u) || !feed_has(feed, "order.accepted", u + " accepted")) return false;
    }
    return true;
  }));
  CHECK(feed_has(feed, "incident.reported", "traffic.accident P1"));
  for (std::size_t i = 1; i < feed.size(); ++i) CHECK(feed[i]["seq"] > feed[i - 1]["seq"]);

  // Resuming from a seq gives only what came after it.
  const std::int64_t mid = feed[1]["seq"];
  auto rest = json_of(http->Get(("/feed.json?from_seq=" + std::to_string(mid) + "&limit=2").c_str()));
  REQUIRE(rest.is_array());
  CHECK(rest.size() == 2);
  CHECK(rest[0]["seq"] > mid);

  // The same entries as Server-Sent Events (the stream is read until the first event).
  std::string sse;
  http->Get("/feed?from_seq=0", [&](const char* data, size_t n) {
    sse.append(data, n);
    return sse.find("\n\n") == std::string::npos;
  });
  CHECK(sse.find("id: ") == 0);
  CHECK(sse.find("data: {") != std::string::npos);
  CHECK(sse.find("\"incident_id\"") != std::string::npos);

  const json inc = json_of(http->Get(("/incidents/" + ref).c_str()));
  INFO(inc.dump(2));
  CHECK(inc["incident_id"] == c.value("incident_id", inc["incident_id"]));
  REQUIRE(inc["orders"].size() == 4);
  for (const auto& o : inc["orders"]) CHECK(o["state"] == "accepted");
  CHECK(inc["history"].size() >= 9);

  CHECK(gw.stop());  // SIGTERM: clean exit 0
  CHECK_FALSE(std::filesystem::exists(sys.broker.dir.file("gw-" + std::string(GW_PLATFORM) + ".ready")));
  const std::string log = read_file(sys.broker.dir.file("gw-110.log"));
  CHECK(log.find("13900001111") == std::string::npos);
}

TEST_CASE("110: a non-police matter is transferred to 96345", "[integration][gw_110]") {
  LiandongSystem sys;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  std::vector<Envelope> inbox;
  auto created = http->Post("/incidents",
                            json{{"category", "consult.policy"}, {"grid", "G00001"}, {"text", "咨询户口迁移"}}.dump(),
                            "application/json");
  REQUIRE(created);
  REQUIRE(created->status == 201);
  const std::string ref = json::parse(created->body)["incident_ref"];
  REQUIRE(pump_until({}, inbox, 15000, [&] {
    auto j = json_of(http->Get(("/incidents/" + ref).c_str()));
    return j.is_object() && !j["incident_id"].is_null() && !j["history"].empty();
  }));
  auto tr = http->Post(("/incidents/" + ref + "/transfer").c_str(),
                       json{{"to", "96345"}, {"reason", "非警务警情"}}.dump(), "application/json");
  REQUIRE(tr);
  INFO(tr->body);
  CHECK((tr->status == 200 || tr->status == 202));
  REQUIRE(pump_until({}, inbox, 15000, [&] {
    auto j = json_of(http->Get(("/incidents/" + ref).c_str()));
    return j.value("transferred_to", "") == "96345";
  }));
  CHECK(feed_has(feed_of(*http), "incident.transferred", "from 110 to 96345"));
  auto bad = http->Post(("/incidents/" + ref + "/transfer").c_str(), json{{"to", "110"}, {"reason", "x"}}.dump(),
                        "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 400);
  auto garbage = http->Post("/incidents", "[1,2", "application/json");
  REQUIRE(garbage);
  CHECK(garbage->status == 400);
  auto no_place = http->Post("/incidents", json{{"category", "fire.building"}, {"text", "x"}}.dump(), "application/json");
  REQUIRE(no_place);
  CHECK(no_place->status == 400);
  CHECK(no_place->body.find("location") != std::string::npos);
  auto unknown = http->Get("/incidents/NOPE");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
}

TEST_CASE("110: a refusal forged by another peer does not make the gateway give up a report",
          "[integration][gw_110][security]") {
  LiandongSystem sys(false);  // no router yet: the report waits in the outbox
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  const json body = {{"category", "consult.policy"}, {"address", "暨阳街道 1 号"}, {"text", "forged refusal test"}};
  auto r = http->Post("/incidents", body.dump(), "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  const json posted = json::parse(r->body);
  const std::string ref = posted["incident_ref"];
  const std::string report_id = posted["report_id"];

  // A unit claims to refuse the report for good (FORBIDDEN is final for an outbox item).
  zmq::context_t ctx;
  SystemClock clock;
  auto forger = connect_client(ctx, clock, sys.broker.endpoint, "unit:police.ps01");
  forger->send_message("gateway.110", v1::make_error(ErrorCode::kForbidden, "refused for good", report_id,
                                                     std::string(v1::IncidentReport::kCommand)));
  // Its answer to a STATS sent after the ERROR shows the gateway has handled the ERROR.
  forger->send_message("gateway.110", v1::Stats{});
  auto stats_env = receive_until(*forger, 5000, [](const Envelope& e) { return e.command == v1::StatsReply::kCommand; });
  REQUIRE(stats_env.has_value());
  CHECK(json_of(http->Get(("/incidents/" + ref).c_str()))["state"] != "refused");

  sys.router.emplace(sys.start_router());
  std::vector<Envelope> inbox;
  json last;
  CHECK(pump_until({}, inbox, 30000, [&] {
    last = json_of(http->Get(("/incidents/" + ref).c_str()));
    return last.is_object() && !last["incident_id"].is_null();
  }));
  INFO(last.dump());
  CHECK_FALSE(last.contains("refused"));
}

TEST_CASE("110: 100 incidents wait in the outbox for the router, across a gateway killed with -9",
          "[integration][gw_110][outbox]") {
  LiandongSystem sys(false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  std::vector<std::string> refs;
  for (int i = 0; i < 100; ++i) {
    const json body = {{"category", "consult.policy"},
                       {"address", "暨阳街道 " + std::to_string(i) + " 号"},
                       {"text", "outbox test " + std::to_string(i)}};
    auto r = http->Post("/incidents", body.dump(), "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 201);
    const json j = json::parse(r->body);
    CHECK((j["status"] == "queued" || j["status"] == "accepted"));
    refs.push_back(j["incident_ref"]);
  }
  // Killed without a chance to clean up, then started again on the same database.
  gw.kill_hard();
  gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  http = http_client(endpoint);
  sys.router.emplace(sys.start_router());

  std::vector<Envelope> inbox;
  std::map<std::string, std::string> incident_of;
  REQUIRE(pump_until({}, inbox, 60000, [&] {
    for (const auto& ref : refs) {
      if (incident_of.contains(ref)) continue;
      auto j = json_of(http->Get(("/incidents/" + ref).c_str()));
      if (!j.is_object() || j["incident_id"].is_null()) return false;
      incident_of[ref] = j["incident_id"];
    }
    return true;
  }));
  CHECK(incident_of.size() == 100);

  // Each report exactly once in the audit log.
  auto db = gateway::SqliteDb::open(sys.db());
  REQUIRE(db.ok());
  std::map<std::string, int> reported;
  {
    gateway::Statement s(**db, "SELECT body FROM events WHERE type = 'incident.reported'");
    while (true) {
      auto row = s.step();
      REQUIRE(row.ok());
      if (!*row) break;
      auto ev = decode_body<router::IncidentReported>(s.blob(0));
      REQUIRE(ev.ok());
      ++reported[ev->report_id];
    }
  }
  for (const auto& ref : refs) {
    INFO(ref);
    CHECK(reported["110-" + ref] == 1);
  }
  std::set<std::string> distinct;
  for (const auto& [ref, id] : incident_of) distinct.insert(id);
  CHECK(distinct.size() == 100);
}

TEST_CASE("110: a 200 MiB chunked body is cut at the limit and the gateway keeps serving", "[integration][gw_110]") {
  LiandongSystem sys(false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  check_flood_refused(gw.pid(), endpoint, "POST", "/incidents", 413);
  check_flood_refused(gw.pid(), endpoint, "POST", "/incidents/NOPE/transfer", 413);
  check_flood_refused(gw.pid(), endpoint, "DELETE", "/incidents", 405);  // refused unread
  check_flood_refused(gw.pid(), endpoint, "GET", "/feed.json", 400);     // a GET carries no body
  auto http = http_client(endpoint);
  const json incident = {{"category", "traffic.accident"}, {"address", "暨阳街道 12号"}, {"text", "two cars, one on its side"}};
  auto ok = http->Post("/incidents", incident.dump(), "application/json");
  REQUIRE(ok);
  INFO(ok->body);
  CHECK(ok->status == 201);
  CHECK(gw.stop());
}

TEST_CASE("110: a storage fault is a 503 naming the cause, logged, and the request works once it is gone",
          "[integration][gw_110]") {
  LiandongSystem sys(false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_110_BIN, "110", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  const json incident = {{"category", "fire.building"}, {"address", "暨阳街道 12号"}, {"text", "smoke from a window"}};
  auto posted = http->Post("/incidents", incident.dump(), "application/json");
  REQUIRE(posted);
  REQUIRE(posted->status == 201);
  const std::string ref = json_of(posted)["incident_ref"];
  auto db = gateway::SqliteDb::open(sys.broker.dir.file("gw-110.db"));
  REQUIRE(db.ok());
  auto check_503 = [&](const httplib::Result& r, const std::string& cause) {
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 503);
    CHECK(json_of(r)["error"]["code"] == "UNAVAILABLE");
    CHECK(r->body.find(cause) != std::string::npos);
    CHECK(r->get_header_value("Retry-After") == "1");
  };

  // The incidents' table unreadable: "no such table", not "no incident with reference".
  REQUIRE((*db)->exec("ALTER TABLE incident_report RENAME TO incident_report_away").ok());
  check_503(http->Get(("/incidents/" + ref).c_str()), "no such table");
  check_503(http->Post(("/incidents/" + ref + "/transfer").c_str(), json{{"to", "96345"}, {"reason", "x"}}.dump(),
                       "application/json"),
            "no such table");
  REQUIRE((*db)->exec("ALTER TABLE incident_report_away RENAME TO incident_report").ok());
  auto again = http->Get(("/incidents/" + ref).c_str());
  REQUIRE(again);
  CHECK(again->status == 200);

  // The database locked by another writer: the intake says so (after SQLite's 2 s busy wait).
  REQUIRE((*db)->exec("BEGIN EXCLUSIVE").ok());
  check_503(http->Post("/incidents", incident.dump(), "application/json"), "database is locked");
  REQUIRE((*db)->exec("ROLLBACK").ok());
  auto retried = http->Post("/incidents", incident.dump(), "application/json");
  REQUIRE(retried);
  CHECK(retried->status == 201);

  CHECK(gw.stop());
  const std::string log = read_file(sys.broker.dir.file("gw-110.log"));
  CHECK(log.find("reading incident " + ref + ": ") != std::string::npos);
  CHECK(log.find("database is locked") != std::string::npos);
}

#endif
