// The watch gateway end to end (issue #5): real broker, audit, router and liandong-gw-watch, a
// fake phone relay (a ZeroMQ DEALER speaking schemas/relay.md) and fake police units on the bus.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/router/router_events.hpp"
#include "tests/integration/system_fixture.hpp"

#ifdef LIANDONG_GW_WATCH_BIN

using namespace liandong;
using namespace liandong::testing;

namespace {

struct HouseholdRow {
  std::string phone, grid;
  std::vector<std::string> neighbours;
};

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string part;
  while (std::getline(in, part, sep)) out.push_back(part);
  return out;
}

std::map<std::string, HouseholdRow> read_households() {
  std::ifstream in(LIANDONG_SOURCE_DIR "/config/zhuji/households.csv");
  std::string line;
  std::getline(in, line);
  std::map<std::string, HouseholdRow> out;
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    out[f[0]] = HouseholdRow{f[1], f[2], split(f[3], ';')};
  }
  return out;
}

std::string police_of_grid(const std::string& grid) {
  std::ifstream in(LIANDONG_SOURCE_DIR "/config/zhuji/grids.csv");
  std::string line;
  while (std::getline(in, line)) {
    auto f = split(line, ',');
    if (f[0] == grid) return f[4];
  }
  return "";
}

// Builds a msgpack map body from string/int/bool pairs, as a relay in any language would.
struct Body {
  msgpack::sbuffer buf;
  std::vector<std::function<void(msgpack::packer<msgpack::sbuffer>&)>> fields;
  Body& s(const std::string& k, const std::string& v) {
    fields.push_back([k, v](auto& pk) { pk.pack(k); pk.pack(v); });
    return *this;
  }
  Body& i(const std::string& k, std::int64_t v) {
    fields.push_back([k, v](auto& pk) { pk.pack(k); pk.pack(v); });
    return *this;
  }
  std::string bytes() {
    msgpack::sbuffer out;
    msgpack::packer<msgpack::sbuffer> pk(out);
    pk.pack_map(static_cast<std::uint32_t>(fields.size()));
    for (auto& f : fields) f(pk);
    return {out.data(), out.size()};
  }
};

struct RelayMsg {
  std::string command, id;
  msgpack::object_handle body;
  const msgpack::object* field(const std::string& name) const {
    const auto& m = body.get().via.map;
    for (std::uint32_t k = 0; k < m.size; ++k) {
      if (m.ptr[k].key.as<std::string>() == name) return &m.ptr[k].val;
    }
    return nullptr;
  }
  std::string str(const std::string& name) const {
    auto* f = field(name);
    return f && f->type == msgpack::type::STR ? f->as<std::string>() : "";
  }
  bool flag(const std::string& name) const {
    auto* f = field(name);
    return f && f->type == msgpack::type::BOOLEAN && f->via.boolean;
  }
  std::int64_t num(const std::string& name) const {
    auto* f = field(name);
    return f && (f->type == msgpack::type::POSITIVE_INTEGER || f->type == msgpack::type::NEGATIVE_INTEGER) ? f->as<std::int64_t>() : -1;
  }
};

// A phone relay: DEALER, linger 0, receive timeout; PINGs when pumped.
struct FakeRelay {
  zmq::socket_t socket;
  int next_id = 1;
  SystemClock clock;
  Millis last_ping = 0;
  FakeRelay(zmq::context_t& ctx, const std::string& endpoint) : socket(ctx, zmq::socket_type::dealer) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::rcvtimeo, 50);
    socket.connect(endpoint);
    last_ping = clock.monotonic_ms();  // the first PING comes after HELLO
  }
  void send_frames(const std::vector<std::string>& frames) {
    for (std::size_t i = 0; i < frames.size(); ++i) {
      socket.send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
  void send(const std::string& command, const std::string& body) {
    send_frames({"LDR1", command, "m" + std::to_string(next_id++), body});
  }
  void ping_if_due() {
    if (clock.monotonic_ms() - last_ping < 1000) return;
    last_ping = clock.monotonic_ms();
    send("PING", Body().bytes());
  }
  std::optional<RelayMsg> receive() {
    std::vector<zmq::message_t> frames;
    while (true) {
      zmq::message_t m;
      if (!socket.recv(m)) return std::nullopt;
      const bool more = m.more();
      frames.push_back(std::move(m));
      if (!more) break;
    }
    REQUIRE(frames.size() == 4);
    REQUIRE(frames[0].to_string() == "LDR1");
    RelayMsg r;
    r.command = frames[1].to_string();
    r.id = frames[2].to_string();
    r.body = msgpack::unpack(static_cast<const char*>(frames[3].data()), frames[3].size());
    REQUIRE(r.body.get().type == msgpack::type::MAP);
    return r;
  }
};

// Keeps the test's bus peers alive while waiting; every loop bounded in time.
struct Pump {
  FakeRelay& relay;
  std::vector<BusClient*> peers;
  std::vector<Envelope> bus_seen;
  std::vector<RelayMsg> relay_seen;
  void round() {
    relay.ping_if_due();
    for (BusClient* p : peers) {
      while (auto e = p->receive(0)) bus_seen.push_back(*e);
    }
    while (auto m = relay.receive()) {
      if (m->command == "PONG") continue;
      relay_seen.push_back(std::move(*m));
    }
  }
  template <class Pred>
  std::optional<RelayMsg> relay_until(Millis timeout_ms, Pred want) {
    SystemClock clock;
    const Millis deadline = clock.monotonic_ms() + timeout_ms;
    while (clock.monotonic_ms() < deadline) {
      for (auto it = relay_seen.begin(); it != relay_seen.end(); ++it) {
        if (want(*it)) {
          RelayMsg m = std::move(*it);
          relay_seen.erase(it);
          return m;
        }
      }
      round();
    }
    return std::nullopt;
  }
  template <class Pred>
  std::optional<Envelope> bus_until(Millis timeout_ms, Pred want) {
    SystemClock clock;
    const Millis deadline = clock.monotonic_ms() + timeout_ms;
    while (clock.monotonic_ms() < deadline) {
      for (auto it = bus_seen.begin(); it != bus_seen.end(); ++it) {
        if (want(*it)) {
          Envelope e = *it;
          bus_seen.erase(it);
          return e;
        }
      }
      round();
    }
    return std::nullopt;
  }
};

// An incident's audit trail over the bus (AUDIT_QUERY), read by `cli`.
std::vector<v1::StoredEvent> trail(Pump& pump, BusClient& cli, const std::string& incident) {
  v1::AuditQuery q;
  q.query_id = "trail-" + std::to_string(SystemClock().monotonic_ms());
  q.incident_id = incident;
  cli.send_message("audit", q);
  auto answer = pump.bus_until(5000, [&](const Envelope& e) { return e.command == "AUDIT_EVENTS"; });
  REQUIRE(answer.has_value());
  auto page = decode_body<v1::AuditEvents>(answer->body);
  REQUIRE(page.ok());
  return page->events;
}

std::string alarm_incident(Pump& pump, FakeRelay& relay, const std::string& alarm_body, RelayMsg& ack_out) {
  // The ALARM_ACK carries the incident id when the router answered within the gateway's wait;
  // otherwise the relay repeats the alarm (same alarm_id) to learn it.
  for (int attempt = 0; attempt < 10; ++attempt) {
    relay.send("ALARM", alarm_body);
    auto ack = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "ALARM_ACK"; });
    REQUIRE(ack.has_value());
    REQUIRE(ack->flag("accepted"));
    if (!ack->str("incident_id").empty()) {
      ack_out = std::move(*ack);
      return ack_out.str("incident_id");
    }
  }
  FAIL("no incident id for the alarm");
  return "";
}

}  // namespace

TEST_CASE("watch alarm: the household's police station is dispatched and exactly its neighbours are alerted",
          "[integration][gw_watch]") {
  LiandongSystem sys;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_WATCH_BIN, "watch", "tcp://127.0.0.1:0", endpoint);
  REQUIRE(endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
  INFO(read_file(sys.broker.dir.file("gw-watch.log")));

  const auto households = read_households();
  const std::string hh = "H000001";
  const HouseholdRow& row = households.at(hh);
  const std::string police = police_of_grid(row.grid);
  REQUIRE_FALSE(police.empty());

  zmq::context_t ctx;
  SystemClock clock;
  auto unit = connect_client(ctx, clock, sys.broker.endpoint, "unit:" + police);
  auto cli = connect_client(ctx, clock, sys.broker.endpoint, "cli-gw-watch-test", "cli");
  FakeRelay relay(ctx, endpoint);
  Pump pump{relay, {unit.get(), cli.get()}, {}, {}};

  relay.send("HELLO", Body().s("relay_id", "relay-7").s("area", row.grid).s("software", "test relay").bytes());
  auto welcome = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "WELCOME"; });
  REQUIRE(welcome.has_value());
  CHECK(welcome->str("relay_id") == "relay-7");
  CHECK(welcome->num("heartbeat_ms") > 0);

  // The alarm by caller number only (formatted as a phone shows it).
  const std::string number = "+86 " + row.phone;
  RelayMsg ack;
  const std::string incident = alarm_incident(
      pump, relay, Body().s("alarm_id", "alarm-1").s("caller_number", number).i("pressed_at_ms", clock.wall_ms()).bytes(),
      ack);
  CHECK(ack.str("alarm_id") == "alarm-1");
  CHECK_FALSE(ack.flag("unverified"));
  CHECK(ack.str("household") == hh);
  CHECK(ack.str("report_id") == "watch-relay-7:alarm-1");

  // The police station of the household's grid gets the order.
  auto order = pump.bus_until(10000, [&](const Envelope& e) { return e.command == "DISPATCH_ORDER"; });
  REQUIRE(order.has_value());
  auto o = decode_body<v1::DispatchOrder>(order->body);
  REQUIRE(o.ok());
  CHECK(o->incident_id == incident);
  CHECK(o->unit == police);
  CHECK(o->priority == 1);
  CHECK(o->source == "watch");
  unit->send_message("router", v1::OrderAck{o->order_id, police, true, std::nullopt});

  // The relay is asked to ring exactly the registered neighbours (needs the router's
  // neighbours.alerted event).
  std::map<std::string, RelayMsg> alerts;
  SystemClock c;
  const Millis until = c.monotonic_ms() + 15000;
  while (alerts.size() < row.neighbours.size() && c.monotonic_ms() < until) {
    auto a = pump.relay_until(500, [](const RelayMsg& m) { return m.command == "NEIGHBOUR_ALERT"; });
    if (!a) continue;
    CHECK(a->str("incident_id") == incident);
    CHECK(a->str("from_household") == hh);
    CHECK(a->str("alert_id") == incident + "-" + a->str("household"));
    CHECK(a->id == a->str("alert_id"));
    relay.send("ALERT_DELIVERED", Body().s("alert_id", a->str("alert_id")).bytes());
    const std::string who = a->str("household");
    alerts.emplace(who, std::move(*a));
  }
  std::set<std::string> alerted;
  for (const auto& [h, a] : alerts) {
    alerted.insert(h);
    CHECK(a.str("phone") == households.at(h).phone);
  }
  CHECK(alerted == std::set<std::string>(row.neighbours.begin(), row.neighbours.end()));
  REQUIRE(alerted.size() >= 2);

  // Two neighbours acknowledge: one by alert id, one by incident + household.
  const std::string first = *alerted.begin();
  const std::string second = *std::next(alerted.begin());
  relay.send("NEIGHBOUR_ACK", Body().s("ack_id", "ack-1").s("alert_id", incident + "-" + first).i("at_ms", clock.wall_ms()).bytes());
  auto rec1 = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "ACK_RECORDED"; });
  REQUIRE(rec1.has_value());
  CHECK(rec1->str("household") == first);
  relay.send("NEIGHBOUR_ACK",
             Body().s("ack_id", "ack-2").s("incident_id", incident).s("household", second).i("at_ms", clock.wall_ms()).bytes());
  auto rec2 = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "ACK_RECORDED"; });
  REQUIRE(rec2.has_value());
  CHECK(rec2->str("household") == second);
  CHECK(rec2->str("alert_id") == incident + "-" + second);

  // No further alerts are re-sent after delivery; the router records both acknowledgements.
  std::set<std::string> acked;
  const Millis trail_until = c.monotonic_ms() + 10000;
  while (acked.size() < 2 && c.monotonic_ms() < trail_until) {
    acked.clear();
    for (const auto& e : trail(pump, *cli, incident)) {
      if (e.type != router::event_type::kNeighbourAcknowledged) continue;
      auto ev = decode_body<router::NeighbourAcknowledged>(e.body.bytes);
      REQUIRE(ev.ok());
      CHECK(ev->relay == std::optional<std::string>("relay-7"));
      acked.insert(ev->household);
    }
    pump.round();
  }
  CHECK(acked == std::set<std::string>{first, second});
  CHECK(gw.stop());
}

TEST_CASE("watch alarm: an unknown number is dispatched unverified by the relay's area; repeats are one incident; "
          "garbage is answered",
          "[integration][gw_watch]") {
  LiandongSystem sys;
  std::string endpoint;
  auto gw = sys.start_gateway(LIANDONG_GW_WATCH_BIN, "watch", "tcp://127.0.0.1:0", endpoint);
  INFO(read_file(sys.broker.dir.file("gw-watch.log")));

  const auto households = read_households();
  const std::string unknown = "13900000001";
  REQUIRE(std::none_of(households.begin(), households.end(), [&](const auto& h) { return h.second.phone == unknown; }));

  zmq::context_t ctx;
  SystemClock clock;
  auto unit = connect_client(ctx, clock, sys.broker.endpoint, "unit:police.ps01");  // jiyang's police
  auto cli = connect_client(ctx, clock, sys.broker.endpoint, "cli-gw-watch-test", "cli");
  FakeRelay relay(ctx, endpoint);
  Pump pump{relay, {unit.get(), cli.get()}, {}, {}};

  // Before HELLO: refused, not crashed.
  relay.send("PING", Body().bytes());
  auto not_registered = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "ERROR"; });
  REQUIRE(not_registered.has_value());
  CHECK(not_registered->num("code") == 102);

  relay.send("HELLO", Body().s("relay_id", "town-relay").s("area", "jiyang").bytes());
  auto welcome = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "WELCOME"; });
  REQUIRE(welcome.has_value());
  CHECK(welcome->str("area_town") == "jiyang");

  const std::string body = Body().s("alarm_id", "u-1").s("caller_number", unknown).i("pressed_at_ms", clock.wall_ms()).bytes();
  RelayMsg ack;
  const std::string incident = alarm_incident(pump, relay, body, ack);
  CHECK(ack.flag("unverified"));
  CHECK(ack.str("household").empty());

  auto order = pump.bus_until(10000, [&](const Envelope& e) { return e.command == "DISPATCH_ORDER"; });
  REQUIRE(order.has_value());
  auto o = decode_body<v1::DispatchOrder>(order->body);
  REQUIRE(o.ok());
  CHECK(o->incident_id == incident);
  CHECK(o->unit == "police.ps01");

  // The same alarm again: the same incident, reported once.
  relay.send("ALARM", body);
  auto again = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "ALARM_ACK"; });
  REQUIRE(again.has_value());
  CHECK(again->str("incident_id") == incident);
  CHECK(again->flag("unverified"));
  int reported = 0;
  for (const auto& e : trail(pump, *cli, incident)) {
    if (e.type != router::event_type::kReported) continue;
    ++reported;
    auto ev = decode_body<router::IncidentReported>(e.body.bytes);
    REQUIRE(ev.ok());
    CHECK(ev->unverified == std::optional<bool>(true));
    CHECK_FALSE(ev->household.has_value());
    CHECK(ev->source == "watch");
    CHECK(ev->priority == 1);
  }
  CHECK(reported == 1);

  // Garbage: every one answered with an ERROR, and the gateway keeps serving.
  struct Bad {
    std::vector<std::string> frames;
    std::int64_t code;
  };
  const std::vector<Bad> bad = {
      {{"hello"}, 100},
      {{"LDR1", "ALARM"}, 100},
      {{"LDR2", "PING", "x1", "\x80"}, 101},
      {{"LDR1", "ALARM", "x2", "\xc1\xc1"}, 200},
      {{"LDR1", "ALARM", "x3", Body().s("alarm_id", "z").i("caller_number", 5).i("pressed_at_ms", 1).bytes()}, 202},
      {{"LDR1", "ALARM", "x4", Body().s("alarm_id", "z").i("pressed_at_ms", 1).bytes()}, 201},
      {{"LDR1", "NEIGHBOUR_ACK", "x5", Body().s("ack_id", "k").s("alert_id", "nope").i("at_ms", 1).bytes()}, 204},
      {{"LDR1", "FLY", "x6", "\x80"}, 106},
      {{"LDR1", "PING", "x7", std::string(70 * 1024, 'a')}, 104},
  };
  pump.round();
  pump.relay_seen.clear();
  for (const Bad& b : bad) {
    relay.send_frames(b.frames);
    auto err = pump.relay_until(5000, [](const RelayMsg& m) { return m.command == "ERROR"; });
    REQUIRE(err.has_value());
    INFO(err->str("message"));
    CHECK(err->num("code") == b.code);
    CHECK_FALSE(err->str("message").empty());
  }
  relay.send("PING", Body().bytes());
  SystemClock c;
  bool pong = false;
  for (const Millis until = c.monotonic_ms() + 5000; !pong && c.monotonic_ms() < until;) {
    if (auto m = relay.receive()) pong = m->command == "PONG";
  }
  CHECK(pong);
  CHECK(gw.stop());
}

#endif  // LIANDONG_GW_WATCH_BIN
