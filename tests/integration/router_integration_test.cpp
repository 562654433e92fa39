// The real router between the real broker and audit service, on the Zhuji deployment: a stream of
// reports with the router killed (-9) and restarted in the middle. Afterwards every acknowledged
// report was dispatched, no unit got a second order for an incident it had accepted, and the log
// holds each report once.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <thread>
#include <map>
#include <set>

#include "core/codec.hpp"
#include "core/ids.hpp"
#include "schemas/messages.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "services/router/router_events.hpp"
#include "tests/integration/broker_fixture.hpp"
#include "tests/integration/system_fixture.hpp"

using namespace liandong;
using namespace liandong::testing;

namespace {

struct System {
  BrokerProcess broker;
  ChildProcess audit;
  ChildProcess router;

  System() : audit(start_audit()), router(start_router()) {}

  ChildProcess start_audit() {
    auto p = ChildProcess::start({LIANDONG_AUDIT_BIN, "--broker", broker.endpoint, "--db", db(), "--ready-file",
                                  broker.dir.file("audit.ready")},
                                 broker.dir.file("audit.log"));
    REQUIRE(wait_for_ready_file(broker.dir.file("audit.ready")).has_value());
    return p;
  }
  // Starts the router without waiting for it, so a test can keep its own peers alive meanwhile.
  ChildProcess launch_router() {
    std::filesystem::remove(broker.dir.file("router.ready"));
    return ChildProcess::start({LIANDONG_ROUTER_BIN, "--config", LIANDONG_SOURCE_DIR "/config/liandong.toml",
                                "--broker", broker.endpoint, "--ready-file", broker.dir.file("router.ready")},
                               broker.dir.file("router.log"));
  }
  ChildProcess start_router() {
    auto p = launch_router();
    INFO(read_file(broker.dir.file("router.log")));
    REQUIRE(wait_for_ready_file(broker.dir.file("router.ready"), std::chrono::seconds(30)).has_value());
    return p;
  }
  std::string db() const { return broker.dir.file("audit.db"); }
};

v1::IncidentReport consultation(int n) {
  v1::IncidentReport r;
  r.report_id = "c-" + std::to_string(n);
  r.source = "96345";
  r.category = "consult.policy";  // -> dept.approval; consultations are never merged
  r.grid = "G00001";
  r.caller = v1::Caller{"13900000000", std::nullopt};
  r.reported_at_ms = 1'790'000'000'000 + n;
  return r;
}

}  // namespace

TEST_CASE("killing the router mid-stream loses no report and dispatches no accepted incident twice",
          "[integration][router]") {
  System system;
  zmq::context_t ctx;
  SystemClock clock;
  auto reporter = connect_client(ctx, clock, system.broker.endpoint, "gw-96345", "gateway");
  auto unit = connect_client(ctx, clock, system.broker.endpoint, "unit:dept.approval", "unit");

  constexpr int kReports = 200;
  std::map<int, Millis> sent_at;                  // report number -> last (re)send, while unacknowledged
  std::map<std::string, std::string> incident_of;  // report id -> incident id
  std::map<std::string, int> orders_per_incident;
  std::set<std::string> accepted_incidents;        // the router has recorded the unit's acceptance
  std::map<std::string, std::string> incident_of_order;
  std::vector<std::string> violations;
  int next = 0;
  int kills = 0;

  std::map<std::string, Millis> unreceipted;  // order id -> when the unit last sent its ORDER_ACK
  auto pump_unit = [&] {
    const Millis now = clock.monotonic_ms();
    for (auto& [order_id, at] : unreceipted) {
      if (now - at > 1000) {  // the unit, too, resends until the router confirms
        unit->send_message("router", v1::OrderAck{order_id, "dept.approval", true, std::nullopt});
        at = now;
      }
    }
    while (auto env = unit->receive(0)) {
      if (env->command == "DISPATCH_ORDER") {
        auto order = decode_body<v1::DispatchOrder>(env->body);
        REQUIRE(order.ok());
        if (accepted_incidents.contains(order->incident_id)) {
          violations.push_back("order " + order->order_id + " for accepted incident " + order->incident_id);
        }
        ++orders_per_incident[order->incident_id];
        incident_of_order[order->order_id] = order->incident_id;
        unit->send_message("router", v1::OrderAck{order->order_id, "dept.approval", true, std::nullopt});
        unreceipted[order->order_id] = clock.monotonic_ms();
      } else if (env->command == "RECEIPT") {
        auto receipt = decode_body<v1::Receipt>(env->body);
        REQUIRE(receipt.ok());
        accepted_incidents.insert(receipt->incident_id);
        unreceipted.erase(receipt->key);
      }
    }
  };

  const Millis deadline = clock.monotonic_ms() + 90'000;
  while ((incident_of.size() < kReports || accepted_incidents.size() < incident_of.size()) &&
         clock.monotonic_ms() < deadline) {
    const Millis now = clock.monotonic_ms();
    while (next < kReports && sent_at.size() < 20) {
      sent_at[next] = now;
      reporter->send_message("router", consultation(next++));
    }
    for (auto& [n, at] : sent_at) {
      if (now - at > 1000) {  // not acknowledged in a second: resend, same report id
        reporter->send_message("router", consultation(n));
        at = now;
      }
    }
    if (auto env = reporter->receive(5); env && env->command == "REPORT_ACK") {
      auto ack = decode_body<v1::ReportAck>(env->body);
      REQUIRE(ack.ok());
      auto [it, fresh] = incident_of.emplace(ack->report_id, ack->incident_id);
      if (!fresh) CHECK(it->second == ack->incident_id);  // a re-acknowledgement names the same incident
      sent_at.erase(std::stoi(ack->report_id.substr(2)));
    }
    pump_unit();
    // Three kills at different points of the stream, each catching different decisions mid-way.
    // The restart does not block this loop: the reporter and the unit keep heartbeating (a unit
    // silent for seconds would rightly be dropped by the broker and its orders escalated).
    if (kills < 3 && incident_of.size() >= static_cast<std::size_t>(50 * (kills + 1))) {
      system.router.kill_hard();
      system.router = system.launch_router();
      ++kills;
    }
  }
  INFO(read_file(system.broker.dir.file("router.log")));
  REQUIRE(kills == 3);
  CHECK(incident_of.size() == static_cast<std::size_t>(kReports));
  CHECK(violations.empty());
  for (const auto& [report, incident] : incident_of) {
    INFO(report << " -> " << incident);
    CHECK(orders_per_incident[incident] >= 1);
    CHECK(accepted_incidents.contains(incident));
  }
  REQUIRE(system.router.stop());
  REQUIRE(system.audit.stop());

  audit::SqliteStoreOptions options;
  options.path = system.db();
  options.read_only = true;
  auto store = audit::SqliteEventStore::open(options);
  REQUIRE(store.ok());
  auto events = (*store)->read_range(1, INT64_MAX, 1'000'000);
  REQUIRE(events.ok());
  std::map<std::string, int> reported;
  int dispatched = 0;
  for (const auto& e : *events) {
    if (e.type == "incident.reported") ++reported[*e.incident_id];
    if (e.type == "order.dispatched") ++dispatched;
  }
  CHECK(reported.size() == static_cast<std::size_t>(kReports));
  for (const auto& [incident, n] : reported) CHECK(n == 1);
  CHECK(dispatched >= kReports);
  CHECK((*store)->verify()->intact);
  system.broker.stop_cleanly();
}

namespace {
std::pair<int, std::string> cli(const TempDir& dir, const std::vector<std::string>& args) {
  static int n = 0;
  std::vector<std::string> argv = {LIANDONG_CLI_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = dir.file("cli-" + std::to_string(++n) + ".out");
  auto p = ChildProcess::start(argv, out);
  auto code = p.wait_exit(std::chrono::seconds(30));
  REQUIRE(code.has_value());
  return {*code, read_file(out)};
}

nlohmann::json last_json(const std::string& out) {
  const auto start = out.rfind("\n{");
  return nlohmann::json::parse(start == std::string::npos ? out.substr(out.find('{')) : out.substr(start + 1));
}
}  // namespace

TEST_CASE("an operator's day through the CLI: report, a unit accepts and reports, transfer, trail",
          "[integration][router][cli]") {
  System system;
  const auto& dir = system.broker.dir;
  const std::string ep = system.broker.endpoint;
  // A police station's console, accepting what it receives.
  auto listener = ChildProcess::start({LIANDONG_CLI_BIN, "unit", "listen", "police.ps01", "--ack", "--json", "--count",
                                       "1", "--broker", ep, "--timeout-ms", "20000"},
                                      dir.file("listen.out"));
  // Wait until it is registered (the broker lists it) before reporting.
  bool listening = false;
  for (int i = 0; i < 100 && !listening; ++i) {
    auto [code, out] = cli(dir, {"stats", "--json", "--broker", ep});
    listening = code == 0 && out.find("unit:police.ps01") != std::string::npos;
    if (!listening) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(listening);

  auto [rc, reported] = cli(dir, {"report", "--source", "110", "--category", "crime.theft", "--grid", "G00001",
                                  "--caller", "13812345678", "--text", "bike stolen", "--report-id", "op-1", "--json",
                                  "--broker", ep});
  INFO(reported);
  REQUIRE(rc == 0);
  const auto incident = last_json(reported)["incident_id"].get<std::string>();
  CHECK(last_json(reported)["state"] == "dispatched");

  REQUIRE(listener.wait_exit(std::chrono::seconds(20)) == 0);
  const auto listened = read_file(dir.file("listen.out"));
  INFO(listened);
  const auto order_line = listened.find("{\"order_id\"");
  REQUIRE(order_line != std::string::npos);
  const auto order = nlohmann::json::parse(listened.substr(order_line, listened.find('\n', order_line) - order_line));
  CHECK(order["incident_id"] == incident);
  CHECK(order["unit"] == "police.ps01");
  const std::string order_id = order["order_id"];

  // The accept is recorded (a retry of it is a duplicate), so the unit can report progress.
  bool accepted = false;
  for (int i = 0; i < 50 && !accepted; ++i) {
    auto [code, shown] = cli(dir, {"incident", "show", incident, "--json", "--broker", ep});
    accepted = code == 0 && last_json(shown)["state"] == "accepted";
    if (!accepted) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(accepted);
  auto [sc, moved] = cli(dir, {"unit", "status", incident, "police.ps01", "en_route", "--order", order_id, "--broker", ep});
  INFO(moved);
  CHECK(sc == 0);
  auto [bc, refused] = cli(dir, {"unit", "status", incident, "police.ps01", "closed", "--order", order_id, "--broker", ep});
  CHECK(bc == 1);
  CHECK_THAT(refused, Catch::Contains("allowed next: on_scene"));
  auto [xc, wrong] = cli(dir, {"unit", "ack", order_id, "--unit", "police.ps02", "--broker", ep});
  CHECK(xc == 1);
  CHECK_THAT(wrong, Catch::Contains("police.ps01"));

  auto [tc, transferred] = cli(dir, {"transfer", incident, "--to", "96345", "--reason", "not a police matter", "--broker", ep});
  INFO(transferred);
  CHECK(tc == 0);
  auto [ic, shown] = cli(dir, {"incident", "show", incident, "--json", "--broker", ep});
  REQUIRE(ic == 0);
  auto view = last_json(shown);
  CHECK(view["source"] == "96345");
  CHECK(view["incident_id"] == incident);
  // History kept: the withdrawn 110 order, then the 96345 platform's (escalating here, as no unit
  // of it is listening in this test).
  REQUIRE(view["orders"].size() >= 2);
  CHECK(view["orders"][0]["state"] == "withdrawn");
  auto [lc, listed] = cli(dir, {"incidents", "--json", "--broker", ep});
  CHECK(lc == 0);
  CHECK_THAT(listed, Catch::Contains(incident));
  auto [ac, trail] = cli(dir, {"audit", "trail", incident, "--broker", ep});
  INFO(trail);
  CHECK(ac == 0);
  CHECK_THAT(trail, Catch::Contains("incident.reported") && Catch::Contains("order.accepted") &&
                        Catch::Contains("incident.transferred") && Catch::Contains("138****5678"));
  CHECK_THAT(trail, !Catch::Contains("13812345678"));
  CHECK(system.router.stop());
  CHECK(system.audit.stop());
  system.broker.stop_cleanly();
}

TEST_CASE("an order not yet accepted is sent again, same order id, until the unit answers",
          "[integration][router]") {
  System system;
  zmq::context_t ctx;
  SystemClock clock;
  auto reporter = connect_client(ctx, clock, system.broker.endpoint, "gw-96345", "gateway");
  auto unit = connect_client(ctx, clock, system.broker.endpoint, "unit:dept.approval", "unit");
  reporter->send_message("router", consultation(1));
  REQUIRE(receive_until(*reporter, 10'000, [](const Envelope& e) { return e.command == "REPORT_ACK"; }).has_value());
  // The unit "loses" the first copy (no answer); the router must send it again.
  std::vector<std::string> copies;
  const Millis deadline = clock.monotonic_ms() + 10'000;
  while (copies.size() < 2 && clock.monotonic_ms() < deadline) {
    auto env = unit->receive(100);
    if (env && env->command == "DISPATCH_ORDER") copies.push_back(decode_body<v1::DispatchOrder>(env->body)->order_id);
  }
  REQUIRE(copies.size() == 2);
  CHECK(copies[0] == copies[1]);
  // Once accepted, no more copies.
  unit->send_message("router", v1::OrderAck{copies[0], "dept.approval", true, std::nullopt});
  REQUIRE(receive_until(*unit, 10'000, [](const Envelope& e) { return e.command == "RECEIPT"; }).has_value());
  CHECK_FALSE(receive_until(*unit, 5'000, [](const Envelope& e) { return e.command == "DISPATCH_ORDER"; }).has_value());
  CHECK(system.router.stop());
  CHECK(system.audit.stop());
  system.broker.stop_cleanly();
}

// ---- the log is the truth (issue #12): events committed after the replay, replay errors, and
// the deployment version in the log ----

namespace {
// Appends an event to the audit as `actor` and waits for it to be committed.
void append(BusClient& client, const std::string& incident_id, std::string_view type, const std::string& actor,
            std::string body) {
  static SystemClock clock;
  static IdGenerator ids(clock);
  v1::AuditEvent e;
  e.event_id = ids.next();
  e.incident_id = incident_id;
  e.type = std::string(type);
  e.actor = actor;
  e.at_ms = 1'790'000'000'000;
  e.body.bytes = std::move(body);
  client.send_message("audit", e, e.event_id);
  auto ack = receive_until(client, 10'000, [&](const Envelope& env) { return env.command == "AUDIT_ACK"; });
  REQUIRE(ack.has_value());
  REQUIRE(decode_body<v1::AuditAck>(ack->body)->event_id == e.event_id);
}

v1::StatsReply router_stats(BusClient& client) {
  client.send_message("router", v1::Stats{});
  auto reply = receive_until(client, 10'000, [](const Envelope& e) { return e.command == "STATS_REPLY"; });
  REQUIRE(reply.has_value());
  return *decode_body<v1::StatsReply>(reply->body);
}
}  // namespace

TEST_CASE("an event the killed router sent, committed after the new router's replay, reaches the new router",
          "[integration][router]") {
  LiandongSystem system;  // the new router has replayed the (empty) log and serves
  zmq::context_t ctx;
  SystemClock clock;
  auto unit = connect_client(ctx, clock, system.broker.endpoint, "unit:dept.approval", "unit");
  auto operator_ = connect_client(ctx, clock, system.broker.endpoint, "op-1", "cli");
  // The kill window: the router before this one decided an incident and sent its two events; the
  // audit commits them only now, after the new router read the log. Here a peer sends them, in
  // the killed router's name as actor, exactly as the audit would have received them from it.
  auto late = connect_client(ctx, clock, system.broker.endpoint, "late-writer", "router");
  IdGenerator ids(clock);
  const std::string incident_id = ids.next();
  const std::string order_id = ids.next();
  router::IncidentReported reported;
  reported.incident_id = incident_id;
  reported.report_id = "c-late";
  reported.reporter = "gw-96345";
  reported.source = "96345";
  reported.category = "consult.policy";
  reported.family = "consult";
  reported.priority = 4;
  reported.grid = "G00001";
  reported.reported_at_ms = 1'790'000'000'000;
  router::OrderDispatched dispatched;
  dispatched.order_id = order_id;
  dispatched.incident_id = incident_id;
  dispatched.unit = "dept.approval";
  dispatched.ack_deadline_ms = clock.wall_ms() + 3'600'000;
  dispatched.state = "assigned";
  dispatched.reason = "rule 'consultations': the killed router's decision";
  append(*late, incident_id, router::event_type::kReported, "router", encode_body(reported));
  append(*late, incident_id, router::event_type::kDispatched, "router", encode_body(dispatched));

  // The new router applies them: the unit gets the order (the killed router never sent it) ...
  auto order = receive_until(*unit, 10'000, [](const Envelope& e) { return e.command == "DISPATCH_ORDER"; });
  INFO(read_file(system.broker.dir.file("router.log")));
  REQUIRE(order.has_value());
  CHECK(decode_body<v1::DispatchOrder>(order->body)->order_id == order_id);
  // A second decision the killed router left half done: its report committed late, its order never.
  const std::string half_done = ids.next();
  reported.incident_id = half_done;
  reported.report_id = "c-half";
  append(*late, half_done, router::event_type::kReported, "router", encode_body(reported));
  // Once the late appends stop, the router completes what they left half done (resume), and only that.
  auto second = receive_until(*unit, 10'000, [&](const Envelope& e) {
    return e.command == "DISPATCH_ORDER" && decode_body<v1::DispatchOrder>(e.body)->incident_id == half_done;
  });
  REQUIRE(second.has_value());
  {
    const Millis settle = clock.monotonic_ms() + 10'000;
    while (router_stats(*operator_).counters["follow_resumes"] < 1 && clock.monotonic_ms() < settle) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a counter: no event to wait on
    }
  }
  // ... and knows the first incident, with its one order and no second one decided for it.
  operator_->send_message("router", v1::IncidentQuery{"q1", incident_id});
  auto info = receive_until(*operator_, 10'000, [](const Envelope& e) { return e.command == "INCIDENT_INFO"; });
  REQUIRE(info.has_value());
  const auto view = decode_body<v1::IncidentInfo>(info->body)->incident;
  REQUIRE(view.orders.size() == 1);
  CHECK(view.orders[0].order_id == order_id);
  CHECK(router_stats(*operator_).counters.at("followed_events") == 3);

  // Its own events come back on the same stream and are not applied twice.
  auto reporter = connect_client(ctx, clock, system.broker.endpoint, "gw-96345", "gateway");
  reporter->send_message("router", consultation(1));
  auto ack = receive_until(*reporter, 10'000, [](const Envelope& e) { return e.command == "REPORT_ACK"; });
  REQUIRE(ack.has_value());
  const std::string own = decode_body<v1::ReportAck>(ack->body)->incident_id;
  // The report's events are committed before its REPORT_ACK: wait until the stream brought them.
  operator_->send_message("audit", v1::Stats{});
  auto audit_stats = receive_until(*operator_, 10'000, [](const Envelope& e) { return e.command == "STATS_REPLY"; });
  REQUIRE(audit_stats.has_value());
  const auto last_seq = decode_body<v1::StatsReply>(audit_stats->body)->counters.at("last_seq");
  const Millis deadline = clock.monotonic_ms() + 10'000;
  v1::StatsReply stats = router_stats(*operator_);
  while (stats.counters.at("log_seq") < last_seq && clock.monotonic_ms() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling a counter: no event to wait on
    stats = router_stats(*operator_);
  }
  REQUIRE(stats.counters.at("log_seq") >= last_seq);
  CHECK(stats.counters.at("followed_events") == 3);
  operator_->send_message("router", v1::IncidentQuery{"q2", own});
  info = receive_until(*operator_, 10'000, [](const Envelope& e) { return e.command == "INCIDENT_INFO"; });
  REQUIRE(info.has_value());
  CHECK(decode_body<v1::IncidentInfo>(info->body)->incident.orders.size() == 1);

  REQUIRE(system.router->stop());
  REQUIRE(system.audit.stop());
  // The router recorded the deployment it started with, once, after its replay.
  audit::SqliteStoreOptions options;
  options.path = system.db();
  options.read_only = true;
  auto store = audit::SqliteEventStore::open(options);
  REQUIRE(store.ok());
  auto events = (*store)->read_range(1, INT64_MAX, 1000);
  REQUIRE(events.ok());
  int started = 0;
  for (const auto& e : *events) {
    if (e.type != router::event_type::kRouterStarted) continue;
    ++started;
    auto body = decode_body<router::RouterStarted>(e.body);
    REQUIRE(body.ok());
    CHECK(body->deployment_version.size() == 64);
    CHECK(body->log_seq == 0);
  }
  CHECK(started == 1);
  system.broker.stop_cleanly();
}

TEST_CASE("an event of the log the router cannot apply is logged with its seq and counted, and the router starts",
          "[integration][router]") {
  LiandongSystem system(false);
  zmq::context_t ctx;
  SystemClock clock;
  auto writer = connect_client(ctx, clock, system.broker.endpoint, "late-writer", "router");
  // An order.dispatched whose body is not one (no order id, no unit).
  IdGenerator ids(clock);
  const std::string incident_id = ids.next();
  append(*writer, incident_id, router::event_type::kDispatched, "router",
         encode_body(v1::Receipt{"k", incident_id, "assigned", false}));
  system.router.emplace(system.start_router());
  CHECK(router_stats(*writer).counters.at("replay_errors") == 1);
  CHECK_THAT(read_file(system.broker.dir.file("router.log")),
             Catch::Contains("event seq 1 (order.dispatched) not applied"));
  CHECK(system.router->stop());
  CHECK(system.audit.stop());
  system.broker.stop_cleanly();
}

TEST_CASE("liandong-router --check-config refuses a deployment mistake and passes Zhuji", "[integration][router][config]") {
  TempDir dir;
  SECTION("the Zhuji deployment checks clean") {
    auto p = ChildProcess::start({LIANDONG_ROUTER_BIN, "--config", LIANDONG_SOURCE_DIR "/config/liandong.toml", "--check-config"},
                                 dir.file("out.log"));
    CHECK(p.wait_exit(std::chrono::seconds(60)) == 0);
    CHECK_THAT(read_file(dir.file("out.log")), Catch::Contains("12170 grids") && Catch::Contains("config ok"));
  }
  SECTION("a misspelt ladder rung is refused with file, line, key and value") {
    const std::filesystem::path deployment = dir.file("zhuji");
    std::filesystem::create_directories(deployment);
    for (const auto& entry : std::filesystem::directory_iterator(LIANDONG_SOURCE_DIR "/config/zhuji")) {
      std::filesystem::copy(entry.path(), deployment / entry.path().filename());
    }
    std::string routing = read_file((deployment / "routing.toml").string());
    const std::string rungs = "rungs = [\"supervisor\", \"command.centre\"]";
    const auto at = routing.find(rungs);
    REQUIRE(at != std::string::npos);
    const auto line = 1 + std::count(routing.begin(), routing.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    routing.replace(at, rungs.size(), "rungs = [\"supervisor\", \"command.center\"]");
    std::ofstream((deployment / "routing.toml").string(), std::ios::trunc) << routing;
    auto p = ChildProcess::start({LIANDONG_ROUTER_BIN, "--deployment", deployment.string(), "--check-config"},
                                 dir.file("out.log"));
    CHECK(p.wait_exit(std::chrono::seconds(60)) == 2);
    const std::string out = read_file(dir.file("out.log"));
    CHECK_THAT(out, Catch::Contains((deployment / "routing.toml").string() + ":" + std::to_string(line) + ":") &&
                        Catch::Contains("ladders.office.rungs") && Catch::Contains("command.center"));
    CHECK_THAT(out, !Catch::Contains("config ok"));
  }
}
