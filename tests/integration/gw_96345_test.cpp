// The 96345 hotline gateway as a real process between an operator's console (httplib client)
// and the bus (broker, audit, router; departments as unit peers).
#include <catch2/catch.hpp>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/gateway/sqlite_db.hpp"
#include "tests/integration/gw_http_helpers.hpp"
#include "tests/integration/http_flood.hpp"
#include "tests/integration/system_fixture.hpp"

#ifdef LIANDONG_GW_96345_BIN
#define GW_PLATFORM "96345"

using namespace liandong;
using namespace liandong::testing;
using nlohmann::json;

namespace {

json work_order_body(const std::string& category = "consult.policy") {
  return {{"category", category},
          {"caller", {{"phone", "13812345678"}, {"name", "张三"}}},
          {"address", "暨阳街道后湾社区 1 号"},
          {"location", {{"lat", 29.6910}, {"lon", 120.2512}}},
          {"text", "想咨询创业补贴政策"}};
}

std::string state_of(httplib::Client& http, const std::string& id) {
  auto j = json_of(http.Get(("/workorders/" + id).c_str()));
  return j.is_object() && j.contains("state") ? j["state"].get<std::string>() : "";
}

}  // namespace

TEST_CASE("96345: a work order through the department's answer, the callback and closing",
          "[integration][gw_96345]") {
  LiandongSystem sys;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_96345_BIN, "96345", "127.0.0.1:0", endpoint);
  zmq::context_t ctx;
  SystemClock clock;
  // routing.toml: consult.* from 96345 -> dept.approval.
  auto dept = connect_client(ctx, clock, sys.broker.endpoint, "unit:dept.approval");
  auto http = http_client(endpoint);
  std::vector<Envelope> inbox;

  auto created = http->Post("/workorders", work_order_body().dump(), "application/json");
  REQUIRE(created);
  INFO(created->body);
  REQUIRE(created->status == 201);
  const json c = json::parse(created->body);
  const std::string id = c["work_order_id"];
  CHECK(c["status"] == "accepted");
  CHECK(c["report_id"] == "96345-" + id);

  // The department gets the order and accepts it.
  auto order_env = receive_until(*dept, 15000, [](const Envelope& e) { return e.command == "DISPATCH_ORDER"; });
  REQUIRE(order_env.has_value());
  auto order = decode_body<v1::DispatchOrder>(order_env->body);
  REQUIRE(order.ok());
  CHECK(order->unit == "dept.approval");
  dept->send_message("router", v1::OrderAck{order->order_id, "dept.approval", true, std::nullopt});
  REQUIRE(pump_until({dept.get()}, inbox, 15000, [&] { return state_of(*http, id) == "accepted"; }));

  // A callback before the answer is refused, naming the state and the allowed steps.
  auto early = http->Post(("/workorders/" + id + "/callback").c_str(),
                          json{{"reached", true}, {"satisfied", true}, {"note", "ok"}}.dump(), "application/json");
  REQUIRE(early);
  CHECK(early->status == 409);
  CHECK(early->body.find("'accepted'") != std::string::npos);
  CHECK(early->body.find("answered") != std::string::npos);

  // The department answers through the bus.
  v1::StatusUpdate answer;
  answer.update_id = "dept-answer-1";
  answer.incident_id = order->incident_id;
  answer.unit = "dept.approval";
  answer.state = "answered";
  answer.note = "已电话告知补贴申请流程";
  answer.at_ms = clock.wall_ms();
  dept->send_message("router", answer);
  REQUIRE(pump_until({dept.get()}, inbox, 15000, [&] { return state_of(*http, id) == "answered"; }));

  // Not reached: recorded, the work order stays answered.
  auto missed = http->Post(("/workorders/" + id + "/callback").c_str(),
                           json{{"reached", false}, {"note", "无人接听"}}.dump(), "application/json");
  REQUIRE(missed);
  CHECK(missed->status == 200);
  CHECK(state_of(*http, id) == "answered");

  // Reached and satisfied: called_back, then closed.
  auto cb = http->Post(("/workorders/" + id + "/callback").c_str(),
                       json{{"reached", true}, {"satisfied", true}, {"note", "满意"}}.dump(), "application/json");
  REQUIRE(cb);
  INFO(cb->body);
  CHECK(cb->status == 202);
  REQUIRE(pump_until({dept.get()}, inbox, 20000, [&] { return state_of(*http, id) == "closed"; }));

  const json wo = json_of(http->Get(("/workorders/" + id).c_str()));
  INFO(wo.dump(2));
  CHECK(wo["department"] == "dept.approval");
  CHECK(wo["incident_id"] == order->incident_id);
  CHECK(wo["callbacks"].size() == 2);
  CHECK(wo["callback"]["outcome"] == "satisfied");
  std::vector<std::string> steps;
  std::string texts;
  for (const auto& h : wo["history"]) {
    steps.push_back(h["step"]);
    texts += h["text"].get<std::string>() + "\n";
  }
  CHECK(std::count(steps.begin(), steps.end(), "order.dispatched") == 1);
  CHECK(std::count(steps.begin(), steps.end(), "order.accepted") == 1);
  CHECK(std::count(steps.begin(), steps.end(), "callback") == 2);
  CHECK(texts.find("answered") != std::string::npos);
  CHECK(texts.find("called_back") != std::string::npos);
  CHECK(texts.find(": closed") != std::string::npos);

  // The open list no longer has it; "all" does.
  auto open = json_of(http->Get("/workorders?state=open"));
  CHECK(open["count"] == 0);
  auto all = json_of(http->Get("/workorders?state=all"));
  CHECK(all["count"] == 1);

  // The phone number never reaches the log in clear.
  CHECK(gw.stop());  // SIGTERM: clean exit 0
  CHECK_FALSE(std::filesystem::exists(sys.broker.dir.file("gw-" + std::string(GW_PLATFORM) + ".ready")));
  const std::string log = read_file(sys.broker.dir.file("gw-96345.log"));
  CHECK(log.find("13812345678") == std::string::npos);
  CHECK(log.find("138****5678") != std::string::npos);
}

TEST_CASE("96345: an emergency is transferred to 110", "[integration][gw_96345]") {
  LiandongSystem sys;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_96345_BIN, "96345", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  std::vector<Envelope> inbox;
  auto created = http->Post("/workorders", work_order_body("utility.water_leak").dump(), "application/json");
  REQUIRE(created);
  REQUIRE(created->status == 201);
  const std::string id = json::parse(created->body)["work_order_id"];
  REQUIRE(pump_until({}, inbox, 15000, [&] {
    auto j = json_of(http->Get(("/workorders/" + id).c_str()));
    return j.is_object() && !j["incident_id"].is_null() && !j["orders"].empty();
  }));
  auto tr = http->Post(("/workorders/" + id + "/transfer").c_str(),
                       json{{"to", "110"}, {"reason", "水管爆裂淹没道路，有人被困"}}.dump(), "application/json");
  REQUIRE(tr);
  INFO(tr->body);
  CHECK((tr->status == 200 || tr->status == 202));
  REQUIRE(pump_until({}, inbox, 15000, [&] { return state_of(*http, id) == "transferred"; }));
  const json wo = json_of(http->Get(("/workorders/" + id).c_str()));
  CHECK(wo["transferred_to"] == "110");
  bool seen = false;
  for (const auto& h : wo["history"]) seen = seen || h["step"] == "incident.transferred";
  CHECK(seen);
  // A second transfer is a conflict; a callback on a transferred work order too.
  auto again = http->Post(("/workorders/" + id + "/transfer").c_str(), json{{"to", "110"}, {"reason", "x"}}.dump(),
                          "application/json");
  REQUIRE(again);
  CHECK(again->status == 409);
}

TEST_CASE("96345: bad input gets clear errors and the gateway keeps serving", "[integration][gw_96345]") {
  LiandongSystem sys(false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_96345_BIN, "96345", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  auto expect = [&](const httplib::Result& r, int status, const std::string& code, const std::string& mentions) {
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == status);
    const json j = json_of(r);
    REQUIRE(j.is_object());
    CHECK(j["error"]["code"] == code);
    CHECK(j["error"]["message"].get<std::string>().find(mentions) != std::string::npos);
  };
  expect(http->Post("/workorders", "{not json", "application/json"), 400, "INVALID_BODY", "JSON");
  json missing = work_order_body();
  missing.erase("category");
  expect(http->Post("/workorders", missing.dump(), "application/json"), 400, "MISSING_FIELD", "category");
  json wrong = work_order_body();
  wrong["priority"] = "high";
  expect(http->Post("/workorders", wrong.dump(), "application/json"), 400, "WRONG_TYPE", "priority");
  json no_phone = work_order_body();
  no_phone["caller"].erase("phone");
  expect(http->Post("/workorders", no_phone.dump(), "application/json"), 400, "MISSING_FIELD", "caller.phone");
  expect(http->Get("/workorders/NOPE"), 404, "UNKNOWN_ID", "NOPE");
  expect(http->Post("/workorders/NOPE/callback", json{{"reached", false}}.dump(), "application/json"), 404,
         "UNKNOWN_ID", "NOPE");
  expect(http->Post("/workorders/NOPE/callback", json{{"reached", "yes"}}.dump(), "application/json"), 400,
         "WRONG_TYPE", "reached");
  expect(http->Delete("/workorders"), 405, "METHOD_NOT_ALLOWED", "DELETE");
  expect(http->Get("/nothing"), 404, "NOT_FOUND", "/nothing");
  expect(http->Post("/workorders", std::string(70 * 1024, 'x'), "application/json"), 413, "TOO_LARGE", "bytes");
  expect(http->Get("/workorders?state=open&limit=abc"), 400, "INVALID_VALUE", "limit");
  expect(http->Get("/workorders?state=bogus"), 400, "INVALID_VALUE", "'bogus'; allowed: open, all, ");
  json no_text = work_order_body();
  no_text.erase("text");
  expect(http->Post("/workorders", no_text.dump(), "application/json"), 400, "MISSING_FIELD", "'text'");
  json no_address = work_order_body();
  no_address.erase("address");
  expect(http->Post("/workorders", no_address.dump(), "application/json"), 400, "MISSING_FIELD", "'address'");
  // Still serving: a good work order is accepted (queued: no router in this system).
  auto ok = http->Post("/workorders", work_order_body().dump(), "application/json");
  REQUIRE(ok);
  CHECK(ok->status == 201);
  const json j = json_of(ok);
  CHECK(j["status"] == "accepted");
  CHECK(json_of(http->Get(("/workorders/" + j["work_order_id"].get<std::string>()).c_str()))["state"] == "received");
}

TEST_CASE("96345: a 200 MiB chunked body is cut at the limit and the gateway keeps serving", "[integration][gw_96345]") {
  LiandongSystem sys(false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_96345_BIN, "96345", "127.0.0.1:0", endpoint);
  check_flood_refused(gw.pid(), endpoint, "POST", "/workorders", 413);
  check_flood_refused(gw.pid(), endpoint, "POST", "/workorders/NOPE/callback", 413);
  check_flood_refused(gw.pid(), endpoint, "PUT", "/workorders", 405);   // refused unread
  check_flood_refused(gw.pid(), endpoint, "POST", "/nowhere", 404);     // refused unread
  check_flood_refused(gw.pid(), endpoint, "GET", "/workorders", 400);   // a GET carries no body
  auto http = http_client(endpoint);
  auto ok = http->Post("/workorders", work_order_body().dump(), "application/json");
  REQUIRE(ok);
  INFO(ok->body);
  CHECK(ok->status == 201);
  CHECK(gw.stop());
}

TEST_CASE("96345: a storage fault is a 503 naming the cause, never 404 or an empty list", "[integration][gw_96345]") {
  LiandongSystem sys(false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_96345_BIN, "96345", "127.0.0.1:0", endpoint);
  auto http = http_client(endpoint);
  auto posted = http->Post("/workorders", work_order_body().dump(), "application/json");
  REQUIRE(posted);
  REQUIRE(posted->status == 201);
  const std::string id = json_of(posted)["work_order_id"];
  auto db = gateway::SqliteDb::open(sys.broker.dir.file("gw-96345.db"));
  REQUIRE(db.ok());
  auto check_503 = [&](const httplib::Result& r) {
    REQUIRE(r);
    INFO(r->body);
    CHECK(r->status == 503);
    CHECK(json_of(r)["error"]["code"] == "UNAVAILABLE");
    CHECK(r->body.find("no such table") != std::string::npos);
    CHECK(r->get_header_value("Retry-After") == "1");
  };
  REQUIRE((*db)->exec("ALTER TABLE work_order RENAME TO work_order_away").ok());
  check_503(http->Get(("/workorders/" + id).c_str()));
  check_503(http->Get("/workorders?state=all"));
  check_503(http->Post(("/workorders/" + id + "/callback").c_str(), json{{"reached", false}}.dump(), "application/json"));
  REQUIRE((*db)->exec("ALTER TABLE work_order_away RENAME TO work_order").ok());
  auto list = json_of(http->Get("/workorders?state=all"));
  REQUIRE(list.is_object());
  CHECK(list["count"] == 1);
  CHECK(gw.stop());
  CHECK(read_file(sys.broker.dir.file("gw-96345.log")).find("reading work order " + id + ": ") != std::string::npos);
}

#endif
