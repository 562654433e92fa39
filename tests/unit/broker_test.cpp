// The broker's logic without sockets: a recording sink stands in for the ROUTER socket and a
// manual clock drives heartbeats and expiry.
#include <catch2/catch.hpp>

#include "broker/broker.hpp"
#include "core/codec.hpp"
#include "core/envelope.hpp"
#include "tests/unit/recording_sink.hpp"

using namespace liandong;
using namespace liandong::broker;

namespace {
using Sent = liandong::testing::SentFrames;
using liandong::testing::RecordingSink;

struct Fixture {
  ManualClock clock;
  RecordingSink sink;
  BrokerConfig config = [] {
    BrokerConfig c;
    c.heartbeat_ms = 100;
    c.max_frame_bytes = 4096;
    return c;
  }();
  Broker broker{config, clock, sink};

  void deliver(const std::string& from, std::string_view command, std::string_view peer, std::string_view id,
               std::string_view body) {
    auto frames = make_frames(command, peer, id, body);
    broker.on_message(from, frames);
  }
  void register_peer(const std::string& from, const std::string& name, const std::string& role = "unit") {
    deliver(from, "REGISTER", "", "reg-" + name, encode_body(v1::Register{name, role, std::nullopt, std::nullopt}));
    auto out = sink.take();
    REQUIRE(out.size() == 1);
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
};
}  // namespace

TEST_CASE("registration is answered with the broker's heartbeat settings", "[unit][broker]") {
  Fixture f;
  f.deliver("A", "REGISTER", "", "m1", encode_body(v1::Register{"router", "router", 500, std::nullopt}));
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "A");
  CHECK(out[0].env.command == "REGISTERED");
  CHECK(out[0].env.peer.empty());
  auto ok = decode_body<v1::Registered>(out[0].env.body);
  REQUIRE(ok.ok());
  CHECK(ok->name == "router");
  CHECK(ok->heartbeat_ms == 100);
  CHECK(ok->liveness == 3);
  CHECK(f.broker.counter("peers") == 1);
}

TEST_CASE("messages are forwarded by name with the source in place of the destination", "[unit][broker]") {
  Fixture f;
  f.register_peer("A", "gw-110", "gateway");
  f.register_peer("B", "router", "router");
  const std::string body = "\x81\xa1k\x01";  // any bytes: the broker does not decode bodies
  f.deliver("A", "INCIDENT_REPORT", "router", "m-1", body);
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "B");
  CHECK(out[0].env.command == "INCIDENT_REPORT");
  CHECK(out[0].env.peer == "gw-110");
  CHECK(out[0].env.message_id == "m-1");
  CHECK(out[0].env.body == body);
  CHECK(f.broker.counter("forwarded") == 1);
}

TEST_CASE("each broker error is sent to the offender with its code and counted", "[unit][broker]") {
  Fixture f;
  SECTION("unregistered sender") {
    f.deliver("X", "INCIDENT_REPORT", "router", "m-9", "\x80");
    auto err = f.only_error_to("X");
    CHECK(err.code == 102);
    CHECK(err.reply_to == "m-9");
    CHECK(err.command == "INCIDENT_REPORT");
    CHECK(f.broker.errors(ErrorCode::kNotRegistered) == 1);
  }
  SECTION("unroutable destination") {
    f.register_peer("A", "gw-110");
    f.deliver("A", "INCIDENT_REPORT", "nobody", "m-2", "\x80");
    auto err = f.only_error_to("A");
    CHECK(err.name == "UNROUTABLE");
    CHECK_THAT(err.message, Catch::Contains("'nobody'"));
    CHECK(err.reply_to == "m-2");
  }
  SECTION("malformed frames, bad version, oversized frame") {
    std::vector<zmq::message_t> two;
    two.emplace_back("LDP1", 4);
    two.emplace_back("X", 1);
    f.broker.on_message("Z", two);
    CHECK(f.only_error_to("Z").code == 100);
    f.deliver("Z", "HEARTBEAT", "", "m", "\x80");  // valid envelope, not registered
    CHECK(f.only_error_to("Z").code == 102);
    auto v2 = make_frames("HEARTBEAT", "", "m", "\x80");
    v2[0].rebuild("LDP2", 4);
    f.broker.on_message("Z", v2);
    CHECK(f.only_error_to("Z").code == 101);
    f.deliver("Z", "REGISTER", "", "big", std::string(5000, 'x'));
    auto big = f.only_error_to("Z");
    CHECK(big.code == 104);
    CHECK(big.reply_to == "big");
    CHECK(f.broker.errors(ErrorCode::kMalformed) == 1);
    CHECK(f.broker.errors(ErrorCode::kTooLarge) == 1);
  }
  SECTION("bad registrations") {
    f.deliver("Z", "REGISTER", "", "r1", encode_body(v1::Register{"ok-name", "emperor", std::nullopt, std::nullopt}));
    CHECK(f.only_error_to("Z").name == "INVALID_REGISTRATION");
    f.deliver("Z", "REGISTER", "", "r2", "\x93\x01\x02\x03");
    auto err = f.only_error_to("Z");
    CHECK(err.name == "INVALID_BODY");
    CHECK_THAT(err.message, Catch::Contains("REGISTER refused"));
    CHECK(f.broker.counter("peers") == 0);
  }
  SECTION("a session command with a destination") {
    f.deliver("Z", "REGISTER", "router", "r", encode_body(v1::Register{"x", "unit", std::nullopt, std::nullopt}));
    auto err = f.only_error_to("Z");
    CHECK(err.name == "MALFORMED");
    CHECK_THAT(err.message, Catch::Contains("must have an empty destination"));
  }
  SECTION("a peer command sent to the broker itself") {
    f.register_peer("A", "gw-110");
    f.deliver("A", "INCIDENT_REPORT", "", "m", "\x80");
    CHECK(f.only_error_to("A").name == "UNKNOWN_COMMAND");
  }
}

TEST_CASE("a killed peer is dropped at the first failed delivery and the sender hears UNROUTABLE",
          "[unit][broker]") {
  Fixture f;
  f.register_peer("A", "gw-110");
  f.register_peer("B", "unit:police.ps01");
  f.sink.gone.insert("B");
  f.deliver("A", "DISPATCH_ORDER", "unit:police.ps01", "m-1", "\x80");
  auto err = f.only_error_to("A");
  CHECK(err.code == 103);
  CHECK_THAT(err.message, Catch::Contains("no longer connected"));
  CHECK(f.broker.peers().by_name("unit:police.ps01") == nullptr);
  CHECK(f.broker.counter("peers_unreachable") == 1);
}

TEST_CASE("heartbeats go out every interval and silent peers expire after three", "[unit][broker]") {
  Fixture f;
  f.register_peer("A", "chatty");
  f.register_peer("B", "silent");
  for (int i = 0; i < 3; ++i) {
    f.clock.advance(100);
    f.deliver("A", "HEARTBEAT", "", "hb", "\x80");
    f.broker.on_tick();
  }
  auto out = f.sink.take();
  CHECK(std::count_if(out.begin(), out.end(), [](const Sent& s) { return s.env.command == "HEARTBEAT"; }) == 6);
  CHECK(f.broker.counter("peers") == 2);  // B silent for exactly 3 intervals: not yet
  f.clock.advance(1);
  f.broker.on_tick();
  CHECK(f.broker.peers().by_name("silent") == nullptr);
  CHECK(f.broker.peers().by_name("chatty") != nullptr);
  CHECK(f.broker.counter("peers_expired") == 1);
  // The expired peer speaking again is told to register.
  f.sink.take();
  f.deliver("B", "HEARTBEAT", "", "hb", "\x80");
  CHECK(f.only_error_to("B").name == "NOT_REGISTERED");
}

TEST_CASE("re-registering a name replaces the old connection, which is told", "[unit][broker]") {
  Fixture f;
  f.register_peer("old", "router", "router");
  f.deliver("new", "REGISTER", "", "r", encode_body(v1::Register{"router", "router", std::nullopt, std::nullopt}));
  auto out = f.sink.take();
  REQUIRE(out.size() == 2);
  CHECK(out[0].to == "old");
  CHECK(out[0].env.command == "DISCONNECT");
  CHECK(out[1].to == "new");
  CHECK(out[1].env.command == "REGISTERED");
  f.register_peer("A", "gw-110");
  f.deliver("A", "INCIDENT_REPORT", "router", "m", "\x80");
  out = f.sink.take();
  REQUIRE(out.size() == 1);
  CHECK(out[0].to == "new");
}

TEST_CASE("STATS returns counters, errors by name and peers", "[unit][broker]") {
  Fixture f;
  f.register_peer("A", "cli-1", "cli");
  f.deliver("A", "PING", "ghost", "m", "\x80");
  f.sink.take();
  f.deliver("A", "STATS", "", "s", "\x80");
  auto out = f.sink.take();
  REQUIRE(out.size() == 1);
  REQUIRE(out[0].env.command == "STATS_REPLY");
  auto stats = decode_body<v1::StatsReply>(out[0].env.body);
  REQUIRE(stats.ok());
  CHECK(stats->service == "broker");
  CHECK(stats->counters.at("peers") == 1);
  CHECK(stats->counters.at("registrations") == 1);
  CHECK(stats->errors.at("UNROUTABLE") == 1);
  REQUIRE(stats->peers.has_value());
  CHECK(stats->peers->front().name == "cli-1");
}

TEST_CASE("DISCONNECT forgets the peer at once", "[unit][broker]") {
  Fixture f;
  f.register_peer("A", "gw-110");
  f.deliver("A", "DISCONNECT", "", "d", encode_body(v1::Disconnect{"bye"}));
  CHECK(f.broker.counter("peers") == 0);
  CHECK(f.broker.counter("disconnects") == 1);
}
