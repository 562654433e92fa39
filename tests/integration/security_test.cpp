// The bus locked down (issue #7, docs/security.md): a real broker with CurveZMQ keys and an
// allowlist, the real audit service and router. Unknown and revoked keys are refused, a key
// registers only its names and role, roles limit what a peer may send, a unit answers only its
// own orders, and a flooding peer gets BUSY while another's P1 report is still routed; every
// refusal lands in the audit log as a security event.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/curve_keys.hpp"
#include "core/key_allowlist.hpp"
#include "schemas/messages.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "services/gw_watch/relay_protocol.hpp"
#include "tests/integration/broker_fixture.hpp"

using namespace liandong;
using namespace liandong::testing;

namespace {

// Every process of one secured test system, each started with --keys pointing at `keys`.
struct SecureSystem {
  TempDir dir;
  std::string keys = dir.file("keys");
  std::string config = dir.file("liandong.toml");
  std::string endpoint;  // before `broker`: start_broker() sets it
  ChildProcess broker;
  std::optional<ChildProcess> audit;
  std::optional<ChildProcess> router;

  explicit SecureSystem(bool with_services = true) : broker(start_broker()) {
    if (!with_services) return;
    audit.emplace(start_service(LIANDONG_AUDIT_BIN, "audit",
                                {"--db", dir.file("audit.db"), "--ready-file", dir.file("audit.ready")}));
    router.emplace(start_service(LIANDONG_ROUTER_BIN, "router",
                                 {"--config", LIANDONG_SOURCE_DIR "/config/liandong.toml", "--ready-file",
                                  dir.file("router.ready")}));
  }

  // Creates LABEL.key/.pub and, unless told otherwise, enrolls it.
  CurveClientKeys key(const std::string& label, const std::string& role, const std::string& names,
                      bool enroll = true) {
    auto k = generate_key(label, role, names);
    REQUIRE(k.ok());
    REQUIRE(write_key_files(keys, *k).ok());
    if (enroll) {
      REQUIRE(edit_allowlist(keys, [&](KeyAllowlist& list) {
                return list.enroll({label, k->public_key, role, names, enrolment_time_now(), {}});
              }).ok());
    }
    auto loaded = load_client_keys(keys, label);
    REQUIRE(loaded.ok());
    return *loaded;
  }

  ChildProcess start_broker() {
    auto broker_key = generate_key("broker", "broker", "broker");
    REQUIRE(broker_key.ok());
    REQUIRE(write_key_files(keys, *broker_key).ok());
    for (const char* service : {"audit", "router"}) key(service, service, service);
    // Small buckets for operators so a test can flood one in a moment; units keep the default.
    std::ofstream(config) << "[broker]\nheartbeat_ms = 250\n[broker.rate_limits]\ncli = { per_second = 20, burst = 20 }\n";
    auto p = ChildProcess::start({LIANDONG_BROKER_BIN, "--config", config, "--endpoint", "tcp://127.0.0.1:0",
                                  "--keys", keys, "--ready-file", dir.file("broker.ready")},
                                 dir.file("broker.log"));
    auto ready = wait_for_ready_file(dir.file("broker.ready"));
    INFO(read_file(dir.file("broker.log")));
    REQUIRE(ready.has_value());
    endpoint = *ready;
    return p;
  }

  ChildProcess start_service(const std::string& binary, const std::string& name, std::vector<std::string> args) {
    std::vector<std::string> argv = {binary, "--broker", endpoint, "--keys", keys};
    argv.insert(argv.end(), args.begin(), args.end());
    auto p = ChildProcess::start(argv, dir.file(name + ".log"));
    auto ready = wait_for_ready_file(dir.file(name + ".ready"), std::chrono::seconds(30));
    INFO(read_file(dir.file(name + ".log")));
    REQUIRE(ready.has_value());
    return p;
  }

  std::unique_ptr<BusClient> client(zmq::context_t& ctx, const Clock& clock, const std::string& name,
                                    const std::string& role, std::optional<CurveClientKeys> keys) {
    BusClientOptions options;
    options.endpoint = endpoint;
    options.name = name;
    options.role = role;
    options.heartbeat_ms = 100;
    options.register_timeout_ms = 3000;
    options.curve = std::move(keys);
    return std::make_unique<BusClient>(ctx, options, clock);
  }

  // Waits (bounded) for a security event of `type` about `peer` in the audit log.
  std::optional<v1::SecurityEvent> security_event(const std::string& type, const std::string& peer) {
    return security_event_where(type, [&](const v1::SecurityEvent& e) { return e.peer == peer; });
  }
  // Waits (bounded) for a security event of `type` that `match` accepts.
  template <class Match>
  std::optional<v1::SecurityEvent> security_event_where(const std::string& type, Match&& match) {
    for (int attempt = 0; attempt < 100; ++attempt) {
      audit::SqliteStoreOptions options;
      options.path = dir.file("audit.db");
      options.read_only = true;
      if (auto store = audit::SqliteEventStore::open(options); store.ok()) {
        if (auto events = (*store)->read_range(1, INT64_MAX, 100'000); events.ok()) {
          for (const auto& e : *events) {
            if (e.type != type) continue;
            auto body = decode_body<v1::SecurityEvent>(e.body);
            if (body.ok() && match(*body)) return *body;
          }
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::nullopt;
  }

  void stop() {
    INFO(read_file(dir.file("broker.log")));
    if (router) CHECK(router->stop());
    if (audit) CHECK(audit->stop());
    CHECK(broker.stop());
  }
};

std::optional<v1::Error> error_for(BusClient& client, const std::string& message_id, Millis timeout_ms = 5000) {
  auto env = receive_until(client, timeout_ms, [&](const Envelope& e) {
    if (e.command != v1::Error::kCommand) return false;
    auto err = decode_body<v1::Error>(e.body);
    return err.ok() && err->reply_to == message_id;
  });
  if (!env) return std::nullopt;
  return *decode_body<v1::Error>(env->body);
}

v1::IncidentReport report(const std::string& id, const std::string& category, std::int64_t priority) {
  v1::IncidentReport r;
  r.report_id = id;
  r.source = "110";
  r.category = category;
  r.priority = priority;
  r.grid = "G00001";  // grids.csv: police.ps01, fire.st01, ems.st01, traffic.sq01
  r.caller = v1::Caller{"13900000000", std::nullopt};
  r.reported_at_ms = 1'790'000'000'000;
  return r;
}

// A phone relay on the watch gateway's relay socket: HELLO, then whether WELCOME came (bounded).
bool relay_welcomed(zmq::context_t& ctx, const std::string& endpoint, const CurveClientKeys& keys,
                    const std::string& server_key) {
  zmq::socket_t relay(ctx, zmq::socket_type::dealer);
  relay.set(zmq::sockopt::linger, 0);
  relay.set(zmq::sockopt::curve_serverkey, server_key);
  relay.set(zmq::sockopt::curve_publickey, keys.public_key);
  relay.set(zmq::sockopt::curve_secretkey, keys.secret_key);
  relay.connect(endpoint);
  watch::Hello hello;
  hello.relay_id = keys.label;
  hello.area = "G00001";
  const auto frames = watch::make_relay_frames(watch::Hello::kCommand, "h1", encode_body(hello));
  for (std::size_t i = 0; i < frames.size(); ++i) {
    relay.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  for (int i = 0; i < 30; ++i) {
    zmq::pollitem_t item{relay.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    std::vector<zmq::message_t> reply;
    zmq::message_t m;
    do {
      (void)relay.recv(m);
      reply.emplace_back(std::move(m));
    } while (reply.back().more());
    return reply.size() >= 2 && reply[1].to_string() == watch::Welcome::kCommand;
  }
  return false;
}

}  // namespace

TEST_CASE("the broker refuses unknown keys, plain peers, and names or roles a key was not enrolled for",
          "[integration][security]") {
  SecureSystem sys(false);
  zmq::context_t ctx;
  SystemClock clock;

  SECTION("an enrolled key registers as its own name") {
    auto ok = sys.client(ctx, clock, "gateway.110", "gateway", sys.key("gateway.110", "gateway", "gateway.110"));
    auto s = ok->connect();
    INFO(s.to_string());
    CHECK(s.ok());
  }
  SECTION("a key that was never enrolled") {
    auto stranger = sys.client(ctx, clock, "gateway.110", "gateway", sys.key("stranger", "gateway", "gateway.110", false));
    auto s = stranger->connect();
    CHECK(s.code() == ErrorCode::kForbidden);
    CHECK_THAT(s.message(), Catch::Contains("not enrolled"));
  }
  SECTION("a plain peer without keys") {
    auto plain = sys.client(ctx, clock, "gateway.110", "gateway", std::nullopt);
    auto s = plain->connect();
    CHECK(s.code() == ErrorCode::kForbidden);
    CHECK_THAT(s.message(), Catch::Contains("requires CurveZMQ"));
  }
  SECTION("a unit key claiming a gateway's name, and a role it was not enrolled for") {
    const auto units = sys.key("units", "unit", "unit:*");
    auto as_gateway = sys.client(ctx, clock, "gateway.110", "unit", units);
    auto s = as_gateway->connect();
    CHECK(s.code() == ErrorCode::kForbidden);
    CHECK_THAT(s.message(), Catch::Contains("may register as 'unit:*', not as 'gateway.110'"));
    auto wrong_role = sys.client(ctx, clock, "unit:police.ps01", "router", units);
    s = wrong_role->connect();
    CHECK(s.code() == ErrorCode::kForbidden);
    CHECK_THAT(s.message(), Catch::Contains("enrolled for role 'unit'"));
  }
  sys.stop();
}

TEST_CASE("a plain client and a client holding another broker key are counted in keys_refused and recorded",
          "[integration][security]") {
  SecureSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  auto plain = sys.client(ctx, clock, "gateway.110", "gateway", std::nullopt);
  CHECK(plain->connect().code() == ErrorCode::kForbidden);
  auto keys = sys.key("gateway.110", "gateway", "gateway.110");
  auto impostor_broker = generate_key("broker", "broker", "broker");
  REQUIRE(impostor_broker.ok());
  keys.broker_public_key = impostor_broker->public_key;  // e.g. broker.pub of another deployment
  auto misled = sys.client(ctx, clock, "gateway.110", "gateway", keys);
  CHECK(misled->connect().code() == ErrorCode::kForbidden);

  auto plain_event = sys.security_event_where(std::string(v1::security_event::kKeyRefused), [](const v1::SecurityEvent& e) {
    return e.reason.find("plain connection") != std::string::npos;
  });
  INFO(read_file(sys.dir.file("broker.log")));
  INFO(read_file(sys.dir.file("audit.log")));
  REQUIRE(plain_event.has_value());
  // libzmq names the broker's own endpoint for these failures, not the client's address.
  CHECK(plain_event->peer == sys.endpoint);
  auto key_event = sys.security_event_where(std::string(v1::security_event::kKeyRefused), [](const v1::SecurityEvent& e) {
    return e.reason.find("another broker public key") != std::string::npos;
  });
  CHECK(key_event.has_value());

  auto operator_client = sys.client(ctx, clock, "cli-stats", "cli", sys.key("operator", "cli", "cli-*"));
  REQUIRE(operator_client->connect().ok());
  operator_client->send_message("", v1::Stats{});
  auto env = receive_until(*operator_client, 3000, [](const Envelope& e) { return e.command == v1::StatsReply::kCommand; });
  REQUIRE(env.has_value());
  auto stats = decode_body<v1::StatsReply>(env->body);
  REQUIRE(stats.ok());
  // Each failed connect() may have knocked more than once (the DEALER retries): at least one each.
  CHECK(stats->counters["keys_refused"] >= 2);
  sys.stop();
}

TEST_CASE("a revoked key loses its session at once and is refused when it connects again", "[integration][security]") {
  SecureSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  const auto keys = sys.key("console.7", "console", "console.7");
  auto console = sys.client(ctx, clock, "console.7", "console", keys);
  REQUIRE(console->connect().ok());

  REQUIRE(edit_allowlist(sys.keys, [](KeyAllowlist& list) { return list.revoke("console.7", enrolment_time_now()); }).ok());
  // The broker re-reads the allowlist within a second and drops the session with a DISCONNECT.
  auto bye = receive_until(*console, 5000, [](const Envelope& e) { return e.command == v1::Disconnect::kCommand; });
  REQUIRE(bye.has_value());
  CHECK_THAT(std::string(decode_body<v1::Disconnect>(bye->body)->reason.value_or("")), Catch::Contains("revoked"));

  auto again = sys.client(ctx, clock, "console.7", "console", keys);
  auto s = again->connect();
  CHECK(s.code() == ErrorCode::kForbidden);
  CHECK_THAT(s.message(), Catch::Contains("not enrolled, or it was revoked"));
  auto dropped = sys.security_event(std::string(v1::security_event::kSessionDropped), "console.7");
  REQUIRE(dropped.has_value());
  CHECK(dropped->key == "console.7");
  sys.stop();
}

TEST_CASE("roles limit what a peer may send: a relay's dispatch order and a unit acknowledging another "
          "unit's order are refused and audited",
          "[integration][security]") {
  SecureSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  auto gateway = sys.client(ctx, clock, "gateway.96345", "gateway", sys.key("gateway.96345", "gateway", "gateway.96345"));
  REQUIRE(gateway->connect().ok());
  const auto unit_keys = sys.key("units", "unit", "unit:*");
  auto approval = sys.client(ctx, clock, "unit:dept.approval", "unit", unit_keys);
  REQUIRE(approval->connect().ok());
  auto other = sys.client(ctx, clock, "unit:police.ps01", "unit", unit_keys);
  REQUIRE(other->connect().ok());
  auto relay = sys.client(ctx, clock, "relay.01", "relay", sys.key("relay.01", "relay", "relay.01"));
  REQUIRE(relay->connect().ok());

  SECTION("a relay may not issue a dispatch order") {
    v1::DispatchOrder fake;
    fake.order_id = "fake-1";
    fake.incident_id = "inc-1";
    fake.unit = "police.ps01";
    fake.source = "watch";
    fake.category = "crime.theft";
    fake.priority = 1;
    const auto id = relay->send_message("unit:police.ps01", fake);
    auto err = error_for(*relay, id);
    REQUIRE(err.has_value());
    CHECK(err->name == "FORBIDDEN");
    CHECK_THAT(err->message, Catch::Contains("role 'relay' may not send DISPATCH_ORDER"));
    // Nothing reached the unit.
    CHECK_FALSE(receive_until(*other, 300, [](const Envelope& e) { return e.command == v1::DispatchOrder::kCommand; }));
    auto event = sys.security_event(std::string(v1::security_event::kRefused), "relay.01");
    REQUIRE(event.has_value());
    CHECK(event->command == "DISPATCH_ORDER");
    CHECK(event->role == "relay");
  }
  SECTION("a unit may not acknowledge another unit's order") {
    auto consultation = report("sec-c-1", "consult.policy", 4);
    consultation.source = "96345";
    gateway->send_message("router", consultation);
    auto order_env = receive_until(*approval, 10000, [](const Envelope& e) { return e.command == v1::DispatchOrder::kCommand; });
    REQUIRE(order_env.has_value());
    const auto order = *decode_body<v1::DispatchOrder>(order_env->body);

    v1::OrderAck ack;
    ack.order_id = order.order_id;
    ack.unit = "dept.approval";  // claiming to be the unit the order went to
    const auto id = other->send_message("router", ack);
    auto err = error_for(*other, id);
    REQUIRE(err.has_value());
    CHECK(err->name == "FORBIDDEN");
    CHECK_THAT(err->message, Catch::Contains("may answer only its own orders"));
    auto event = sys.security_event(std::string(v1::security_event::kRefused), "unit:police.ps01");
    REQUIRE(event.has_value());
    CHECK(event->command == "ORDER_ACK");

    // The unit the order went to still accepts it.
    const auto own = approval->send_message("router", ack);
    auto receipt = receive_until(*approval, 5000, [](const Envelope& e) { return e.command == v1::Receipt::kCommand; });
    CHECK(receipt.has_value());
    (void)own;
  }
  sys.stop();
}

TEST_CASE("a unit forging the broker's UNROUTABLE for another unit's order does not take the order away",
          "[integration][security]") {
  SecureSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  auto gateway = sys.client(ctx, clock, "gateway.96345", "gateway", sys.key("gateway.96345", "gateway", "gateway.96345"));
  REQUIRE(gateway->connect().ok());
  const auto unit_keys = sys.key("units", "unit", "unit:*");
  auto approval = sys.client(ctx, clock, "unit:dept.approval", "unit", unit_keys);
  REQUIRE(approval->connect().ok());
  auto forger = sys.client(ctx, clock, "unit:police.ps01", "unit", unit_keys);
  REQUIRE(forger->connect().ok());

  auto consultation = report("sec-forge-1", "consult.policy", 4);
  consultation.source = "96345";
  gateway->send_message("router", consultation);
  auto order_env = receive_until(*approval, 10000, [](const Envelope& e) { return e.command == v1::DispatchOrder::kCommand; });
  REQUIRE(order_env.has_value());
  const auto order = *decode_body<v1::DispatchOrder>(order_env->body);

  // What the broker says when a unit is not connected, sent by a peer instead.
  forger->send_message("router", v1::make_error(ErrorCode::kUnroutable, "peer 'unit:dept.approval' is no longer connected",
                                                order.order_id, std::string(v1::DispatchOrder::kCommand)));
  auto event = sys.security_event(std::string(v1::security_event::kRefused), "unit:police.ps01");
  REQUIRE(event.has_value());
  CHECK(event->command == "ERROR");
  CHECK_THAT(event->reason, Catch::Contains("only the broker raises UNROUTABLE"));

  // The order is still its (connected) unit's: accepting it is recorded, not refused as escalated.
  v1::OrderAck ack;
  ack.order_id = order.order_id;
  ack.unit = order.unit;
  ack.accepted = true;
  const auto id = approval->send_message("router", ack);
  auto answer = receive_until(*approval, 5000, [&](const Envelope& e) {
    if (e.command == v1::Receipt::kCommand) return true;
    if (e.command != v1::Error::kCommand) return false;
    auto err = decode_body<v1::Error>(e.body);
    return err.ok() && err->reply_to == id;
  });
  REQUIRE(answer.has_value());
  INFO(answer->command << " " << (answer->command == v1::Error::kCommand ? decode_body<v1::Error>(answer->body)->message : ""));
  REQUIRE(answer->command == v1::Receipt::kCommand);
  const auto receipt = *decode_body<v1::Receipt>(answer->body);
  CHECK(receipt.key == order.order_id);
  CHECK_FALSE(receipt.duplicate);
  sys.stop();
}

TEST_CASE("a flooding peer gets BUSY while another peer's P1 report is still routed", "[integration][security]") {
  SecureSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  auto flooder = sys.client(ctx, clock, "cli-flood", "cli", sys.key("operator", "cli", "cli-*"));
  REQUIRE(flooder->connect().ok());
  auto gateway = sys.client(ctx, clock, "gateway.110", "gateway", sys.key("gateway.110", "gateway", "gateway.110"));
  REQUIRE(gateway->connect().ok());
  auto police = sys.client(ctx, clock, "unit:police.ps01", "unit", sys.key("units", "unit", "unit:*"));
  REQUIRE(police->connect().ok());

  // 400 queries at once against a bucket of 20: most must be refused BUSY.
  constexpr int kFlood = 400;
  v1::IncidentsQuery query;
  for (int i = 0; i < kFlood; ++i) flooder->send_message("router", query);
  const auto report_id = gateway->send_message("router", report("sec-p1-1", "traffic.accident", 1));

  auto ack = receive_until(*gateway, 10000, [](const Envelope& e) { return e.command == v1::ReportAck::kCommand; });
  REQUIRE(ack.has_value());
  auto order = receive_until(*police, 10000, [](const Envelope& e) { return e.command == v1::DispatchOrder::kCommand; });
  REQUIRE(order.has_value());
  CHECK(decode_body<v1::DispatchOrder>(order->body)->priority == 1);
  (void)report_id;

  int busy = 0;
  int answered = 0;
  for (int i = 0; i < 2 * kFlood && busy + answered < kFlood; ++i) {
    auto env = flooder->receive(2000);
    if (!env) break;
    if (env->command == v1::Error::kCommand) {
      auto err = decode_body<v1::Error>(env->body);
      if (err.ok() && err->name == "BUSY") ++busy;
    } else if (env->command == v1::IncidentList::kCommand) {
      ++answered;
    }
  }
  INFO("busy " << busy << ", answered " << answered);
  CHECK(busy >= kFlood - 100);  // the bucket refills at 20/s: far fewer than 100 more can pass
  CHECK(answered >= 20);
  CHECK(busy + answered == kFlood);
  auto event = sys.security_event(std::string(v1::security_event::kRateLimited), "cli-flood");
  REQUIRE(event.has_value());
  CHECK_THAT(event->reason, Catch::Contains("rate limit"));
  sys.stop();
}

TEST_CASE("the watch gateway's relay socket admits only enrolled relay keys", "[integration][security]") {
  SecureSystem sys;
  zmq::context_t ctx;
  const auto gateway_keys = sys.key("gateway.watch", "gateway", "gateway.watch");
  auto gw = ChildProcess::start({LIANDONG_GW_WATCH_BIN, "--config", LIANDONG_SOURCE_DIR "/config/liandong.toml",
                                 "--broker", sys.endpoint, "--keys", sys.keys, "--data-dir", sys.dir.path(),
                                 "--ready-file", sys.dir.file("gw-watch.ready"), "--listen", "tcp://127.0.0.1:0"},
                                sys.dir.file("gw-watch.log"));
  auto relay_endpoint = wait_for_ready_file(sys.dir.file("gw-watch.ready"), std::chrono::seconds(20));
  INFO(read_file(sys.dir.file("gw-watch.log")));
  REQUIRE(relay_endpoint.has_value());

  CHECK(relay_welcomed(ctx, *relay_endpoint, sys.key("relay.7", "relay", "relay.7"), gateway_keys.public_key));
  // A key that was never enrolled, and an enrolled key of another role, fail the handshake.
  CHECK_FALSE(relay_welcomed(ctx, *relay_endpoint, sys.key("relay.x", "relay", "relay.x", false), gateway_keys.public_key));
  CHECK_FALSE(relay_welcomed(ctx, *relay_endpoint, sys.key("console.1", "console", "console.1"), gateway_keys.public_key));
  CHECK_THAT(read_file(sys.dir.file("gw-watch.log")),
             Catch::Contains("refused a relay connection") && Catch::Contains("not relay"));
  CHECK(gw.stop());
  sys.stop();
}
