// The digital city-management gateway as a real process between an Open311 client (cpp-httplib)
// and the real broker, audit and router: a case runs the whole workflow (reported → registered →
// dispatched → accepted → handled → verified → closed) with a unit peer for the squad; Open311
// errors; a restart keeps the cases; the XML format (read back by Python's XML parser), address_id,
// the 90-day limit of a query and the empty POST, as Open311 clients meet them.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <future>
#include <thread>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "tests/integration/http_flood.hpp"
#include "tests/integration/system_fixture.hpp"

#ifdef LIANDONG_GW_CITYMGMT_BIN

using namespace liandong;
using namespace liandong::testing;
using nlohmann::json;

namespace {

// A point in grid G00001 (zone Z001, town jiyang: squad citymgmt.jiyang, inspector insp.Z001).
constexpr const char* kLat = "29.69100";
constexpr const char* kLong = "120.25120";

// Runs `call` (an HTTP request) on another thread while `peer` keeps receiving, so the broker does
// not drop the test's unit peer; what the peer received is appended to `inbox`.
template <class F>
auto while_pumping(BusClient& peer, std::vector<Envelope>& inbox, F call) {
  auto future = std::async(std::launch::async, call);
  for (int i = 0; i < 2000 && future.wait_for(std::chrono::milliseconds(0)) != std::future_status::ready; ++i) {
    if (auto e = peer.receive(10)) inbox.push_back(*e);
  }
  return future.get();
}

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  INFO(r->body);
  return json::parse(r->body);
}

// Polls GET /requests/{id}.json (pumping the peer between polls) until `step` or 15 s.
json wait_for_step(httplib::Client& http, BusClient& peer, std::vector<Envelope>& inbox, const std::string& id,
                   const std::string& step) {
  json last;
  for (int i = 0; i < 150; ++i) {
    auto r = http.Get(("/requests/" + id + ".json").c_str());
    REQUIRE(r);
    REQUIRE(r->status == 200);
    last = json::parse(r->body).at(0);
    if (last.at("step") == step) return last;
    for (int k = 0; k < 10; ++k) {
      if (auto e = peer.receive(10)) inbox.push_back(*e);
    }
  }
  INFO(last.dump());
  FAIL("case " << id << " never reached step " << step);
  return last;
}

void check_open311_error(const httplib::Result& r, int code, const std::string& mentions) {
  REQUIRE(r);
  INFO(r->body);
  CHECK(r->status == code);
  auto j = json::parse(r->body, nullptr, false);
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 1);
  CHECK(j[0].at("code") == code);
  CHECK(j[0].at("description").get<std::string>().find(mentions) != std::string::npos);
}

}  // namespace

TEST_CASE("an Open311 case runs the city-management workflow to closed, verified by its grid's inspector",
          "[integration][gw_citymgmt]") {
  LiandongSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  auto squad = connect_client(ctx, clock, sys.broker.endpoint, "unit:citymgmt.jiyang", "unit");
  std::vector<Envelope> inbox;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_CITYMGMT_BIN, "citymgmt", "127.0.0.1:0", endpoint);
  INFO(read_file(sys.broker.dir.file("gw-citymgmt.log")));
  REQUIRE(endpoint.starts_with("http://127.0.0.1:"));
  httplib::Client http(endpoint);
  http.set_read_timeout(10, 0);

  // The service list.
  auto services = body_of(http.Get("/services.json"));
  REQUIRE(services.is_array());
  bool vending = false;
  for (const auto& s : services) {
    CHECK(s.at("metadata") == false);
    CHECK(s.at("type") == "realtime");
    if (s.at("service_code") == "illegal_vending") vending = true;
  }
  CHECK(vending);

  // An inspector reports street vending, as a form like every Open311 client.
  const std::string form = std::string("service_code=illegal_vending&lat=") + kLat + "&long=" + kLong +
                           "&description=stalls+on+the+pavement&first_name=San&last_name=Zhang&phone=13812345678"
                           "&inspector_id=insp.Z001&device_id=pad-7";
  auto posted = while_pumping(*squad, inbox, [&] {
    return http.Post("/requests.json", form, "application/x-www-form-urlencoded");
  });
  REQUIRE(posted);
  INFO(posted->body);
  REQUIRE(posted->status == 200);
  const json answer = json::parse(posted->body);
  const std::string id = answer.at(0).at("service_request_id");
  CHECK(answer.at(0).at("account_id").is_null());
  CHECK(answer.at(0).at("service_notice").get<std::string>().find("registered") != std::string::npos);

  // The router dispatched the case to the grid's squad.
  std::optional<v1::DispatchOrder> order;
  for (int i = 0; i < 1000 && !order; ++i) {
    for (const auto& e : inbox) {
      if (e.command == v1::DispatchOrder::kCommand) order = *decode_body<v1::DispatchOrder>(e.body);
    }
    inbox.clear();
    if (!order) {
      if (auto e = squad->receive(20)) inbox.push_back(*e);
    }
  }
  REQUIRE(order.has_value());
  CHECK(order->unit == "citymgmt.jiyang");
  CHECK(order->category == "city.illegal_vending");
  CHECK(order->grid == "G00001");
  auto c = wait_for_step(http, *squad, inbox, id, "dispatched");
  CHECK(c.at("status") == "open");
  CHECK(c.at("agency_responsible") == "citymgmt.jiyang");
  CHECK(c.at("service_code") == "illegal_vending");
  CHECK(c.at("grid") == "G00001");
  CHECK(c.at("status_notes").get<std::string>().find("派遣") != std::string::npos);

  // The squad accepts; verification is refused before the work is handled.
  squad->send_message("router", v1::OrderAck{order->order_id, "citymgmt.jiyang", true, std::nullopt});
  wait_for_step(http, *squad, inbox, id, "accepted");
  auto early = while_pumping(*squad, inbox, [&] {
    return http.Post(("/requests/" + id + "/verify").c_str(), "inspector_id=insp.Z001&result=passed",
                     "application/x-www-form-urlencoded");
  });
  check_open311_error(early, 409, "handled");

  // The squad reports the work done.
  v1::StatusUpdate handled;
  handled.update_id = "squad-handled-" + id;
  handled.incident_id = order->incident_id;
  handled.unit = "citymgmt.jiyang";
  handled.order_id = order->order_id;
  handled.state = "handled";
  handled.note = "stalls moved";
  handled.at_ms = clock.wall_ms();
  squad->send_message("router", handled);
  wait_for_step(http, *squad, inbox, id, "handled");

  // An inspector of another grid zone may not verify it.
  auto foreign = while_pumping(*squad, inbox, [&] {
    return http.Post(("/requests/" + id + "/verify").c_str(), "inspector_id=insp.Z002&result=passed",
                     "application/x-www-form-urlencoded");
  });
  check_open311_error(foreign, 403, "G00001");
  CHECK(foreign->body.find("Z002") != std::string::npos);

  // The grid's own inspector checks it on site: verified, then closed.
  auto verified = while_pumping(*squad, inbox, [&] {
    return http.Post(("/requests/" + id + "/verify").c_str(), R"({"inspector_id": "insp.Z001", "result": "passed", "note": "pavement clear"})",
                     "application/json");
  });
  REQUIRE(verified);
  INFO(verified->body);
  CHECK(verified->status == 200);
  c = wait_for_step(http, *squad, inbox, id, "closed");
  CHECK(c.at("status") == "closed");
  CHECK(c.at("status_notes").get<std::string>().find("结案") != std::string::npos);

  // The list finds it among the closed ones, newest first.
  auto closed = body_of(http.Get("/requests.json?status=closed&service_code=illegal_vending"));
  REQUIRE(closed.size() == 1);
  CHECK(closed[0].at("service_request_id") == id);
  CHECK(body_of(http.Get("/requests.json?status=open")).empty());
  CHECK(body_of(http.Get(("/requests.json?service_request_id=" + id + ",999").c_str())).size() == 1);

  // The caller's phone never reaches the gateway's log in clear.
  CHECK(read_file(sys.broker.dir.file("gw-citymgmt.log")).find("13812345678") == std::string::npos);
  CHECK(gw.stop());
}

TEST_CASE("Open311 errors name what was wrong, and a restart keeps the cases", "[integration][gw_citymgmt]") {
  LiandongSystem sys(/*with_router=*/false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_CITYMGMT_BIN, "citymgmt", "127.0.0.1:0", endpoint);
  httplib::Client http(endpoint);
  http.set_read_timeout(10, 0);
  const std::string form = "application/x-www-form-urlencoded";

  check_open311_error(http.Post("/requests.json", "service_code=unicorns&lat=29.69&long=120.25", form), 400, "service_code 'unicorns'");
  check_open311_error(http.Post("/requests.json", "lat=29.69&long=120.25", form), 400, "service_code is required");
  check_open311_error(http.Post("/requests.json", "service_code=fly_tipping&description=x", form), 400, "location");
  check_open311_error(http.Post("/requests.json", "service_code=fly_tipping&lat=north&long=120.25", form), 400, "lat");
  check_open311_error(http.Post("/requests.json", "service_code=fly_tipping&lat=95&long=120.25", form), 400, "lat 95");
  check_open311_error(http.Post("/requests.json", "{\"service_code\": [1, 2", "application/json"), 400, "malformed JSON");
  check_open311_error(http.Post("/requests.json", "service_code=%zz", form), 400, "percent escape");
  check_open311_error(http.Post("/requests.json", std::string("\x01\xff\xfe garbage \x00 bytes", 20), "application/octet-stream"), 400, "Content-Type");
  check_open311_error(http.Post("/requests.json", std::string(100 * 1024, 'a'), form), 413, "too large");
  check_open311_error(http.Get("/requests/4242.json"), 404, "4242");
  check_open311_error(http.Get("/requests/abc.json"), 404, "abc");
  check_open311_error(http.Get("/services.csv"), 400, "format not supported");
  check_open311_error(http.Get("/requests.html"), 400, "format not supported");
  check_open311_error(http.Put("/requests.json", "x", form), 405, "PUT");
  check_open311_error(http.Get("/nowhere"), 404, "/nowhere");
  check_open311_error(http.Get("/requests.json?start_date=yesterday"), 400, "start_date");
  check_open311_error(http.Get("/requests.json?status=maybe"), 400, "status");
  check_open311_error(http.Post("/requests/1/verify", "inspector_id=insp.Z001&result=passed", form), 404, "'1'");

  // With the router down the case is accepted and queued (the outbox delivers it later).
  auto posted = http.Post("/requests.json", std::string("service_code=fly_tipping&address_string=") +
                                                "%E6%9A%A8%E9%98%B3%E8%A1%97%E9%81%93+12%E5%8F%B7",
                          form);
  REQUIRE(posted);
  INFO(posted->body);
  REQUIRE(posted->status == 200);
  const std::string id = json::parse(posted->body).at(0).at("service_request_id");
  CHECK(json::parse(posted->body).at(0).at("service_notice").get<std::string>().find("queued") != std::string::npos);

  // Restart the gateway on the same data directory: the case is still there.
  REQUIRE(gw.stop());
  gw = sys.start_gateway(LIANDONG_GW_CITYMGMT_BIN, "citymgmt", "127.0.0.1:0", endpoint);
  httplib::Client again(endpoint);
  again.set_read_timeout(10, 0);
  auto r = again.Get(("/requests/" + id + ".json").c_str());
  REQUIRE(r);
  INFO(r->body);
  REQUIRE(r->status == 200);
  auto c = json::parse(r->body).at(0);
  CHECK(c.at("service_code") == "fly_tipping");
  CHECK(c.at("address") == "暨阳街道 12号");  // "+" is a space in a form
  CHECK(c.at("status") == "open");
  CHECK(c.at("step") == "reported");
  CHECK(gw.stop());
}

TEST_CASE("Open311: a 200 MiB chunked body is cut at the limit and the gateway keeps serving", "[integration][gw_citymgmt]") {
  LiandongSystem sys(/*with_router=*/false);
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_CITYMGMT_BIN, "citymgmt", "127.0.0.1:0", endpoint);
  const std::string form = "application/x-www-form-urlencoded";
  check_flood_refused(gw.pid(), endpoint, "POST", "/requests.json", 413, form);
  check_flood_refused(gw.pid(), endpoint, "PUT", "/requests.json", 413, form);
  check_flood_refused(gw.pid(), endpoint, "GET", "/services.json", 400);  // a GET carries no body
  httplib::Client http(endpoint);
  http.set_read_timeout(10, 0);
  auto posted = http.Post("/requests.json", "service_code=fly_tipping&address_string=12+Jiyang+Road", form);
  REQUIRE(posted);
  INFO(posted->body);
  CHECK(posted->status == 200);
  CHECK(gw.stop());
}

namespace {

// An XML answer read by Python's xml.etree (tests/support/open311_xml_to_json.py): fails the test
// if it is not well-formed; else {"root", "items": [{"tag", "fields": [[name, text|null]]}]}.
json parse_xml_with_python(const TempDir& dir, const std::string& xml) {
  const std::string in = dir.file("answer.xml");
  const std::string out = dir.file("answer.xml.json");
  std::ofstream(in, std::ios::binary) << xml;
  std::filesystem::remove(out);
  auto python = ChildProcess::start({"/usr/bin/python3", LIANDONG_SOURCE_DIR "/tests/support/open311_xml_to_json.py", in, out},
                                    dir.file("python.log"));
  const auto code = python.wait_exit(std::chrono::seconds(20));
  INFO(xml);
  INFO(read_file(dir.file("python.log")));
  REQUIRE(code == 0);
  return json::parse(read_file(out));
}

// The .xml answer says what the .json answer says: same items, same fields in the same order,
// the same values (null as an empty element, numbers and booleans as their JSON text).
void check_same_answer(const TempDir& dir, const httplib::Result& as_xml, const httplib::Result& as_json,
                       const std::string& root, const std::string& item) {
  REQUIRE(as_xml);
  REQUIRE(as_json);
  CHECK(as_xml->status == as_json->status);
  CHECK(as_xml->get_header_value("Content-Type") == "text/xml; charset=utf-8");
  const json x = parse_xml_with_python(dir, as_xml->body);
  const auto j = nlohmann::ordered_json::parse(as_json->body);
  CHECK(x.at("root") == root);
  REQUIRE(x.at("items").size() == j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    const auto& fields = x.at("items")[i].at("fields");
    CHECK(x.at("items")[i].at("tag") == item);
    REQUIRE(fields.size() == j[i].size());
    std::size_t k = 0;
    for (const auto& [key, value] : j[i].items()) {
      INFO(key);
      CHECK(fields[k][0] == key);
      const json& text = fields[k][1];
      if (value.is_null() || (value.is_string() && value.get<std::string>().empty())) CHECK(text.is_null());
      else if (value.is_string()) CHECK(text == value.get<std::string>());
      else CHECK(text == value.dump());
      ++k;
    }
  }
}

}  // namespace

TEST_CASE("Open311 as clients expect it: XML, address_id, the 90-day limit, an empty POST", "[integration][gw_citymgmt]") {
  LiandongSystem sys(/*with_router=*/false);
  TempDir scratch;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_CITYMGMT_BIN, "citymgmt", "127.0.0.1:0", endpoint);
  INFO(read_file(sys.broker.dir.file("gw-citymgmt.log")));
  httplib::Client http(endpoint);
  http.set_read_timeout(10, 0);
  const std::string form = "application/x-www-form-urlencoded";

  check_same_answer(scratch, http.Get("/services.xml"), http.Get("/services.json"), "services", "service");

  // A case located by its grid (address_id), with text that must be escaped in XML.
  auto posted = http.Post("/requests.xml",
                          "service_code=fly_tipping&address_id=G00001&description=bags+%3C10%3E+%26+%22boxes%22+"
                          "%E6%9A%A8%E9%98%B3",
                          form);
  REQUIRE(posted);
  INFO(posted->body);
  REQUIRE(posted->status == 200);
  const json created = parse_xml_with_python(scratch, posted->body);
  CHECK(created.at("root") == "service_requests");
  REQUIRE(created.at("items").size() == 1);
  const json& fields = created.at("items")[0].at("fields");
  REQUIRE(fields.size() == 3);
  CHECK(fields[0] == json::array({"service_request_id", fields[0][1]}));
  CHECK(fields[2] == json::array({"account_id", nullptr}));
  const std::string id = fields[0][1];

  const std::string one = "/requests/" + id;
  check_same_answer(scratch, http.Get((one + ".xml").c_str()), http.Get((one + ".json").c_str()), "service_requests", "request");
  const json c = body_of(http.Get((one + ".json").c_str())).at(0);
  CHECK(c.at("address_id") == "G00001");
  CHECK(c.at("description") == "bags <10> & \"boxes\" 暨阳");
  // Without dates, the list covers the last 90 days: today's case is in it.
  check_same_answer(scratch, http.Get("/requests.xml"), http.Get("/requests.json"), "service_requests", "request");
  CHECK(body_of(http.Get("/requests.json")).size() == 1);

  // Errors in the format asked for; what is wrong named.
  check_open311_error(http.Post("/requests.json", "service_code=fly_tipping&address_id=G99999", form), 400, "address_id 'G99999'");
  check_open311_error(http.Post("/requests.json", "", form), 400, "service_code and a location are required");
  check_open311_error(http.Post("/requests.json", "", "application/json"), 400, "address_id");
  check_open311_error(http.Get("/requests.json?start_date=2026-01-01&end_date=2026-06-30"), 400, "spans more than 90 days");
  check_same_answer(scratch, http.Post("/requests.xml", "", form), http.Post("/requests.json", "", form), "errors", "error");
  check_same_answer(scratch, http.Get("/requests/4242.xml"), http.Get("/requests/4242.json"), "errors", "error");
  {  // a 405 names the path asked for, so the two answers differ there only
    auto put = http.Put("/requests.xml", "x", form);
    REQUIRE(put);
    CHECK(put->status == 405);
    const json x = parse_xml_with_python(scratch, put->body);
    CHECK(x.at("root") == "errors");
    REQUIRE(x.at("items").size() == 1);
    CHECK(x.at("items")[0].at("fields")[0] == json::array({"code", "405"}));
    CHECK(x.at("items")[0].at("fields")[1][1] == "method PUT is not allowed on /requests.xml (allowed: GET, POST)");
  }
  // The HTTP server's own refusals too (a body over max_body_bytes).
  const std::string big(100 * 1024, 'a');
  check_same_answer(scratch, http.Post("/requests.xml", big, form), http.Post("/requests.json", big, form), "errors", "error");
  CHECK(gw.stop());
}

#endif  // LIANDONG_GW_CITYMGMT_BIN
