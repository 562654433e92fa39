// The broker's security checks without sockets (docs/security.md): REGISTER against the enrolled
// key's names and role, messages against the sender's role, revocation, the ZAP decision, rate
// limits, and the security events sent to the audit peer. As in broker_test.cpp, a recording sink
// stands in for the ROUTER socket and a ManualClock drives time. Tests name a connection's key by
// its label; the fixture turns that into the public key the connection would have authenticated
// with (libzmq attaches the ZAP user id, the public key, to each of its messages).
#include <catch2/catch.hpp>
#include <zmq.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/broker.hpp"
#include "core/codec.hpp"
#include "core/curve_keys.hpp"
#include "core/envelope.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace liandong;
using namespace liandong::broker;

namespace {
using Sent = liandong::testing::SentFrames;
using liandong::testing::RecordingSink;

std::string fresh_public_key() {
  auto key = generate_key("k", "unit", "k");
  REQUIRE(key.ok());
  return key->public_key;
}

EnrolledKey enrolled(const std::string& label, const std::string& role, const std::string& names) {
  return EnrolledKey{label, fresh_public_key(), role, names, "2026-01-01T00:00:00Z", ""};
}

// The allowlist of a small deployment: a key for simulated units, the router's, audit's, a
// gateway's and a relay's.
KeyAllowlist deployment_allowlist() {
  KeyAllowlist list;
  for (auto key : {enrolled("units", "unit", "unit:*"), enrolled("router", "router", "router"),
                   enrolled("audit", "audit", "audit"), enrolled("gateway.110", "gateway", "gateway.110"),
                   enrolled("relay.east", "relay", "relay.east")}) {
    REQUIRE(list.enroll(std::move(key)).ok());
  }
  return list;
}

BrokerConfig test_config() {
  BrokerConfig c;
  // Long enough that no heartbeat or expiry happens during a test: on_tick() only sends
  // security events.
  c.heartbeat_ms = 60'000;
  c.max_frame_bytes = 4096;
  return c;
}

struct Fixture {
  explicit Fixture(BrokerConfig c = test_config()) : config(std::move(c)) {}
  ManualClock clock;
  RecordingSink sink;
  BrokerConfig config;
  Broker broker{config, clock, sink};
  // label -> the public key a connection with that label authenticated with: the first key seen
  // for a label, as a connection keeps the key of its handshake whatever is enrolled later.
  std::map<std::string, std::string> handshake_key;

  void set_allowlist(const KeyAllowlist& list) {
    for (const auto& key : list.keys()) handshake_key.try_emplace(key.label, key.public_key);
    broker.set_allowlist(list);
  }
  std::string connection_key(const std::string& label) const {
    auto it = handshake_key.find(label);
    return it == handshake_key.end() ? label : it->second;
  }

  void deliver(const std::string& from, std::string_view command, std::string_view peer, std::string_view id,
               std::string_view body, const std::string& key_label = {}) {
    auto frames = make_frames(command, peer, id, body);
    broker.on_message(from, frames, key_label.empty() ? key_label : connection_key(key_label));
  }
  void send_register(const std::string& from, const std::string& name, const std::string& role,
                     const std::string& key_label) {
    deliver(from, "REGISTER", "", "reg-" + name, encode_body(v1::Register{name, role, std::nullopt, std::nullopt}),
            key_label);
  }
  void register_peer(const std::string& from, const std::string& name, const std::string& role,
                     const std::string& key_label = {}) {
    send_register(from, name, role, key_label);
    auto out = sink.take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].to == from);
    REQUIRE(out[0].env.command == "REGISTERED");
  }
  v1::Error only_error_to(const std::string& to) {
    auto out = sink.take();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].to == to);
    REQUIRE(out[0].env.command == "ERROR");
    auto err = decode_body<v1::Error>(out[0].env.body);
    REQUIRE(err.ok());
    return *err;
  }
  // The security events the broker sent to the audit peer (routing id "AUD") on this tick.
  std::vector<std::pair<v1::AuditEvent, v1::SecurityEvent>> audit_events_on_tick() {
    broker.on_tick();
    std::vector<std::pair<v1::AuditEvent, v1::SecurityEvent>> events;
    for (const Sent& s : sink.take()) {
      REQUIRE(s.to == "AUD");
      REQUIRE(s.env.command == "AUDIT_EVENT");
      CHECK(s.env.peer == "broker");
      auto event = decode_body<v1::AuditEvent>(s.env.body);
      REQUIRE(event.ok());
      CHECK(s.env.message_id == event->event_id);
      CHECK(event->actor == "broker");
      auto body = decode_body<v1::SecurityEvent>(event->body.bytes);
      REQUIRE(body.ok());
      events.emplace_back(*event, *body);
    }
    return events;
  }
};

// A fixture with authentication on and the router and audit registered with their keys.
struct SecureFixture : Fixture {
  explicit SecureFixture(BrokerConfig c = test_config()) : Fixture(std::move(c)) {
    set_allowlist(deployment_allowlist());
    REQUIRE(broker.authenticating());
    register_peer("RTR", "router", "router", "router");
    register_peer("AUD", "audit", "audit", "audit");
  }
};
}  // namespace

TEST_CASE("REGISTER is checked against the enrolled key's names and role", "[security][broker]") {
  SecureFixture f;

  SECTION("a name the key covers, with its role") {
    f.register_peer("U1", "unit:a", "unit", "units");
    const Peer* peer = f.broker.peers().by_name("unit:a");
    REQUIRE(peer != nullptr);
    CHECK(peer->key_label == "units");
    CHECK(peer->role == "unit");
    CHECK(f.broker.counter("refused_forbidden") == 0);
  }
  SECTION("a name outside the key's pattern") {
    f.send_register("U1", "gateway.110", "gateway", "units");
    auto err = f.only_error_to("U1");
    CHECK(err.code == 108);
    CHECK(err.name == "FORBIDDEN");
    CHECK(err.reply_to == "reg-gateway.110");
    CHECK(err.command == "REGISTER");
    CHECK_THAT(err.message, Catch::Contains("may register as 'unit:*', not as 'gateway.110'"));
    CHECK(f.broker.peers().by_name("gateway.110") == nullptr);
  }
  SECTION("the key's name pattern with another role") {
    f.send_register("U1", "unit:a", "router", "units");
    auto err = f.only_error_to("U1");
    CHECK(err.name == "FORBIDDEN");
    CHECK_THAT(err.message, Catch::Contains("enrolled for role 'unit', not 'router'"));
    CHECK(f.broker.peers().by_name("unit:a") == nullptr);
  }
  SECTION("the router's name with a unit key") {
    f.send_register("U1", "router", "router", "units");
    CHECK(f.only_error_to("U1").name == "FORBIDDEN");
    CHECK(f.broker.peers().by_name("router")->routing_id == "RTR");  // not taken over
  }
  SECTION("a key label not in the list") {
    f.send_register("U1", "unit:a", "unit", "ghost");
    auto err = f.only_error_to("U1");
    CHECK(err.name == "FORBIDDEN");
    CHECK_THAT(err.message, Catch::Contains("key is not enrolled any more"));
  }
  SECTION("no key at all (a plain connection)") {
    f.send_register("U1", "unit:a", "unit", "");
    CHECK(f.only_error_to("U1").name == "FORBIDDEN");
  }
  SECTION("the reserved name 'broker', even for a key whose pattern covers it") {
    Fixture g;
    KeyAllowlist list;
    REQUIRE(list.enroll(enrolled("b-things", "router", "b*")).ok());
    g.set_allowlist(std::move(list));
    g.send_register("B", "broker", "router", "b-things");
    auto err = g.only_error_to("B");
    CHECK(err.name == "INVALID_REGISTRATION");
    CHECK_THAT(err.message, Catch::Contains("'broker' is reserved"));
    CHECK(g.broker.peers().size() == 0);
  }
}

TEST_CASE("a refused REGISTER is counted and becomes a security.refused event", "[security][broker]") {
  SecureFixture f;
  f.send_register("U1", "gateway.110", "gateway", "units");
  f.sink.take();
  CHECK(f.broker.counter("refused_forbidden") == 1);
  CHECK(f.broker.errors(ErrorCode::kForbidden) == 1);
  auto events = f.audit_events_on_tick();
  REQUIRE(events.size() == 1);
  CHECK(events[0].first.type == "security.refused");
  const v1::SecurityEvent& body = events[0].second;
  CHECK(body.peer == "gateway.110");
  CHECK(body.role == std::optional<std::string>("gateway"));
  CHECK(body.key == std::optional<std::string>("units"));
  CHECK(body.command == std::optional<std::string>("REGISTER"));
  CHECK(body.message_id == std::optional<std::string>("reg-gateway.110"));
}

TEST_CASE("REGISTER as 'broker' is refused in plain mode too", "[security][broker]") {
  Fixture f;
  f.send_register("B", "broker", "router", "");
  auto err = f.only_error_to("B");
  CHECK(err.name == "INVALID_REGISTRATION");
  CHECK(f.broker.peers().size() == 0);
}

TEST_CASE("a command the sender's role may not send is FORBIDDEN, not forwarded, and audited",
          "[security][broker]") {
  SecureFixture f;
  f.register_peer("U1", "unit:a", "unit", "units");
  f.register_peer("U2", "unit:b", "unit", "units");

  f.deliver("U1", "DISPATCH_ORDER", "unit:b", "m-order", "\x80", "units");
  auto err = f.only_error_to("U1");  // and nothing to unit:b
  CHECK(err.code == 108);
  CHECK(err.name == "FORBIDDEN");
  CHECK(err.reply_to == "m-order");
  CHECK(err.command == "DISPATCH_ORDER");
  CHECK_THAT(err.message, Catch::Contains("role 'unit' may not send DISPATCH_ORDER") &&
                              Catch::Contains("ORDER_ACK, STATUS_UPDATE, ERROR, STATS"));
  CHECK(f.broker.counter("forwarded") == 0);
  CHECK(f.broker.counter("refused_forbidden") == 1);

  auto events = f.audit_events_on_tick();
  REQUIRE(events.size() == 1);
  CHECK(events[0].first.type == "security.refused");
  const v1::SecurityEvent& body = events[0].second;
  CHECK(body.peer == "unit:a");
  CHECK(body.role == std::optional<std::string>("unit"));
  CHECK(body.key == std::optional<std::string>("units"));
  CHECK(body.command == std::optional<std::string>("DISPATCH_ORDER"));
  CHECK(body.message_id == std::optional<std::string>("m-order"));
  CHECK(body.repeated == 0);

  // What the role may send still goes through.
  f.deliver("U1", "ORDER_ACK", "router", "m-ack", "\x80", "units");
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "RTR");
  CHECK(out[0].env.command == "ORDER_ACK");
  CHECK(out[0].env.peer == "unit:a");
  // And the router may send what units may not.
  f.deliver("RTR", "DISPATCH_ORDER", "unit:b", "m-real-order", "\x80", "router");
  out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "U2");
  CHECK(out[0].env.command == "DISPATCH_ORDER");
}

TEST_CASE("a relay cannot fake the router's answers or write to the audit log", "[security][broker]") {
  SecureFixture f;
  f.register_peer("GW", "gateway.110", "gateway", "gateway.110");
  f.register_peer("RL", "relay.east", "relay", "relay.east");
  for (std::string_view command : {"REPORT_ACK", "RECEIPT", "DISPATCH_ORDER", "AUDIT_EVENT", "STATUS_UPDATE"}) {
    INFO(command);
    f.deliver("RL", command, "gateway.110", "m", "\x80", "relay.east");
    CHECK(f.only_error_to("RL").name == "FORBIDDEN");
  }
  f.deliver("RL", "INCIDENT_REPORT", "router", "m-alarm", "\x80", "relay.east");
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "RTR");
  CHECK(out[0].env.peer == "relay.east");
  CHECK(f.broker.counter("forwarded") == 1);
  CHECK(f.broker.counter("refused_forbidden") == 5);
}

TEST_CASE("the broker's security events are sent to audit until acknowledged", "[security][broker]") {
  SecureFixture f;
  f.register_peer("U1", "unit:a", "unit", "units");
  f.deliver("U1", "DISPATCH_ORDER", "router", "m-1", "\x80", "units");
  f.sink.take();

  auto first = f.audit_events_on_tick();
  REQUIRE(first.size() == 1);
  const std::string event_id = first[0].first.event_id;
  CHECK(f.audit_events_on_tick().empty());  // sent, not yet due again

  SECTION("unacknowledged: sent again after the retry interval") {
    f.clock.advance(SecurityRecorder::kRetryMs);
    auto again = f.audit_events_on_tick();
    REQUIRE(again.size() == 1);
    CHECK(again[0].first.event_id == event_id);
    CHECK(f.broker.stats().counters.at("security_events_pending") == 1);
  }
  SECTION("acknowledged by audit: never sent again") {
    f.deliver("AUD", "AUDIT_ACK", "broker", "ack-1", encode_body(v1::AuditAck{event_id, 17, false}), "audit");
    CHECK(f.sink.take().empty());  // an answer to the broker is not forwarded anywhere
    CHECK(f.broker.stats().counters.at("security_events_pending") == 0);
    f.clock.advance(SecurityRecorder::kRetryMs);
    CHECK(f.audit_events_on_tick().empty());
  }
  SECTION("a unit cannot acknowledge the events away") {
    f.deliver("U1", "AUDIT_ACK", "broker", "ack-fake", encode_body(v1::AuditAck{event_id, 1, false}), "units");
    CHECK(f.only_error_to("U1").name == "FORBIDDEN");
    CHECK(f.broker.stats().counters.at("security_events_pending") == 2);  // the first one, and this refusal
  }
}

TEST_CASE("security events wait for the audit peer", "[security][broker]") {
  Fixture f;
  KeyAllowlist list = deployment_allowlist();
  f.set_allowlist(list);
  f.register_peer("RTR", "router", "router", "router");
  f.register_peer("U1", "unit:a", "unit", "units");
  f.deliver("U1", "REPORT_ACK", "router", "m-1", "\x80", "units");
  f.sink.take();
  f.broker.on_tick();
  CHECK(f.sink.take().empty());  // nobody to send them to
  CHECK(f.broker.stats().counters.at("security_events_pending") == 1);

  f.register_peer("AUD", "audit", "audit", "audit");
  auto events = f.audit_events_on_tick();
  REQUIRE(events.size() == 1);
  CHECK(events[0].second.command == std::optional<std::string>("REPORT_ACK"));
}

TEST_CASE("revoking a key drops its sessions at once", "[security][broker]") {
  Fixture f;
  KeyAllowlist list = deployment_allowlist();
  f.set_allowlist(list);  // a copy: `list` is edited below
  f.register_peer("RTR", "router", "router", "router");
  f.register_peer("AUD", "audit", "audit", "audit");
  f.register_peer("U1", "unit:a", "unit", "units");
  f.register_peer("U2", "unit:b", "unit", "units");
  REQUIRE(f.broker.peers().size() == 4);

  REQUIRE(list.revoke("units", "2026-02-01T00:00:00Z").ok());
  f.set_allowlist(list);
  auto out = f.sink.take();
  REQUIRE(out.size() == 2);
  std::set<std::string> told;
  for (const auto& s : out) {
    CHECK(s.env.command == "DISCONNECT");
    auto bye = decode_body<v1::Disconnect>(s.env.body);
    REQUIRE(bye.ok());
    CHECK(bye->reason == std::optional<std::string>("its key 'units' was revoked"));
    told.insert(s.to);
  }
  CHECK(told == std::set<std::string>{"U1", "U2"});
  CHECK(f.broker.peers().by_name("unit:a") == nullptr);
  CHECK(f.broker.peers().by_name("unit:b") == nullptr);
  CHECK(f.broker.peers().by_name("router") != nullptr);
  CHECK(f.broker.peers().by_name("audit") != nullptr);
  CHECK(f.broker.counter("sessions_dropped") == 2);

  // The dropped connection is no longer a peer, and cannot register again with that key.
  f.deliver("U1", "ORDER_ACK", "router", "m", "\x80", "units");
  CHECK(f.only_error_to("U1").name == "NOT_REGISTERED");
  f.send_register("U1", "unit:a", "unit", "units");
  auto err = f.only_error_to("U1");
  CHECK(err.name == "FORBIDDEN");
  CHECK_THAT(err.message, Catch::Contains("revoked"));

  auto events = f.audit_events_on_tick();
  std::multiset<std::string> types;
  for (const auto& [event, body] : events) types.insert(event.type);
  CHECK(types.count("security.session_dropped") == 2);
  CHECK(types.count("security.refused") == 1);
}

TEST_CASE("switching on authentication drops peers registered without a key", "[security][broker]") {
  Fixture f;
  f.register_peer("P", "unit:plain", "unit");
  CHECK_FALSE(f.broker.authenticating());
  f.set_allowlist(deployment_allowlist());
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "P");
  CHECK(out[0].env.command == "DISCONNECT");
  CHECK(f.broker.peers().size() == 0);
}

TEST_CASE("authenticate: the label of a valid enrolled key, nothing for any other", "[security][broker]") {
  Fixture f;
  SECTION("plain mode accepts any key with no label") {
    auto label = f.broker.authenticate(fresh_public_key(), "tcp://10.0.0.1:4000");
    REQUIRE(label.has_value());
    CHECK(label->empty());
  }
  SECTION("with an allowlist") {
    KeyAllowlist list = deployment_allowlist();
    const std::string units_key = list.find_label("units")->public_key;
    f.set_allowlist(list);
    // The user id is the key itself: a session is tied to it, not to a label enrolled again later.
    CHECK(f.broker.authenticate(units_key, "tcp://10.0.0.1:4000") == std::optional<std::string>(units_key));
    CHECK(f.broker.key_is_valid(units_key));
    CHECK(f.broker.counter("keys_refused") == 0);

    const std::string stranger = fresh_public_key();
    CHECK_FALSE(f.broker.authenticate(stranger, "tcp://10.6.6.6:5000").has_value());
    CHECK_FALSE(f.broker.key_is_valid(stranger));
    CHECK(f.broker.counter("keys_refused") == 1);

    REQUIRE(list.revoke("units", "2026-02-01T00:00:00Z").ok());
    f.set_allowlist(list);
    CHECK_FALSE(f.broker.authenticate(units_key, "tcp://10.0.0.1:4001").has_value());
    CHECK(f.broker.counter("keys_refused") == 2);

    f.register_peer("AUD", "audit", "audit", "audit");
    auto events = f.audit_events_on_tick();
    REQUIRE(events.size() == 2);
    std::map<std::string, v1::SecurityEvent> by_peer;
    for (const auto& [event, body] : events) {
      CHECK(event.type == "security.key_refused");
      by_peer[body.peer] = body;
    }
    REQUIRE(by_peer.count("tcp://10.6.6.6:5000") == 1);
    CHECK(by_peer["tcp://10.6.6.6:5000"].key == std::optional<std::string>(stranger));
    CHECK_THAT(by_peer["tcp://10.6.6.6:5000"].reason, Catch::Contains("is not enrolled"));
    REQUIRE(by_peer.count("tcp://10.0.0.1:4001") == 1);
    CHECK(by_peer["tcp://10.0.0.1:4001"].key == std::optional<std::string>("units"));
    CHECK_THAT(by_peer["tcp://10.0.0.1:4001"].reason, Catch::Contains("revoked at 2026-02-01T00:00:00Z"));
  }
}

TEST_CASE("handshakes that fail before a key is checked are counted in keys_refused and recorded",
          "[security][broker]") {
  SecureFixture f;
  f.audit_events_on_tick();  // nothing yet; the audit peer is registered
  f.broker.handshake_failed(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, "tcp://127.0.0.1:5570");
  f.broker.handshake_failed(ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC, "tcp://127.0.0.1:5570");
  CHECK(f.broker.counter("keys_refused") == 2);
  auto events = f.audit_events_on_tick();
  // The same kind from the same address folds: one event now, the repeat a second later.
  REQUIRE(events.size() == 1);
  CHECK(events[0].first.type == "security.key_refused");
  CHECK(events[0].second.peer == "tcp://127.0.0.1:5570");
  CHECK_THAT(events[0].second.reason, Catch::Contains("plain connection"));
  f.clock.advance(1000);
  events = f.audit_events_on_tick();
  REQUIRE(events.size() == 1);
  CHECK(events[0].second.repeated == 1);

  SECTION("plain mode has nothing to refuse") {
    Fixture plain;
    plain.broker.handshake_failed(ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH, "tcp://127.0.0.1:5570");
    plain.broker.handshake_abandoned(ECONNRESET, "tcp://127.0.0.1:5570");
    CHECK(plain.broker.counter("keys_refused") == 0);
  }
}

TEST_CASE("a connection closed during its handshake (a plain client hanging up first) is refused and recorded",
          "[security][broker]") {
  SecureFixture f;
  f.audit_events_on_tick();
  f.broker.handshake_abandoned(ECONNRESET, "tcp://127.0.0.1:5571");
  CHECK(f.broker.counter("keys_refused") == 1);
  auto events = f.audit_events_on_tick();
  REQUIRE(events.size() == 1);
  CHECK(events[0].first.type == "security.key_refused");
  CHECK(events[0].second.peer == "tcp://127.0.0.1:5571");
  CHECK_THAT(events[0].second.reason, Catch::Contains("plain connection"));
  CHECK_THAT(events[0].second.reason, Catch::Contains(std::strerror(ECONNRESET)));
}

namespace {
BrokerConfig tight_unit_limits() {
  BrokerConfig c = test_config();
  c.rate_limits = {{"unit", {1, 3}}};
  return c;
}
}  // namespace

TEST_CASE("a peer over its rate limit gets BUSY while other peers are still forwarded", "[security][broker]") {
  SecureFixture f(tight_unit_limits());
  f.register_peer("U1", "unit:a", "unit", "units");
  f.register_peer("U2", "unit:b", "unit", "units");

  for (int i = 1; i <= 3; ++i) {
    f.deliver("U1", "STATUS_UPDATE", "router", "a-" + std::to_string(i), "\x80", "units");
    auto out = f.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].to == "RTR");
  }
  f.deliver("U1", "STATUS_UPDATE", "router", "a-4", "\x80", "units");
  auto err = f.only_error_to("U1");
  CHECK(err.code == 107);
  CHECK(err.name == "BUSY");
  CHECK(err.reply_to == "a-4");
  CHECK(err.command == "STATUS_UPDATE");
  CHECK_THAT(err.message, Catch::Contains("'unit:a' is over its rate limit (1 messages/s, burst 3 for role unit)"));
  CHECK(f.broker.counter("refused_busy") == 1);
  CHECK(f.broker.errors(ErrorCode::kBusy) == 1);
  CHECK(f.broker.counter("forwarded") == 3);

  // Same millisecond: another unit and the (unlimited) router are still forwarded.
  f.deliver("U2", "STATUS_UPDATE", "router", "b-1", "\x80", "units");
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "RTR");
  CHECK(out[0].env.peer == "unit:b");
  for (int i = 0; i < 20; ++i) {
    f.deliver("RTR", "NOTICE", "unit:a", "r-" + std::to_string(i), "\x80", "router");
    out = f.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].to == "U1");
  }

  // A second later unit:a has one token again.
  f.clock.advance(1000);
  f.deliver("U1", "STATUS_UPDATE", "router", "a-5", "\x80", "units");
  out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "RTR");
  f.deliver("U1", "STATUS_UPDATE", "router", "a-6", "\x80", "units");
  CHECK(f.only_error_to("U1").name == "BUSY");

  auto events = f.audit_events_on_tick();
  REQUIRE(events.size() == 2);  // one per fold window: the BUSYs 1 s apart are not folded together
  for (const auto& [event, body] : events) {
    CHECK(event.type == "security.rate_limited");
    CHECK(body.peer == "unit:a");
    CHECK(body.key == std::optional<std::string>("units"));
  }
}

TEST_CASE("a forbidden message does not spend a token", "[security][broker]") {
  SecureFixture f(tight_unit_limits());
  f.register_peer("U1", "unit:a", "unit", "units");
  for (int i = 0; i < 10; ++i) {
    f.deliver("U1", "DISPATCH_ORDER", "router", "x-" + std::to_string(i), "\x80", "units");
    CHECK(f.only_error_to("U1").name == "FORBIDDEN");
  }
  for (int i = 0; i < 3; ++i) {
    f.deliver("U1", "ORDER_ACK", "router", "ok-" + std::to_string(i), "\x80", "units");
    auto out = f.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].to == "RTR");
  }
}

TEST_CASE("plain mode: roles are not checked but rate limits still apply", "[security][broker]") {
  Fixture f(tight_unit_limits());
  REQUIRE_FALSE(f.broker.authenticating());
  f.register_peer("U1", "unit:a", "unit");
  f.register_peer("U2", "unit:b", "unit");

  // A unit may send the router's commands: nothing is authenticated, so nothing is checked.
  for (std::string_view command : {"DISPATCH_ORDER", "REPORT_ACK", "INCIDENT_REPORT"}) {
    INFO(command);
    f.deliver("U1", command, "unit:b", std::string("m-") + std::string(command), "\x80");
    auto out = f.sink.take();
    REQUIRE(out.size() == 1);
    CHECK(out[0].to == "U2");
    CHECK(out[0].env.command == command);
  }
  CHECK(f.broker.counter("refused_forbidden") == 0);

  f.deliver("U1", "DISPATCH_ORDER", "unit:b", "m-4", "\x80");
  auto err = f.only_error_to("U1");
  CHECK(err.name == "BUSY");
  CHECK(err.reply_to == "m-4");
  f.deliver("U2", "STATUS_UPDATE", "unit:a", "b-1", "\x80");
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "U1");
}

TEST_CASE("rate limits can be switched off", "[security][broker]") {
  BrokerConfig c = tight_unit_limits();
  c.rate_limits_enabled = false;
  Fixture f(c);
  f.register_peer("U1", "unit:a", "unit");
  f.register_peer("U2", "unit:b", "unit");
  for (int i = 0; i < 100; ++i) f.deliver("U1", "STATUS_UPDATE", "unit:b", "m-" + std::to_string(i), "\x80");
  CHECK(f.broker.counter("forwarded") == 100);
  CHECK(f.broker.counter("refused_busy") == 0);
}

TEST_CASE("heartbeats do not spend tokens", "[security][broker]") {
  Fixture f(tight_unit_limits());
  f.register_peer("U1", "unit:a", "unit");
  f.register_peer("U2", "unit:b", "unit");
  for (int i = 0; i < 10; ++i) f.deliver("U1", "HEARTBEAT", "", "hb", "\x80");
  CHECK(f.sink.take().empty());
  for (int i = 0; i < 3; ++i) f.deliver("U1", "STATUS_UPDATE", "unit:b", "m-" + std::to_string(i), "\x80");
  CHECK(f.broker.counter("forwarded") == 3);
}

// --- Key rotation and flood control across sessions ------------------------------------------
// Found by these tests: the broker once identified a connection by its key's label, so a label
// revoked and enrolled again with a new key (rotation after a console is stolen) let the old
// key's connection pass every later check. Connections are now identified by their public key.

TEST_CASE("revoking a key and enrolling a replacement under its label drops the old key's sessions",
          "[security][broker]") {
  Fixture f;
  KeyAllowlist list = deployment_allowlist();
  f.set_allowlist(list);
  // U1 completed its CurveZMQ handshake with the original "units" key.
  REQUIRE(f.broker.authenticate(list.find_label("units")->public_key, "tcp://10.0.0.7:4000") ==
          std::optional<std::string>(list.find_label("units")->public_key));
  f.register_peer("U1", "unit:a", "unit", "units");

  // One reload sees both edits (the broker polls enrolled.toml every 500 ms).
  REQUIRE(list.revoke("units", "2026-02-01T00:00:00Z").ok());
  REQUIRE(list.enroll(enrolled("units", "unit", "unit:*")).ok());
  f.set_allowlist(list);

  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].env.command == "DISCONNECT");
  CHECK(f.broker.peers().by_name("unit:a") == nullptr);
}

TEST_CASE("a connection made with a revoked key cannot register after its label is re-enrolled",
          "[security][broker]") {
  Fixture f;
  KeyAllowlist list = deployment_allowlist();
  f.set_allowlist(list);
  f.register_peer("U1", "unit:a", "unit", "units");
  REQUIRE(list.revoke("units", "2026-02-01T00:00:00Z").ok());
  f.set_allowlist(list);
  REQUIRE(f.sink.take().size() == 1);  // DISCONNECT: so far as documented
  REQUIRE(f.broker.peers().by_name("unit:a") == nullptr);

  // Later the operator enrolls a new key under the same label; U1's connection (still open at the
  // ZeroMQ level, its User-Id still "units") registers again.
  REQUIRE(list.enroll(enrolled("units", "unit", "unit:*")).ok());
  f.set_allowlist(list);
  f.send_register("U1", "unit:a", "unit", "units");
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].env.command == "ERROR");
  CHECK(f.broker.peers().by_name("unit:a") == nullptr);
}

// Flood control: neither DISCONNECT nor REGISTER spends a token, so the bucket must outlive the
// registration (it once did not, and two control messages refilled a burst).
TEST_CASE("DISCONNECT and REGISTER again does not refill a spent rate limit",
          "[security][broker]") {
  Fixture f(tight_unit_limits());
  f.register_peer("U1", "unit:a", "unit");
  f.register_peer("U2", "unit:b", "unit");
  int forwarded_before = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 3; ++i) f.deliver("U1", "STATUS_UPDATE", "unit:b", "m", "\x80");
    f.deliver("U1", "DISCONNECT", "", "d", encode_body(v1::Disconnect{"bye"}));
    f.sink.take();
    f.register_peer("U1", "unit:a", "unit");
    if (round == 0) forwarded_before = static_cast<int>(f.broker.counter("forwarded"));
  }
  CHECK(forwarded_before == 3);
  CHECK(f.broker.counter("forwarded") == 3);
}
