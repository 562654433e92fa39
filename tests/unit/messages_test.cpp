// Round trips of every v1 message type through the codec, and the decoder's specific errors.
#include <catch2/catch.hpp>

#include "core/codec.hpp"
#include "schemas/messages.hpp"

using namespace liandong;

namespace {
template <class M>
M round_trip(const M& m) {
  auto decoded = decode_body<M>(encode_body(m));
  INFO(decoded.status().to_string());
  REQUIRE(decoded.ok());
  return *decoded;
}

v1::IncidentReport full_report() {
  v1::IncidentReport r;
  r.report_id = "110-2026-000123";
  r.source = "110";
  r.category = "traffic.accident";
  r.priority = 1;
  r.location = v1::Location{29.713, 120.236};
  r.grid = "G-0412";
  r.household = "H-000017";
  r.address = "暨阳街道 浣纱南路 18 号";
  r.caller = v1::Caller{"13812345678", "张三"};
  r.text = "two cars, one on fire";
  r.reported_at_ms = 1'790'000'000'000;
  return r;
}

// Encodes a map from alternating key/value pairs with msgpack's packer, for hand-made bodies.
template <class F>
std::string hand_made(std::uint32_t entries, F&& fill) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(entries);
  fill(pk);
  return {buf.data(), buf.size()};
}
}  // namespace

TEST_CASE("every v1 message type survives a round trip", "[unit][codec]") {
  SECTION("REGISTER / REGISTERED / HEARTBEAT / DISCONNECT") {
    auto reg = round_trip(v1::Register{"gw-110", "gateway", 1000, "liandong-gw-110 0.1.0"});
    CHECK(reg.name == "gw-110");
    CHECK(reg.role == "gateway");
    CHECK(reg.heartbeat_ms == 1000);
    CHECK(reg.software == "liandong-gw-110 0.1.0");
    auto ok = round_trip(v1::Registered{"gw-110", 1000, 3, "liandong-broker 0.1.0"});
    CHECK(ok.heartbeat_ms == 1000);
    CHECK(ok.liveness == 3);
    CHECK(encode_body(v1::Heartbeat{}) == std::string("\x80", 1));
    CHECK(round_trip(v1::Disconnect{"replaced"}).reason == "replaced");
    CHECK_FALSE(round_trip(v1::Disconnect{}).reason.has_value());
  }
  SECTION("ERROR and STATS_REPLY") {
    v1::Error e{103, "UNROUTABLE", "no peer named 'x' is registered", "01ABC", "INCIDENT_REPORT"};
    auto back = round_trip(e);
    CHECK(back.code == 103);
    CHECK(back.name == "UNROUTABLE");
    CHECK(back.reply_to == "01ABC");
    CHECK(back.command == "INCIDENT_REPORT");
    v1::StatsReply s;
    s.service = "broker";
    s.uptime_ms = 12;
    s.counters = {{"forwarded", 10}, {"peers", 2}};
    s.errors = {{"UNROUTABLE", 1}};
    s.peers = std::vector<v1::PeerInfo>{{"router", "router", 5}};
    auto sb = round_trip(s);
    CHECK(sb.counters.at("forwarded") == 10);
    CHECK(sb.errors.at("UNROUTABLE") == 1);
    REQUIRE(sb.peers->size() == 1);
    CHECK(sb.peers->front().role == "router");
  }
  SECTION("INCIDENT_REPORT with every field, and with only the required ones") {
    const auto r = full_report();
    auto back = round_trip(r);
    CHECK(back.report_id == r.report_id);
    CHECK(back.priority == 1);
    CHECK(back.location->lat == Approx(29.713));
    CHECK(back.location->lon == Approx(120.236));
    CHECK(back.caller->phone == "13812345678");
    CHECK(back.caller->name == "张三");
    CHECK(back.address == r.address);
    CHECK(back.reported_at_ms == r.reported_at_ms);

    v1::IncidentReport minimal;
    minimal.report_id = "r1";
    minimal.source = "watch";
    minimal.category = "crime.burglary";
    minimal.reported_at_ms = 1;
    auto mb = round_trip(minimal);
    CHECK_FALSE(mb.priority.has_value());
    CHECK_FALSE(mb.location.has_value());
    CHECK_FALSE(mb.caller.has_value());
  }
  SECTION("REPORT_ACK, DISPATCH_ORDER, ORDER_ACK") {
    auto ack = round_trip(v1::ReportAck{"r1", "01INC", true, std::string("01OTHER"), "dispatched"});
    CHECK(ack.duplicate);
    CHECK(ack.merged_into == "01OTHER");
    v1::DispatchOrder o;
    o.order_id = "01ORD";
    o.incident_id = "01INC";
    o.unit = "police.ps03";
    o.source = "110";
    o.category = "fire.building";
    o.priority = 1;
    o.location = v1::Location{29.7, 120.2};
    o.ack_deadline_ms = 1'790'000'030'000;
    o.rung = 2;
    o.reason = "escalated: police.ps02 did not accept in 30 s";
    auto ob = round_trip(o);
    CHECK(ob.unit == "police.ps03");
    CHECK(ob.rung == 2);
    CHECK(ob.ack_deadline_ms == o.ack_deadline_ms);
    auto oa = round_trip(v1::OrderAck{"01ORD", "police.ps03", false, std::string("all cars out")});
    CHECK_FALSE(oa.accepted);
    CHECK(oa.reason == "all cars out");
  }
  SECTION("STATUS_UPDATE, TRANSFER, AUDIT_EVENT") {
    v1::StatusUpdate u;
    u.update_id = "u1";
    u.incident_id = "01INC";
    u.unit = "fire.st01";
    u.state = "on_scene";
    u.at_ms = 5;
    CHECK(round_trip(u).state == "on_scene");
    CHECK(round_trip(v1::Transfer{"t1", "01INC", "96345", std::string("not a police matter")}).to == "96345");
    v1::AuditEvent ev;
    ev.event_id = "e1";
    ev.incident_id = "01INC";
    ev.type = "incident.reported";
    ev.actor = "router";
    ev.at_ms = 9;
    ev.body.bytes = encode_body(full_report());
    auto eb = round_trip(ev);
    CHECK(eb.body == ev.body);
    auto inner = decode_body<v1::IncidentReport>(eb.body.bytes);
    REQUIRE(inner.ok());
    CHECK(inner->category == "traffic.accident");
  }
  SECTION("watch and supervisor messages") {
    v1::IncidentReport alarm = full_report();
    alarm.unverified = true;
    CHECK(round_trip(alarm).unverified == true);
    CHECK_FALSE(round_trip(full_report()).unverified.has_value());
    auto na = round_trip(v1::NeighbourAck{"a1", "01INC", "H000002", 7, std::string("relay.jiyang")});
    CHECK(na.household == "H000002");
    CHECK(na.relay == "relay.jiyang");
    v1::NeighbourAck bad{"a1", "01INC", "", 7, std::nullopt};
    CHECK_FALSE(bad.validate().ok());
    auto no = round_trip(v1::Notice{"n1", "01INC", std::string("01ORD"), "overdue", "response deadline passed", 9});
    CHECK(no.kind == "overdue");
    CHECK(no.order_id == "01ORD");
  }
}

TEST_CASE("unknown fields are ignored and nil reads as absent", "[unit][codec]") {
  const auto body = hand_made(5, [](auto& pk) {
    pk.pack(std::string("name"));
    pk.pack(std::string("router"));
    pk.pack(std::string("role"));
    pk.pack(std::string("router"));
    pk.pack(std::string("added_in_v1_7"));
    pk.pack(std::vector<int>{1, 2, 3});
    pk.pack(std::string("heartbeat_ms"));
    pk.pack_nil();
    pk.pack(std::string("software"));
    pk.pack(std::string("x"));
  });
  auto reg = decode_body<v1::Register>(body);
  REQUIRE(reg.ok());
  CHECK(reg->name == "router");
  CHECK_FALSE(reg->heartbeat_ms.has_value());
}

TEST_CASE("map keys must be strings of UTF-8, also the keys of unknown fields", "[unit][codec]") {
  // A valid REGISTER body plus one extra entry whose key is the problem.
  const auto with_extra_key = [](auto&& pack_key) {
    return hand_made(3, [&](auto& pk) {
      pk.pack(std::string("name"));
      pk.pack(std::string("router"));
      pk.pack(std::string("role"));
      pk.pack(std::string("router"));
      pack_key(pk);
      pk.pack(1);
    });
  };
  SECTION("an integer key in the body") {
    auto r = decode_body<v1::Register>(with_extra_key([](auto& pk) { pk.pack(7); }));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kWrongType);
    CHECK_THAT(r.status().message(), Catch::Contains("the body has a key of type integer: map keys must be strings"));
  }
  SECTION("a binary key in the body") {
    auto r = decode_body<v1::Register>(with_extra_key([](auto& pk) {
      pk.pack_bin(4);
      pk.pack_bin_body("name", 4);
    }));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kWrongType);
    CHECK_THAT(r.status().message(), Catch::Contains("key of type binary"));
  }
  SECTION("a key that is not UTF-8") {
    auto r = decode_body<v1::Register>(with_extra_key([](auto& pk) {
      pk.pack_str(2);
      pk.pack_str_body("\xff\xfe", 2);
    }));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kInvalidValue);
    CHECK_THAT(r.status().message(), Catch::Contains("a key of the body is not valid UTF-8"));
  }
  SECTION("an integer key inside a nested map names the map") {
    auto body = hand_made(5, [](auto& pk) {
      pk.pack(std::string("report_id"));
      pk.pack(std::string("r1"));
      pk.pack(std::string("source"));
      pk.pack(std::string("110"));
      pk.pack(std::string("category"));
      pk.pack(std::string("fire.building"));
      pk.pack(std::string("reported_at_ms"));
      pk.pack(1);
      pk.pack(std::string("location"));
      pk.pack_map(3);
      pk.pack(std::string("lat"));
      pk.pack(29.7);
      pk.pack(std::string("lon"));
      pk.pack(120.2);
      pk.pack(1);
      pk.pack(std::string("x"));
    });
    auto r = decode_body<v1::IncidentReport>(body);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == ErrorCode::kWrongType);
    CHECK_THAT(r.status().message(), Catch::Contains("map 'location' has a key of type integer"));
  }
}

TEST_CASE("every decode failure names its problem", "[unit][codec]") {
  auto fails_with = [](std::string_view body, ErrorCode code, const std::string& fragment) {
    auto r = decode_body<v1::IncidentReport>(body);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().to_string());
    CHECK(r.status().code() == code);
    CHECK_THAT(r.status().message(), Catch::Contains(fragment));
  };
  const std::string good = encode_body(full_report());

  SECTION("empty body") { fails_with("", ErrorCode::kInvalidBody, "empty"); }
  SECTION("truncated msgpack") {
    fails_with(std::string_view(good).substr(0, good.size() / 2), ErrorCode::kInvalidBody, "truncated");
  }
  SECTION("trailing bytes") { fails_with(good + "xyz", ErrorCode::kInvalidBody, "3 trailing bytes"); }
  SECTION("not msgpack at all") { fails_with(std::string("\xc1\xc1\xc1", 3), ErrorCode::kInvalidBody, "not valid msgpack"); }
  SECTION("an array instead of a map") {
    msgpack::sbuffer buf;
    msgpack::pack(buf, std::vector<int>{1, 2});
    fails_with({buf.data(), buf.size()}, ErrorCode::kInvalidBody, "must be a msgpack map, got array");
  }
  SECTION("missing required field") {
    auto r = full_report();
    auto body = hand_made(3, [](auto& pk) {
      pk.pack(std::string("report_id"));
      pk.pack(std::string("r1"));
      pk.pack(std::string("source"));
      pk.pack(std::string("110"));
      pk.pack(std::string("reported_at_ms"));
      pk.pack(1);
    });
    fails_with(body, ErrorCode::kMissingField, "'category'");
  }
  SECTION("wrong type, with field, expected and actual type") {
    auto body = hand_made(5, [](auto& pk) {
      pk.pack(std::string("report_id"));
      pk.pack(std::string("r1"));
      pk.pack(std::string("source"));
      pk.pack(std::string("110"));
      pk.pack(std::string("category"));
      pk.pack(std::string("fire.building"));
      pk.pack(std::string("priority"));
      pk.pack(std::string("P1"));
      pk.pack(std::string("reported_at_ms"));
      pk.pack(1);
    });
    fails_with(body, ErrorCode::kWrongType, "field 'priority': expected integer, got string");
  }
  SECTION("wrong type inside a nested map names the path") {
    auto body = hand_made(5, [](auto& pk) {
      pk.pack(std::string("report_id"));
      pk.pack(std::string("r1"));
      pk.pack(std::string("source"));
      pk.pack(std::string("110"));
      pk.pack(std::string("category"));
      pk.pack(std::string("fire.building"));
      pk.pack(std::string("location"));
      pk.pack_map(2);
      pk.pack(std::string("lat"));
      pk.pack(true);
      pk.pack(std::string("lon"));
      pk.pack(120.0);
      pk.pack(std::string("reported_at_ms"));
      pk.pack(1);
    });
    fails_with(body, ErrorCode::kWrongType, "field 'location.lat': expected number, got boolean");
  }
  SECTION("values out of range or not allowed") {
    auto r = full_report();
    r.priority = 7;
    fails_with(encode_body(r), ErrorCode::kInvalidValue, "not a priority 1..4");
    r = full_report();
    r.source = "119";
    fails_with(encode_body(r), ErrorCode::kInvalidValue, "'119' is not one of 96345, 110, citymgmt, watch");
    r = full_report();
    r.location->lat = 123;
    fails_with(encode_body(r), ErrorCode::kInvalidValue, "location.lat");
    r = full_report();
    r.category = "Fire Building";
    fails_with(encode_body(r), ErrorCode::kInvalidValue, "category");
  }
  SECTION("integer too large for its field") {
    auto body = hand_made(1, [](auto& pk) {
      pk.pack(std::string("code"));
      pk.pack(std::uint64_t{1} << 40);
    });
    auto e = decode_body<v1::Error>(body);
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().code() == ErrorCode::kInvalidValue);
    CHECK_THAT(e.status().message(), Catch::Contains("'code'") && Catch::Contains("out of range"));
  }
  SECTION("decode limits: depth and sizes") {
    std::string deep;
    for (int i = 0; i < 40; ++i) deep += "\x91";  // 40 nested one-element arrays
    deep += "\x01";
    fails_with(deep, ErrorCode::kInvalidBody, "deeper than 16");
    DecodeLimits tight;
    tight.max_str = 8;
    auto r = decode_body<v1::IncidentReport>(good, tight);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("string longer than 8"));
  }
  SECTION("a declared size far beyond the data is refused, not allocated") {
    // array32 header claiming 4 billion items, then nothing.
    fails_with(std::string("\xdd\xff\xff\xff\xff", 5), ErrorCode::kInvalidBody, "array longer than");
  }
}

TEST_CASE("message-level rules: declines need a reason, registrations need a role", "[unit][codec]") {
  auto decline = decode_body<v1::OrderAck>(encode_body(v1::OrderAck{"o1", "u1", false, std::nullopt}));
  REQUIRE_FALSE(decline.ok());
  CHECK_THAT(decline.status().message(), Catch::Contains("decline must give a reason"));
  auto reg = decode_body<v1::Register>(encode_body(v1::Register{"x", "hacker", std::nullopt, std::nullopt}));
  REQUIRE_FALSE(reg.ok());
  CHECK(reg.status().code() == ErrorCode::kInvalidValue);
  CHECK_THAT(reg.status().message(), Catch::Contains("'hacker' is not one of gateway"));
  auto bad_name = decode_body<v1::Register>(encode_body(v1::Register{"bad name!", "unit", std::nullopt, std::nullopt}));
  REQUIRE_FALSE(bad_name.ok());
  CHECK_THAT(bad_name.status().message(), Catch::Contains("'bad name!'"));
  auto to_watch = decode_body<v1::Transfer>(encode_body(v1::Transfer{"t", "i", "watch", std::nullopt}));
  REQUIRE_FALSE(to_watch.ok());
}

TEST_CASE("encodings are stable on the wire (golden bytes)", "[unit][codec]") {
  // Field order follows fields(); absent optionals are left out, so a map holds only what is set.
  CHECK(encode_body(v1::Register{"a", "cli", std::nullopt, std::nullopt}) ==
        std::string("\x82\xa4name\xa1" "a\xa4role\xa3" "cli"));
  CHECK(encode_body(v1::Error{103, "UNROUTABLE", "x", std::nullopt, std::nullopt}) ==
        std::string("\x83\xa4" "code\x67\xa4name\xaaUNROUTABLE\xa7message\xa1x"));
  // msgpack-cxx writes a double with an integral value as an integer (-2.0 -> 0xfe), which is
  // why "number" fields accept both (schemas/README.md §5).
  CHECK(encode_body(v1::Location{1.5, -2}) ==
        std::string("\x82\xa3lat\xcb\x3f\xf8\x00\x00\x00\x00\x00\x00\xa3lon\xfe", 19));
}
