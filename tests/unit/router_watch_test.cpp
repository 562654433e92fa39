// Neighbourhood watch on the real Zhuji deployment (issue #5): a watch alarm alerts exactly the
// household's registered neighbour group with its order; neighbours acknowledge (once per ack id,
// only members of the group); an alert nobody answers in time is recorded once and told to the
// watch duty supervisor; a second press of the same alarm merges; an unverified caller is flagged.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "core/codec.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/router_core.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {


inline const Deployment& zhuji_deployment() {
  static const Deployment d = [] {
    auto loaded = load_deployment(LIANDONG_SOURCE_DIR "/config/zhuji");
    INFO(loaded.status().to_string());
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return d;
}

inline std::vector<std::string> event_types(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : d.events) out.push_back(e.type);
  return out;
}

template <class Body>
std::vector<Body> events_of(const Decision& d, std::string_view type) {
  std::vector<Body> out;
  for (const auto& e : d.events) {
    if (e.type != type) continue;
    auto body = decode_body<Body>(e.body.bytes);
    REQUIRE(body.ok());
    out.push_back(*body);
  }
  return out;
}

template <class Message>
std::vector<std::pair<std::string, Message>> sent(const Decision& d) {
  std::vector<std::pair<std::string, Message>> out;
  for (const auto* list : {&d.now, &d.after_durable}) {
    for (const auto& s : *list) {
      if (s.command != Message::kCommand) continue;
      auto m = decode_body<Message>(s.body);
      REQUIRE(m.ok());
      out.emplace_back(s.to, *m);
    }
  }
  return out;
}

// Keeps every event a core records, as the audit log would, for a replay.
struct Log {
  std::vector<v1::StoredEvent> events;
  Decision keep(Decision d) {
    for (const auto& e : d.events) {
      v1::StoredEvent s;
      s.seq = static_cast<std::int64_t>(events.size()) + 1;
      s.event_id = e.event_id;
      s.incident_id = e.incident_id;
      s.type = e.type;
      s.actor = e.actor;
      s.at_ms = e.at_ms;
      s.body = e.body;
      events.push_back(s);
    }
    return d;
  }
  void replay_into(RouterCore& core) const {
    for (const auto& e : events) REQUIRE(core.apply_stored(e).ok());
  }
};

constexpr Millis kStart = 1'772'784'000'000;  // 2026-03-06 16:00 +08:00, a Friday

v1::IncidentReport watch_alarm(const std::string& id, const std::string& household, Millis at = kStart) {
  v1::IncidentReport r;
  r.report_id = id;
  r.source = "watch";
  r.category = "watch.alarm";
  r.household = household;
  r.reported_at_ms = at;
  return r;
}

v1::NeighbourAck neighbour_ack(const std::string& ack_id, const std::string& incident, const std::string& household,
                               Millis at = kStart + 30'000) {
  v1::NeighbourAck a;
  a.ack_id = ack_id;
  a.incident_id = incident;
  a.household = household;
  a.at_ms = at;
  a.relay = "relay.jiyang";
  return a;
}

const std::vector<std::string> kGroupOfH000001 = {"H000002", "H000003", "H000004", "H000005", "H000006",
                                                   "H000007", "H000008", "H000009", "H000010", "H000011"};

struct Watch {
  ManualClock clock{kStart};
  RouterCore core{zhuji_deployment(), clock};
  Log log;
  std::string incident;
  std::string police_order;

  Decision alarm(const std::string& id = "w1", const std::string& household = "H000001") {
    return log.keep(core.on_report("gw-watch", "m-" + id, watch_alarm(id, household, clock.wall_ms())));
  }
  // The first alarm of H000001, its police order accepted (so the ack ladder stays quiet).
  Decision start() {
    Decision d = alarm();
    incident = sent<v1::ReportAck>(d).at(0).second.incident_id;
    police_order = sent<v1::DispatchOrder>(d).at(0).second.order_id;
    log.keep(core.on_order_ack("unit:police.ps01", "a", v1::OrderAck{police_order, "police.ps01", true, std::nullopt}));
    return d;
  }
};
}  // namespace

TEST_CASE("a watch alarm alerts exactly the household's registered neighbour group", "[unit][router][watch]") {
  Watch w;
  const Decision d = w.start();
  CHECK(event_types(d) == std::vector<std::string>{"incident.reported", "order.dispatched", "neighbours.alerted"});
  const auto orders = sent<v1::DispatchOrder>(d);
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].second.unit == "police.ps01");  // the police station of the household's grid G00017
  const auto alerted = events_of<NeighboursAlerted>(d, "neighbours.alerted");
  REQUIRE(alerted.size() == 1);
  CHECK(alerted[0].incident_id == w.incident);
  CHECK(alerted[0].household == "H000001");
  CHECK(alerted[0].neighbours == kGroupOfH000001);
  CHECK(alerted[0].ack_deadline_ms == kStart + 90'000);  // [workflow.watch.neighbours] ack_seconds
  CHECK(alerted[0].min_acks == 1);
  const auto view = w.core.view(w.incident);
  REQUIRE(view);
  bool shown = false;
  for (const auto& t : view->timeline) {
    if (t.type != "neighbours.alerted") continue;
    shown = true;
    CHECK_THAT(t.text, Catch::Contains("H000001") && Catch::Contains("10 households"));
    CHECK_THAT(t.text, !Catch::Contains("15005752171"));  // never the phone number
  }
  CHECK(shown);
}

TEST_CASE("neighbour acknowledgements are recorded once, only from the alerted group", "[unit][router][watch]") {
  Watch w;
  w.start();
  auto ack = w.core.on_neighbour_ack("gw-watch", "m1", neighbour_ack("k1", w.incident, "H000005"));
  REQUIRE(event_types(ack) == std::vector<std::string>{"neighbour.acknowledged"});
  const auto recorded = events_of<NeighbourAcknowledged>(ack, "neighbour.acknowledged")[0];
  CHECK(recorded.household == "H000005");
  CHECK(recorded.ack_id == "k1");
  CHECK(recorded.by == "gw-watch");
  CHECK(recorded.at_ms == kStart + 30'000);
  CHECK(recorded.relay == std::optional<std::string>("relay.jiyang"));
  auto receipt = sent<v1::Receipt>(ack);
  REQUIRE(receipt.size() == 1);
  CHECK(receipt[0].first == "gw-watch");
  CHECK(receipt[0].second.key == "k1");
  CHECK(receipt[0].second.state == "accepted");
  CHECK_FALSE(receipt[0].second.duplicate);

  SECTION("the same ack id again: a duplicate receipt, no event") {
    auto again = w.core.on_neighbour_ack("gw-watch", "m2", neighbour_ack("k1", w.incident, "H000005"));
    CHECK(again.events.empty());
    REQUIRE(sent<v1::Receipt>(again).size() == 1);
    CHECK(sent<v1::Receipt>(again)[0].second.duplicate);
  }
  SECTION("a household outside the group is refused, named") {
    auto refused = w.core.on_neighbour_ack("gw-watch", "m3", neighbour_ack("k2", w.incident, "H000012"));
    CHECK(refused.events.empty());
    const auto errors = sent<v1::Error>(refused);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].second.code == static_cast<std::uint32_t>(ErrorCode::kInvalidValue));
    CHECK_THAT(errors[0].second.message, Catch::Contains("H000012"));
    CHECK(errors[0].second.reply_to == std::optional<std::string>("m3"));
  }
  SECTION("an unknown incident is refused") {
    auto refused = w.core.on_neighbour_ack("gw-watch", "m4", neighbour_ack("k3", "nope", "H000005"));
    REQUIRE(sent<v1::Error>(refused).size() == 1);
    CHECK(sent<v1::Error>(refused)[0].second.code == static_cast<std::uint32_t>(ErrorCode::kUnknownId));
  }
  SECTION("an acknowledged alert is not escalated at its deadline") {
    w.clock.advance(91'000);
    CHECK(events_of<NeighboursUnanswered>(w.core.on_tick(), "neighbours.unanswered").empty());
  }
}

TEST_CASE("an alert nobody acknowledges is told to the watch supervisor once", "[unit][router][watch]") {
  Watch w;
  w.start();
  w.clock.advance(89'000);
  CHECK(w.core.on_tick().empty());
  w.clock.advance(2'000);
  const Decision late = w.log.keep(w.core.on_tick());
  REQUIRE(event_types(late) == std::vector<std::string>{"neighbours.unanswered"});
  const auto unanswered = events_of<NeighboursUnanswered>(late, "neighbours.unanswered")[0];
  CHECK(unanswered.incident_id == w.incident);
  CHECK(unanswered.acks == 0);
  CHECK(unanswered.needed == 1);
  const auto notices = sent<v1::Notice>(late);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].first == "unit:supervisor.watch");
  CHECK(notices[0].second.kind == "neighbours_unanswered");
  CHECK(notices[0].second.incident_id == w.incident);
  CHECK(notices[0].second.notice_id == late.events[0].event_id);
  CHECK_THAT(notices[0].second.text, !Catch::Contains("15005752171"));
  // Never repeated, neither by later ticks nor by a late acknowledgement.
  w.clock.advance(60'000);
  CHECK(w.core.on_tick().empty());
  auto ack = w.core.on_neighbour_ack("gw-watch", "m", neighbour_ack("late", w.incident, "H000002"));
  CHECK(event_types(ack) == std::vector<std::string>{"neighbour.acknowledged"});
  CHECK(w.core.on_tick().empty());

  SECTION("a restarted router rebuilds the same state and records nothing again") {
    w.log.keep(ack);
    RouterCore restarted(zhuji_deployment(), w.clock);
    w.log.replay_into(restarted);
    CHECK(encode_body(*restarted.view(w.incident)) == encode_body(*w.core.view(w.incident)));
    CHECK(restarted.on_tick().empty());
    CHECK(restarted.resume().empty());
    CHECK(sent<v1::Receipt>(restarted.on_neighbour_ack("gw-watch", "m", neighbour_ack("late", w.incident, "H000002")))
              .at(0)
              .second.duplicate);
  }
}

TEST_CASE("a second press of the same household's alarm is linked, not dispatched again", "[unit][router][watch]") {
  Watch w;
  w.start();
  w.clock.advance(5 * 60'000);
  const Decision again = w.alarm("w2");
  CHECK(event_types(again) == std::vector<std::string>{"incident.reported", "incident.linked"});
  CHECK(sent<v1::DispatchOrder>(again).empty());
  const auto ack = sent<v1::ReportAck>(again);
  REQUIRE(ack.size() == 1);
  CHECK(ack[0].second.merged_into == std::optional<std::string>(w.incident));
  CHECK_THAT(events_of<IncidentLinked>(again, "incident.linked")[0].reason, Catch::Contains("household H000001"));

  SECTION("after the window, it is a new alarm") {
    w.clock.advance(30 * 60'000);
    const Decision later = w.alarm("w3");
    CHECK(event_types(later) == std::vector<std::string>{"incident.reported", "order.dispatched", "neighbours.alerted"});
  }
  SECTION("another household's alarm elsewhere is its own incident") {
    const Decision other = w.alarm("w4", "H000012");
    CHECK(sent<v1::ReportAck>(other)[0].second.merged_into == std::nullopt);
    CHECK(events_of<NeighboursAlerted>(other, "neighbours.alerted").at(0).household == "H000012");
  }
}

TEST_CASE("an unverified caller is carried to the log, the timeline and the police order", "[unit][router][watch]") {
  ManualClock clock{kStart};
  RouterCore core(zhuji_deployment(), clock);
  auto r = watch_alarm("u1", "H000001");
  r.unverified = true;
  const Decision d = core.on_report("gw-watch", "m", r);
  CHECK(events_of<IncidentReported>(d, "incident.reported")[0].unverified == std::optional<bool>(true));
  const auto orders = sent<v1::DispatchOrder>(d);
  REQUIRE(orders.size() == 1);
  CHECK_THAT(orders[0].second.reason.value_or(""), Catch::Contains("unverified caller"));
  const auto view = core.view(sent<v1::ReportAck>(d)[0].second.incident_id);
  CHECK_THAT(view->timeline.at(0).text, Catch::Contains("unverified caller"));
  // A verified alarm says nothing of the kind.
  const Decision plain = core.on_report("gw-watch", "m", watch_alarm("u2", "H000100"));
  CHECK(events_of<IncidentReported>(plain, "incident.reported")[0].unverified == std::nullopt);
  CHECK_THAT(sent<v1::DispatchOrder>(plain).at(0).second.reason.value_or(""), !Catch::Contains("unverified"));
}
