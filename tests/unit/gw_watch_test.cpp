// The watch gateway without sockets: relay frame and body decoding (schemas/relay.md), the
// alarm -> incident report mapping, and the neighbour fan-out driven by a hand-made event.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/codec.hpp"
#include "services/gateway/outbox.hpp"
#include "services/gw_watch/relay_protocol.hpp"
#include "services/gw_watch/watch_gateway.hpp"
#include "services/gw_watch/watch_registry.hpp"
#include "services/router/router_events.hpp"

using namespace liandong;
using namespace liandong::watch;

namespace {

WatchRegistry small_registry() {
  WatchRegistry r;
  r.add_grid({"G1", "t1", "police.ps01"});
  r.add_grid({"G2", "t2", "police.ps02"});
  r.add_grid({"G3", "t3", "police.ps03"});
  r.add_town("t1", "G1");
  r.add_town("t2", "G2");
  r.add_town("t3", "G3");
  r.add_household({"H1", "15005752171", "G1", {"H2", "H3"}});
  r.add_household({"H2", "18405750198", "G1", {"H1", "H3"}});
  r.add_household({"H3", "13605755793", "G2", {"H1", "H2"}});
  r.add_prefix("0575870", "t2");
  return r;
}

Alarm alarm(std::string number, std::optional<std::string> household = std::nullopt) {
  Alarm a;
  a.alarm_id = "a1";
  a.caller_number = std::move(number);
  a.household = std::move(household);
  a.pressed_at_ms = 1'700'000'000'000;
  return a;
}

std::string map_body(std::initializer_list<std::pair<std::string, std::string>> strs, std::int64_t ms_value = -1,
                     const std::string& ms_key = "") {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(static_cast<std::uint32_t>(strs.size() + (ms_key.empty() ? 0 : 1)));
  for (const auto& [k, v] : strs) {
    pk.pack(k);
    pk.pack(v);
  }
  if (!ms_key.empty()) {
    pk.pack(ms_key);
    pk.pack(ms_value);
  }
  return {buf.data(), buf.size()};
}

}  // namespace

TEST_CASE("relay frames are checked before any body is read", "[unit][gw_watch]") {
  auto ok = parse_relay_frames({"LDR1", "ALARM", "m1", "\x80"});
  REQUIRE(ok.ok());
  CHECK(ok->command == "ALARM");
  CHECK(ok->message_id == "m1");

  RelayFrame partial;
  auto three = parse_relay_frames({"LDR1", "ALARM", "m1"}, &partial);
  CHECK(three.status().code() == ErrorCode::kMalformed);
  CHECK(partial.command == "ALARM");
  CHECK(partial.message_id == "m1");
  CHECK(parse_relay_frames({"LDP1", "ALARM", "m1", "\x80"}).status().code() == ErrorCode::kMalformed);
  CHECK(parse_relay_frames({"LDR2", "ALARM", "m1", "\x80"}).status().code() == ErrorCode::kUnsupportedVersion);
  CHECK(parse_relay_frames({"LDR1", "alarm", "m1", "\x80"}).status().code() == ErrorCode::kMalformed);
  CHECK(parse_relay_frames({"LDR1", "ALARM", "m 1", "\x80"}).status().code() == ErrorCode::kMalformed);
  CHECK(parse_relay_frames({}).status().code() == ErrorCode::kMalformed);
  CHECK(parse_relay_frames({"LDR1", "ALARM", "m1", std::string(kMaxRelayFrameBytes + 1, 'x')}).status().code() ==
        ErrorCode::kTooLarge);
  CHECK(make_relay_frames("PONG", "m2", "\x80") == std::vector<std::string>{"LDR1", "PONG", "m2", "\x80"});
}

TEST_CASE("relay bodies name the bad field", "[unit][gw_watch]") {
  auto hello = decode_body<Hello>(map_body({{"relay_id", "relay-7"}, {"area", "G00017"}}));
  REQUIRE(hello.ok());
  CHECK(hello->relay_id == "relay-7");
  CHECK(decode_body<Hello>(map_body({{"relay_id", "relay:7"}, {"area", "G1"}})).status().code() == ErrorCode::kInvalidValue);
  CHECK(decode_body<Hello>(map_body({{"area", "G1"}})).status().message() == "missing required field 'relay_id'");

  auto a = decode_body<Alarm>(map_body({{"alarm_id", "a1"}, {"caller_number", "+86 150-0575-2171"}}, 5, "pressed_at_ms"));
  REQUIRE(a.ok());
  CHECK_FALSE(a->household.has_value());
  CHECK(decode_body<Alarm>(map_body({{"alarm_id", "a1"}, {"caller_number", "call me"}}, 5, "pressed_at_ms")).status().code() ==
        ErrorCode::kInvalidValue);
  CHECK(decode_body<Alarm>(map_body({{"alarm_id", "a1"}, {"caller_number", "1"}}, 0, "pressed_at_ms")).status().code() ==
        ErrorCode::kInvalidValue);
  CHECK(decode_body<Alarm>(map_body({{"alarm_id", std::string(31, 'a')}, {"caller_number", "1"}}, 5, "pressed_at_ms"))
            .status()
            .code() == ErrorCode::kInvalidValue);
  auto wrong = decode_body<Alarm>(map_body({{"alarm_id", "a1"}, {"caller_number", "1"}, {"pressed_at_ms", "now"}}));
  CHECK(wrong.status().code() == ErrorCode::kWrongType);
  CHECK(wrong.status().message().find("'pressed_at_ms'") != std::string::npos);
  CHECK(decode_body<Alarm>(std::string("\xc1")).status().code() == ErrorCode::kInvalidBody);
  CHECK(decode_body<Alarm>(std::string("\x93\x01\x02\x03")).status().code() == ErrorCode::kInvalidBody);

  CHECK(decode_body<RelayNeighbourAck>(map_body({{"ack_id", "k1"}, {"alert_id", "X-H1"}}, 5, "at_ms")).ok());
  CHECK(decode_body<RelayNeighbourAck>(map_body({{"ack_id", "k1"}, {"incident_id", "X"}, {"household", "H1"}}, 5, "at_ms")).ok());
  CHECK(decode_body<RelayNeighbourAck>(map_body({{"ack_id", "k1"}, {"incident_id", "X"}}, 5, "at_ms")).status().code() ==
        ErrorCode::kMissingField);
}

TEST_CASE("an alarm becomes a P1 watch report: registered household, or unverified and placed", "[unit][gw_watch]") {
  const WatchRegistry r = small_registry();
  CHECK(normalize_number("+86 150-0575-2171") == "15005752171");
  CHECK(normalize_number("0086 15005752171") == "15005752171");

  SECTION("by caller number, in any format") {
    auto m = alarm_to_report(alarm("+86 150 0575 2171"), "r1", "G3", r);
    CHECK(m.report.report_id == "watch-r1:a1");
    CHECK(m.report.source == "watch");
    CHECK(m.report.category == "watch.alarm");
    CHECK(m.report.priority == std::optional<std::int64_t>(1));
    CHECK(m.report.household == std::optional<std::string>("H1"));
    CHECK(m.report.grid == std::optional<std::string>("G1"));
    CHECK_FALSE(m.report.unverified.has_value());
    CHECK(m.report.caller->phone == std::optional<std::string>("+86 150 0575 2171"));
    CHECK(m.report.reported_at_ms == 1'700'000'000'000);
    CHECK_FALSE(m.unverified);
    CHECK(m.report.validate().ok());
  }
  SECTION("by household id, whatever the number") {
    auto m = alarm_to_report(alarm("110", "H3"), "r1", "G3", r);
    CHECK(m.household == std::optional<std::string>("H3"));
    CHECK(m.report.grid == std::optional<std::string>("G2"));
    CHECK_FALSE(m.unverified);
  }
  SECTION("an unknown household id falls back to the number") {
    auto m = alarm_to_report(alarm("18405750198", "H999"), "r1", "G3", r);
    CHECK(m.household == std::optional<std::string>("H2"));
  }
  SECTION("unregistered number with a known prefix: the prefix's town") {
    auto m = alarm_to_report(alarm("0575-8701-2345"), "r1", "G3", r);
    CHECK(m.unverified);
    CHECK(m.report.unverified == std::optional<bool>(true));
    CHECK_FALSE(m.report.household.has_value());
    CHECK(m.report.grid == std::optional<std::string>("G2"));
    CHECK(m.placement.town == "t2");
    // a local 8-digit number is read with Zhuji's area code
    CHECK(alarm_to_report(alarm("87012345"), "r1", "G3", r).report.grid == std::optional<std::string>("G2"));
  }
  SECTION("unregistered number, no prefix: the relay's area (grid, or a town's grid)") {
    auto by_grid = alarm_to_report(alarm("13900000001"), "r1", "G3", r);
    CHECK(by_grid.unverified);
    CHECK(by_grid.report.grid == std::optional<std::string>("G3"));
    auto by_town = alarm_to_report(alarm("13900000001"), "r1", "t1", r);
    CHECK(by_town.report.grid == std::optional<std::string>("G1"));
    CHECK(by_town.report.text->find("UNVERIFIED") != std::string::npos);
    CHECK(by_town.report.text->find("13900000001") == std::string::npos);  // no phone in free text
  }
  CHECK(ack_key_for("r1", "k1") == "watchack-r1:k1");
  CHECK(alert_id_for("01JINC", "H2") == "01JINC-H2");
}

TEST_CASE("the Zhuji registry loads with its prefix table", "[unit][gw_watch]") {
  auto r = WatchRegistry::load(LIANDONG_SOURCE_DIR "/config/zhuji", LIANDONG_SOURCE_DIR "/config/zhuji/watch.toml");
  REQUIRE(r.ok());
  CHECK(r->household_count() == 20000);
  CHECK(r->grid_count() == 12170);
  CHECK(r->prefix_count() >= 10);
  const Household* h = r->household("H000001");
  REQUIRE(h);
  CHECK(r->household_by_number(h->phone) == h);
  CHECK(h->neighbours.size() == 10);
  auto g = r->town_grid("jiyang");
  REQUIRE(g);
  CHECK(r->grid(*g)->town == "jiyang");
  CHECK(r->town_for_number("0575-8709-9999") == std::optional<std::string>("jiyang"));
  CHECK_FALSE(r->place_area("nowhere").has_value());
}

namespace {

struct CapturingSender : RelaySender {
  std::vector<std::pair<std::string, std::vector<std::string>>> sent;
  bool send(const std::string& route, const std::vector<std::string>& frames) override {
    sent.emplace_back(route, frames);
    return true;
  }
  std::vector<std::vector<std::string>> take(const std::string& command) {
    std::vector<std::vector<std::string>> out;
    for (auto& [r, f] : sent) {
      if (f[1] == command) out.push_back(f);
    }
    sent.clear();
    return out;
  }
};

}  // namespace

TEST_CASE("neighbours.alerted fans out to a relay until delivered; acknowledgements go to the outbox",
          "[unit][gw_watch]") {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("gw-watch-unit-" + std::to_string(::getpid()) + ".db")).string();
  std::filesystem::remove(path);
  {
    auto db = gateway::SqliteDb::open(path);
    REQUIRE(db.ok());
    auto outbox = gateway::Outbox::open(**db);
    REQUIRE(outbox.ok());
    const WatchRegistry registry = small_registry();
    ManualClock clock;
    CapturingSender sender;
    std::vector<gateway::OutboxItem> woken;
    WatchGateway gw(registry, **db, **outbox, clock, WatchOptions{}, sender,
                    [&](gateway::OutboxItem item) { woken.push_back(std::move(item)); });
    REQUIRE(gw.start().ok());

    // An event before any relay: the alerts wait.
    router::NeighboursAlerted ev{"INC1", "H1", {"H2", "H3"}, clock.wall_ms() + 90'000, 1};
    v1::StoredEvent stored;
    stored.seq = 1;
    stored.event_id = "e1";
    stored.incident_id = "INC1";
    stored.type = std::string(router::event_type::kNeighboursAlerted);
    stored.actor = "router";
    stored.at_ms = clock.wall_ms();
    stored.body.bytes = encode_body(ev);
    REQUIRE(gw.on_event(stored).ok());
    REQUIRE(gw.on_event(stored).ok());  // a re-read page changes nothing
    gw.tick();
    CHECK(gw.alerts_waiting() == 2);
    CHECK(sender.sent.empty());

    gw.on_relay_message("route-a", make_relay_frames("HELLO", "m1", map_body({{"relay_id", "ra"}, {"area", "G2"}})));
    CHECK(sender.take("WELCOME").size() == 1);
    gw.tick();
    auto alerts = sender.take("NEIGHBOUR_ALERT");
    REQUIRE(alerts.size() == 2);
    std::set<std::string> rung;
    for (const auto& f : alerts) {
      auto a = decode_body<NeighbourAlert>(f[3]);
      REQUIRE(a.ok());
      CHECK(f[2] == a->alert_id);
      CHECK(a->from_household == "H1");
      CHECK(a->phone == registry.household(a->household)->phone);
      rung.insert(a->household);
    }
    CHECK(rung == std::set<std::string>{"H2", "H3"});

    // H2's alert is confirmed; H3's is sent again after the backoff.
    gw.on_relay_message("route-a", make_relay_frames("ALERT_DELIVERED", "m2", map_body({{"alert_id", "INC1-H2"}})));
    clock.advance(2500);
    gw.on_relay_message("route-a", make_relay_frames("PING", "m3", "\x80"));
    CHECK(sender.take("PONG").size() == 1);
    gw.tick();
    auto again = sender.take("NEIGHBOUR_ALERT");
    REQUIRE(again.size() == 1);
    CHECK(again[0][2] == "INC1-H3");

    // H3 acknowledges by incident + household: durable NEIGHBOUR_ACK for the router, ACK_RECORDED.
    gw.on_relay_message("route-a", make_relay_frames("NEIGHBOUR_ACK", "m4",
                                                     map_body({{"ack_id", "k1"}, {"incident_id", "INC1"}, {"household", "H3"}},
                                                              clock.wall_ms(), "at_ms")));
    auto recorded = sender.take("ACK_RECORDED");
    REQUIRE(recorded.size() == 1);
    REQUIRE(woken.size() == 1);
    CHECK(woken[0].key == "watchack-ra:k1");
    auto ack = decode_body<v1::NeighbourAck>(woken[0].body);
    REQUIRE(ack.ok());
    CHECK(ack->incident_id == "INC1");
    CHECK(ack->household == "H3");
    CHECK(ack->relay == std::optional<std::string>("ra"));
    CHECK((*outbox)->find("watchack-ra:k1").has_value());
    CHECK(gw.alerts_waiting() == 0);
    clock.advance(60'000);
    gw.on_relay_message("route-a", make_relay_frames("PING", "m5", "\x80"));
    gw.tick();
    CHECK(sender.take("NEIGHBOUR_ALERT").empty());

    // An acknowledgement for an alert never sent is refused; the same one again is a duplicate.
    gw.on_relay_message("route-a", make_relay_frames("NEIGHBOUR_ACK", "m6", map_body({{"ack_id", "k2"}, {"alert_id", "INC9-H1"}}, 5, "at_ms")));
    auto errors = sender.take("ERROR");
    REQUIRE(errors.size() == 1);
    CHECK(decode_body<v1::Error>(errors[0][3])->code == 204);
    gw.on_relay_message("route-a", make_relay_frames("NEIGHBOUR_ACK", "m7",
                                                     map_body({{"ack_id", "k1"}, {"alert_id", "INC1-H3"}}, 5, "at_ms")));
    auto dup = sender.take("ACK_RECORDED");
    REQUIRE(dup.size() == 1);
    CHECK(decode_body<AckRecorded>(dup[0][3])->duplicate);
    CHECK(woken.size() == 1);

    // A silent relay is forgotten.
    clock.advance(WatchOptions{}.heartbeat_ms * 4);
    gw.tick();
    CHECK(gw.relays() == 0);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
}

TEST_CASE("watch.toml is read strictly: a misspelt key is refused with file, line and key", "[unit][gw_watch][config]") {
  char pattern[] = "/tmp/liandong-watch-toml-XXXXXX";
  REQUIRE(mkdtemp(pattern) != nullptr);
  const std::filesystem::path file = std::filesystem::path(pattern) / "watch.toml";
  std::ofstream(file) << "[[prefix]]\nprefix = \"0575870\"\ntown = \"jiyang\"\n\n[[prefix]]\nprefix = \"0575871\"\ntwon = \"huandong\"\n";
  auto r = WatchRegistry::load(LIANDONG_SOURCE_DIR "/config/zhuji", file.string());
  std::filesystem::remove_all(pattern);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::StartsWith(file.string() + ":7: unknown key 'prefix.twon'") &&
                                       Catch::Contains("known here: prefix, town"));
}
