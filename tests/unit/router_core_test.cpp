// The router's decisions on a small hand-made deployment, driven by a manual clock: routing,
// multi-agency dispatch, idempotency, escalation, decline, merge and unlink, transfer, refused
// transitions, triage, and replay after a restart.
#include <catch2/catch.hpp>

#include "core/codec.hpp"
#include "services/router/router_core.hpp"
#include "services/router/router_events.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {

Grid square(const std::string& id, double lat, double lon, const std::string& police) {
  Grid g;
  g.id = id;
  g.zone = "Z1";
  g.town = "jiyang";
  g.polygon = {{lat, lon}, {lat, lon + 0.01}, {lat + 0.01, lon + 0.01}, {lat + 0.01, lon}};
  g.units = {{"police", police}, {"fire", "fire.st01"}, {"ems", "ems.st01"}};
  return g;
}

Workflow workflow_110() {
  Workflow w;
  w.platform = "110";
  w.states = {"dispatched", "accepted", "en_route", "on_scene", "resolved", "closed"};
  w.transitions = {{"dispatched", {"accepted"}}, {"accepted", {"en_route"}}, {"en_route", {"on_scene"}},
                   {"on_scene", {"resolved"}}, {"resolved", {"closed"}}};
  return w;
}

Workflow workflow_96345() {
  Workflow w;
  w.platform = "96345";
  w.initial = "assigned";
  w.declined = {"returned"};
  w.states = {"assigned", "accepted", "answered", "called_back", "closed", "returned"};
  w.transitions = {{"assigned", {"accepted", "returned"}}, {"accepted", {"answered", "returned"}},
                   {"answered", {"called_back"}}, {"called_back", {"closed"}}};
  return w;
}

Deployment small_city() {
  Deployment d;
  auto unit = [&](const std::string& id, const std::string& agency, double lat, double lon) {
    d.units[id] = Unit{id, agency, id, "jiyang", GeoPoint{lat, lon}};
  };
  unit("police.ps01", "police", 29.705, 120.205);
  unit("police.ps02", "police", 29.715, 120.215);
  unit("police.ps03", "police", 29.900, 120.500);
  unit("fire.st01", "fire", 29.71, 120.21);
  unit("ems.st01", "ems", 29.71, 120.21);
  unit("dept.water", "dept", 29.71, 120.21);
  unit("supervisor.110", "supervisor", 29.71, 120.21);
  unit("supervisor.96345", "supervisor", 29.71, 120.21);
  unit("command.centre", "command", 29.71, 120.21);
  for (auto g : {square("GA", 29.70, 120.20, "police.ps01"), square("GB", 29.70, 120.21, "police.ps01"),
                 square("GC", 29.71, 120.20, "police.ps02"), square("GD", 29.71, 120.21, "police.ps02")}) {
    d.grids[g.id] = g;
  }
  d.households["H1"] = Household{"H1", "13800000001", "GD", {}};
  d.categories["fire.building"] = {"fire.building", "fire", 1};
  d.categories["traffic.accident"] = {"traffic.accident", "traffic", 2};
  d.categories["crime.theft"] = {"crime.theft", "crime", 3};
  d.categories["utility.water_leak"] = {"utility.water_leak", "utility", 3};
  const std::vector<std::string> police_ladder = {"nearest", "supervisor", "command"};
  d.rules = {
      {"multi-agency accident", "traffic.accident", "*", 1, 1,
       {{"grid.police", 30'000, police_ladder, 30'000}, {"grid.fire", 30'000, {"supervisor"}, 30'000},
        {"grid.ems", 30'000, {"supervisor"}, 30'000}}},
      {"fire", "fire.*", "*", 1, 4, {{"grid.fire", 30'000, {"supervisor", "command"}, 30'000}, {"grid.police", 30'000, police_ladder, 30'000}}},
      {"water leaks to the water department", "utility.*", "96345", 1, 4, {{"dept.water", 3'600'000, {"supervisor"}, 600'000}}},
      {"police by default on 110", "*", "110", 1, 4, {{"grid.police", 30'000, police_ladder, 30'000}}},
  };
  d.workflows["110"] = workflow_110();
  d.workflows["96345"] = workflow_96345();
  d.merge_windows["fire"] = {300, 30 * 60'000};
  d.supervisors = {{"110", "supervisor.110"}, {"96345", "supervisor.96345"}};
  d.supervisor_ack_deadline_ms = 60'000;
  return d;
}

v1::IncidentReport report(const std::string& id, const std::string& category, double lat = 29.705,
                          double lon = 120.205, const std::string& source = "110") {
  v1::IncidentReport r;
  r.report_id = id;
  r.source = source;
  r.category = category;
  r.location = v1::Location{lat, lon};
  r.reported_at_ms = 1'790'000'000'000;
  return r;
}

std::vector<v1::DispatchOrder> orders_in(const Decision& d) {
  std::vector<v1::DispatchOrder> out;
  for (const auto& s : d.after_durable) {
    if (s.command == "DISPATCH_ORDER") {
      auto o = decode_body<v1::DispatchOrder>(s.body);
      REQUIRE(o.ok());
      REQUIRE(s.to == unit_peer(o->unit));
      out.push_back(*o);
    }
  }
  return out;
}

std::vector<std::string> units_of(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& o : orders_in(d)) out.push_back(o.unit);
  return out;
}

v1::ReportAck ack_in(const Decision& d) {
  for (const auto& s : d.after_durable) {
    if (s.command == "REPORT_ACK") {
      auto a = decode_body<v1::ReportAck>(s.body);
      REQUIRE(a.ok());
      return *a;
    }
  }
  FAIL("no REPORT_ACK in the decision");
  return {};
}

v1::Error error_in(const Decision& d) {
  REQUIRE(d.now.size() == 1);
  REQUIRE(d.now[0].command == "ERROR");
  REQUIRE(d.events.empty());
  auto e = decode_body<v1::Error>(d.now[0].body);
  REQUIRE(e.ok());
  return *e;
}

std::vector<std::string> types_of(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : d.events) out.push_back(e.type);
  return out;
}

struct Fixture {
  ManualClock clock{1'790'000'000'000};
  Deployment deployment = small_city();
  RouterCore core{deployment, clock};
};

}  // namespace

TEST_CASE("a report is routed by rule to its grid's units, acknowledged after its events", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw-110", "m1", report("r1", "fire.building"));
  CHECK(types_of(d) == std::vector<std::string>{"incident.reported", "order.dispatched", "order.dispatched"});
  CHECK(units_of(d) == std::vector<std::string>{"fire.st01", "police.ps01"});
  CHECK(d.now.empty());
  auto ack = ack_in(d);
  CHECK(ack.report_id == "r1");
  CHECK_FALSE(ack.duplicate);
  CHECK(ack.state == "dispatched");
  CHECK(d.after_durable.front().command == "REPORT_ACK");
  CHECK(d.after_durable.front().to == "gw-110");
  const auto orders = orders_in(d);
  CHECK(orders[0].ack_deadline_ms == f.clock.wall_ms() + 30'000);
  CHECK(orders[0].grid == "GA");
  CHECK(orders[0].priority == 1);
  for (const auto& e : d.events) CHECK(e.incident_id == ack.incident_id);
}

TEST_CASE("routing table over the small city", "[unit][router]") {
  struct Row {
    std::string category, source;
    double lat, lon;
    std::vector<std::string> units;
    std::optional<std::int64_t> priority = std::nullopt;
  };
  const std::vector<Row> table = {
      {"traffic.accident", "110", 29.705, 120.205, {"police.ps01", "fire.st01", "ems.st01"}, 1},
      {"traffic.accident", "110", 29.715, 120.215, {"police.ps02", "fire.st01", "ems.st01"}, 1},
      {"traffic.accident", "110", 29.715, 120.215, {"police.ps02"}},  // default P2: police only
      {"fire.building", "96345", 29.715, 120.205, {"fire.st01", "police.ps02"}},
      {"crime.theft", "110", 29.705, 120.215, {"police.ps01"}},
      {"utility.water_leak", "96345", 29.705, 120.205, {"dept.water"}},
      {"utility.water_leak", "110", 29.705, 120.205, {"police.ps01"}},      // 110 default rule
      {"crime.theft", "96345", 29.705, 120.205, {"supervisor.96345"}},       // no rule: triage
  };
  int n = 0;
  for (const auto& row : table) {
    Fixture f;
    INFO(row.category << " from " << row.source);
    auto r = report("r" + std::to_string(n++), row.category, row.lat, row.lon, row.source);
    r.priority = row.priority;
    CHECK(units_of(f.core.on_report("gw", "m", r)) == row.units);
  }
}

TEST_CASE("an explicit priority wins over the category's default and changes the rule", "[unit][router]") {
  Fixture f;
  auto r = report("r1", "traffic.accident");
  auto d = f.core.on_report("gw", "m", r);
  CHECK(units_of(d) == std::vector<std::string>{"police.ps01"});  // P2 default: police only
  r.report_id = "r2";
  r.priority = 1;
  r.location = v1::Location{29.715, 120.215};
  d = f.core.on_report("gw", "m", r);
  CHECK(units_of(d) == std::vector<std::string>{"police.ps02", "fire.st01", "ems.st01"});
}

TEST_CASE("the same report id twice is the same incident, dispatched once", "[unit][router]") {
  Fixture f;
  auto first = f.core.on_report("gw-110", "m1", report("r1", "crime.theft"));
  auto again = f.core.on_report("gw-110", "m2", report("r1", "crime.theft"));
  CHECK(again.events.empty());
  CHECK(orders_in(again).empty());
  auto ack = ack_in(again);
  CHECK(ack.duplicate);
  CHECK(ack.incident_id == ack_in(first).incident_id);
  // The same id from another platform is another report.
  auto other = f.core.on_report("gw-96345", "m3", report("r1", "crime.theft", 29.705, 120.205, "96345"));
  CHECK(ack_in(other).incident_id != ack.incident_id);
}

TEST_CASE("an order not accepted in time climbs the ladder, each step an event", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  REQUIRE(units_of(d) == std::vector<std::string>{"police.ps01"});
  const auto incident_id = ack_in(d).incident_id;
  CHECK(f.core.on_tick().empty());
  f.clock.advance(29'999);
  CHECK(f.core.on_tick().empty());
  f.clock.advance(1);
  auto step1 = f.core.on_tick();
  CHECK(types_of(step1) == std::vector<std::string>{"order.escalated", "order.dispatched"});
  CHECK(units_of(step1) == std::vector<std::string>{"police.ps02"});  // the nearest other police unit
  CHECK(orders_in(step1)[0].rung == 1);
  f.clock.advance(30'000);  // escalated orders have the ladder's deadline
  CHECK(units_of(f.core.on_tick()) == std::vector<std::string>{"supervisor.110"});
  f.clock.advance(30'000);
  CHECK(units_of(f.core.on_tick()) == std::vector<std::string>{"command.centre"});
  f.clock.advance(30'000);
  // Past the top of the ladder the command centre is asked again: never left with nobody.
  CHECK(units_of(f.core.on_tick()) == std::vector<std::string>{"command.centre"});
  auto view = f.core.view(incident_id);
  REQUIRE(view.has_value());
  CHECK(view->orders.size() == 5);
  CHECK(view->orders[0].state == "escalated");
}

TEST_CASE("an accepted order does not escalate; a late accept after escalation is refused", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  auto accepted = f.core.on_order_ack("unit:police.ps01", "a1", v1::OrderAck{order.order_id, "police.ps01", true, std::nullopt});
  CHECK(types_of(accepted) == std::vector<std::string>{"order.accepted"});
  REQUIRE(accepted.after_durable.size() == 1);
  CHECK(accepted.after_durable[0].command == "RECEIPT");
  f.clock.advance(120'000);
  CHECK(f.core.on_tick().empty());
  // A retry of the same accept is answered again, without a new event.
  auto retry = f.core.on_order_ack("unit:police.ps01", "a2", v1::OrderAck{order.order_id, "police.ps01", true, std::nullopt});
  CHECK(retry.events.empty());
  CHECK(decode_body<v1::Receipt>(retry.after_durable.at(0).body)->duplicate);

  auto d2 = f.core.on_report("gw", "m", report("r2", "crime.theft", 29.715, 120.215));
  const auto late = orders_in(d2)[0];
  f.clock.advance(30'000);
  REQUIRE_FALSE(f.core.on_tick().empty());
  auto refused = f.core.on_order_ack("unit:police.ps02", "a3", v1::OrderAck{late.order_id, "police.ps02", true, std::nullopt});
  auto err = error_in(refused);
  CHECK(err.name == "INVALID_TRANSITION");
  CHECK_THAT(err.message, Catch::Contains("escalated"));
}

TEST_CASE("a decline escalates at once with its reason", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  auto declined = f.core.on_order_ack("unit:police.ps01", "x", v1::OrderAck{order.order_id, "police.ps01", false,
                                                                             std::string("all cars out")});
  CHECK(types_of(declined) == std::vector<std::string>{"order.declined", "order.escalated", "order.dispatched"});
  auto next = orders_in(declined);
  REQUIRE(next.size() == 1);
  CHECK(next[0].unit == "police.ps02");
  CHECK_THAT(*next[0].reason, Catch::Contains("all cars out"));
}

TEST_CASE("unknown ids and wrong units are refused with a clear error", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  CHECK(error_in(f.core.on_order_ack("u", "x", v1::OrderAck{"nope", "police.ps01", true, std::nullopt})).name == "UNKNOWN_ID");
  auto wrong = error_in(f.core.on_order_ack("u", "x", v1::OrderAck{order.order_id, "police.ps02", true, std::nullopt}));
  CHECK(wrong.name == "FORBIDDEN");
  CHECK_THAT(wrong.message, Catch::Contains("police.ps01"));
  v1::StatusUpdate u;
  u.update_id = "u1";
  u.incident_id = "nope";
  u.state = "en_route";
  u.at_ms = 1;
  CHECK(error_in(f.core.on_status("u", "x", u)).name == "UNKNOWN_ID");
  CHECK(error_in(f.core.on_transfer("u", "x", v1::Transfer{"t", "nope", "96345", std::nullopt})).name == "UNKNOWN_ID");
  CHECK(error_in(f.core.on_unlink("u", "x", v1::IncidentUnlink{"q", "nope"})).name == "UNKNOWN_ID");
}

TEST_CASE("ORDER_ACK's unit is the bare unit id; the peer-name form names the same unit", "[unit][router][security]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  REQUIRE(order.unit == "police.ps01");

  SECTION("the owning unit writing its peer name is accepted, with no security event") {
    auto ok = f.core.on_order_ack("unit:police.ps01", "a1", v1::OrderAck{order.order_id, "unit:police.ps01", true, std::nullopt});
    CHECK(types_of(ok) == std::vector<std::string>{"order.accepted"});
    CHECK(f.core.counters()["security_refusals"] == 0);
  }
  SECTION("a gateway answering for the unit may use either form too") {
    auto ok = f.core.on_order_ack("gw-96345", "a1", v1::OrderAck{order.order_id, "unit:police.ps01", true, std::nullopt});
    CHECK(types_of(ok) == std::vector<std::string>{"order.accepted"});
  }
  SECTION("the owning unit naming another unit is a client error, not an intrusion") {
    auto err = error_in(f.core.on_order_ack("unit:police.ps01", "a1",
                                            v1::OrderAck{order.order_id, "police.ps02", true, std::nullopt}));
    CHECK(err.name == "INVALID_VALUE");
    CHECK_THAT(err.message, Catch::Contains("field 'unit'"));
    CHECK(f.core.counters()["security_refusals"] == 0);
  }
  SECTION("another unit is refused and recorded, whichever form it writes") {
    auto refused = f.core.on_order_ack("unit:police.ps02", "a1",
                                       v1::OrderAck{order.order_id, "unit:police.ps01", true, std::nullopt});
    CHECK(types_of(refused) == std::vector<std::string>{"security.refused"});
    REQUIRE(refused.now.size() == 1);
    CHECK(decode_body<v1::Error>(refused.now[0].body)->name == "FORBIDDEN");
  }
}

TEST_CASE("a unit's STATUS_UPDATE without order_id or unit is about its own open order", "[unit][router][security]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  const auto incident = ack_in(d).incident_id;
  f.core.on_order_ack("unit:police.ps01", "a", v1::OrderAck{order.order_id, "police.ps01", true, std::nullopt});
  v1::StatusUpdate u;
  u.update_id = "s1";
  u.incident_id = incident;
  u.state = "en_route";
  u.at_ms = 1;
  SECTION("neither field: the sender's own order") {
    auto moved = f.core.on_status("unit:police.ps01", "m", u);
    CHECK(types_of(moved) == std::vector<std::string>{"order.status"});
    CHECK(f.core.order(order.order_id)->state == "en_route");
    CHECK(f.core.counters()["security_refusals"] == 0);
  }
  SECTION("unit written as the peer name") {
    u.unit = "unit:police.ps01";
    CHECK(types_of(f.core.on_status("unit:police.ps01", "m", u)) == std::vector<std::string>{"order.status"});
  }
  SECTION("another unit with no order on the incident is answered UNKNOWN_ID, not a security event") {
    auto err = error_in(f.core.on_status("unit:police.ps02", "m", u));
    CHECK(err.name == "UNKNOWN_ID");
    CHECK_THAT(err.message, Catch::Contains("police.ps02 has no open order"));
  }
  SECTION("another unit naming this unit is still refused and recorded") {
    u.unit = "police.ps01";
    CHECK(types_of(f.core.on_status("unit:police.ps02", "m", u)) == std::vector<std::string>{"security.refused"});
  }
}

TEST_CASE("status changes follow the platform's workflow; others are refused naming the allowed ones",
          "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  const auto incident = ack_in(d).incident_id;
  auto status = [&](const std::string& id, const std::string& state) {
    v1::StatusUpdate u;
    u.update_id = id;
    u.incident_id = incident;
    u.unit = "police.ps01";
    u.order_id = order.order_id;
    u.state = state;
    u.at_ms = 1;
    return f.core.on_status("unit:police.ps01", id, u);
  };
  auto early = error_in(status("s0", "on_scene"));
  CHECK(early.name == "INVALID_TRANSITION");
  CHECK_THAT(early.message, Catch::Contains("'dispatched'") && Catch::Contains("allowed next: accepted"));
  f.core.on_order_ack("unit:police.ps01", "a", v1::OrderAck{order.order_id, "police.ps01", true, std::nullopt});
  CHECK(types_of(status("s1", "en_route")) == std::vector<std::string>{"order.status"});
  CHECK(f.core.incident(incident)->state == "en_route");
  auto skip = error_in(status("s2", "closed"));
  CHECK_THAT(skip.message, Catch::Contains("allowed next: on_scene"));
  CHECK(status("s1", "en_route").events.empty());  // the same update id again: recorded once
  for (const auto& [id, state] : std::vector<std::pair<std::string, std::string>>{
           {"s3", "on_scene"}, {"s4", "resolved"}, {"s5", "closed"}}) {
    CHECK_FALSE(status(id, state).events.empty());
  }
  CHECK(f.core.incident(incident)->state == "closed");
  CHECK_THAT(error_in(status("s6", "en_route")).message, Catch::Contains("is final"));
}

TEST_CASE("a duplicate report nearby is linked, not dispatched; unlinking routes it", "[unit][router]") {
  Fixture f;
  auto first = f.core.on_report("gw-110", "m", report("r1", "fire.building", 29.7050, 120.2050));
  auto second = f.core.on_report("gw-watch", "m", report("r2", "fire.building", 29.7060, 120.2052, "96345"));
  CHECK(types_of(second) == std::vector<std::string>{"incident.reported", "incident.linked"});
  CHECK(orders_in(second).empty());
  auto ack = ack_in(second);
  CHECK(ack.merged_into == ack_in(first).incident_id);
  CHECK(ack.state == "merged");
  CHECK(f.core.incident(ack_in(first).incident_id)->linked == std::vector<std::string>{ack.incident_id});
  // Too far away, or too late: a new incident.
  CHECK(orders_in(f.core.on_report("g", "m", report("r3", "fire.building", 29.7150, 120.2150))).size() == 2);
  f.clock.advance(31 * 60'000);
  auto late = report("r4", "fire.building", 29.7050, 120.2050);
  late.reported_at_ms += 31 * 60'000;
  CHECK(orders_in(f.core.on_report("g", "m", late)).size() == 2);

  auto unlinked = f.core.on_unlink("cli-1", "u", v1::IncidentUnlink{"q1", ack.incident_id});
  CHECK(types_of(unlinked).front() == "incident.unlinked");
  CHECK(units_of(unlinked) == std::vector<std::string>{"fire.st01", "police.ps01"});
  CHECK(f.core.incident(ack_in(first).incident_id)->linked.empty());
  CHECK(error_in(f.core.on_unlink("cli-1", "u", v1::IncidentUnlink{"q2", ack.incident_id})).name == "INVALID_TRANSITION");
}

TEST_CASE("a transfer keeps the incident and its history, withdraws old orders, routes anew", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw-110", "m", report("r1", "utility.water_leak"));
  const auto incident = ack_in(d).incident_id;
  REQUIRE(units_of(d) == std::vector<std::string>{"police.ps01"});
  auto t = f.core.on_transfer("gw-110", "m", v1::Transfer{"t1", incident, "96345", std::string("not a police matter")});
  CHECK(types_of(t) == std::vector<std::string>{"order.closed", "incident.transferred", "order.dispatched"});
  CHECK(units_of(t) == std::vector<std::string>{"dept.water"});
  CHECK(orders_in(t)[0].source == "96345");
  bool told = false;
  for (const auto& s : t.after_durable) told = told || (s.command == "STATUS_UPDATE" && s.to == "unit:police.ps01");
  CHECK(told);
  const Incident* inc = f.core.incident(incident);
  CHECK(inc->source == "96345");
  CHECK(inc->state == "assigned");  // the 96345 workflow's first state
  CHECK(inc->order_ids.size() == 2);
  CHECK(f.core.on_transfer("gw-110", "m", v1::Transfer{"t1", incident, "96345", std::nullopt}).events.empty());
  CHECK(error_in(f.core.on_transfer("gw", "m", v1::Transfer{"t2", incident, "96345", std::nullopt})).name ==
        "INVALID_TRANSITION");
}

TEST_CASE("nothing is dropped: unknown category, no location, unknown grid go to triage", "[unit][router]") {
  Fixture f;
  auto unknown = f.core.on_report("gw", "m", report("r1", "alien.landing"));
  CHECK(units_of(unknown) == std::vector<std::string>{"supervisor.110"});
  CHECK_THAT(*orders_in(unknown)[0].reason, Catch::Contains("unknown category 'alien.landing'"));
  CHECK(ack_in(unknown).state == "dispatched");

  auto nowhere = report("r2", "crime.theft");
  nowhere.location.reset();
  CHECK_THAT(*orders_in(f.core.on_report("gw", "m", nowhere))[0].reason, Catch::Contains("no location"));
  auto bad_grid = report("r3", "crime.theft");
  bad_grid.location.reset();
  bad_grid.grid = "G-NOPE";
  CHECK_THAT(*orders_in(f.core.on_report("gw", "m", bad_grid))[0].reason, Catch::Contains("unknown grid 'G-NOPE'"));

  auto household = report("r4", "crime.theft");
  household.location.reset();
  household.household = "H1";
  CHECK(units_of(f.core.on_report("gw", "m", household)) == std::vector<std::string>{"police.ps02"});

  // A point on no grid goes to the nearest grid, flagged.
  auto off_map = f.core.on_report("gw", "m", report("r5", "crime.theft", 29.7305, 120.2050));
  CHECK(units_of(off_map) == std::vector<std::string>{"police.ps02"});
  auto view = f.core.view(ack_in(off_map).incident_id);
  REQUIRE(view->location_note.has_value());
  CHECK_THAT(*view->location_note, Catch::Contains("nearest grid GC"));
}

TEST_CASE("a unit that is not connected is escalated at once", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  auto esc = f.core.on_unreachable(orders_in(d)[0].order_id);
  CHECK(units_of(esc) == std::vector<std::string>{"police.ps02"});
  CHECK_THAT(*orders_in(esc)[0].reason, Catch::Contains("not connected"));
  CHECK(f.core.on_unreachable(orders_in(d)[0].order_id).empty());  // already escalated
}

TEST_CASE("an ERROR is a delivery failure only from the broker; a peer's forged one is recorded, not obeyed",
          "[unit][router][security]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  const auto order = orders_in(d)[0];
  REQUIRE(order.unit == "police.ps01");
  const auto unroutable = v1::make_error(ErrorCode::kUnroutable, "no peer named 'unit:police.ps01' is registered",
                                         order.order_id, "DISPATCH_ORDER");
  const auto still_with_its_unit = [&] {
    const Order* o = f.core.order(order.order_id);
    REQUIRE(o != nullptr);
    CHECK(o->awaiting_ack);
    CHECK(o->unit == "police.ps01");
  };
  const auto forged = [&](const Decision& decision, const std::string& peer) {
    CHECK(orders_in(decision).empty());
    CHECK(decision.now.empty());  // an ERROR is never answered
    REQUIRE(types_of(decision) == std::vector<std::string>{"security.refused"});
    CHECK(decision.events[0].incident_id == order.incident_id);
    auto ev = decode_body<v1::SecurityEvent>(decision.events[0].body.bytes);
    REQUIRE(ev.ok());
    CHECK(ev->peer == peer);
    CHECK(ev->command == "ERROR");
    return ev->reason;
  };

  SECTION("another unit claiming the order could not be delivered") {
    const auto why = forged(f.core.on_error("unit:police.ps02", "e1", unroutable), "unit:police.ps02");
    CHECK_THAT(why, Catch::Contains("only the broker raises UNROUTABLE"));
    still_with_its_unit();
    CHECK(f.core.counters()["unreachable"] == 0);
  }
  SECTION("another peer refusing an order that was not sent to it") {
    const auto refusal = v1::make_error(ErrorCode::kInvalidBody, "cannot read it", order.order_id, "DISPATCH_ORDER");
    const auto why = forged(f.core.on_error("relay.7", "e2", refusal), "relay.7");
    CHECK_THAT(why, Catch::Contains("only the unit an order was sent to may refuse it"));
    still_with_its_unit();
  }
  SECTION("the order's own unit cannot claim a broker's code either") {
    forged(f.core.on_error("unit:police.ps01", "e3", unroutable), "unit:police.ps01");
    still_with_its_unit();
  }
  SECTION("the order's own unit refusing a body it cannot read changes nothing: the deadline decides") {
    const auto refusal = v1::make_error(ErrorCode::kInvalidBody, "cannot read it", order.order_id, "DISPATCH_ORDER");
    CHECK(f.core.on_error("unit:police.ps01", "e4", refusal).empty());
    still_with_its_unit();
  }
  SECTION("the broker's UNROUTABLE escalates at once") {
    auto esc = f.core.on_error("", "e5", unroutable);
    CHECK(units_of(esc) == std::vector<std::string>{"police.ps02"});
    CHECK_THAT(*orders_in(esc)[0].reason, Catch::Contains("not connected"));
  }
}

TEST_CASE("replaying the log rebuilds the same state, re-sends only unaccepted orders, re-arms deadlines",
          "[unit][router]") {
  Fixture f;
  std::vector<v1::AuditEvent> log;
  auto keep = [&](const Decision& d) { log.insert(log.end(), d.events.begin(), d.events.end()); };
  auto a = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  keep(a);
  keep(f.core.on_order_ack("u", "x", v1::OrderAck{orders_in(a)[0].order_id, "police.ps01", true, std::nullopt}));
  auto b = f.core.on_report("gw", "m", report("r2", "fire.building", 29.715, 120.215));
  keep(b);
  keep(f.core.on_report("gw", "m", report("r3", "fire.building", 29.7151, 120.2151)));  // merged into r2
  f.clock.advance(10'000);

  RouterCore restarted(f.deployment, f.clock);
  std::int64_t seq = 0;
  for (const auto& e : log) {
    v1::StoredEvent s;
    s.seq = ++seq;
    s.event_id = e.event_id;
    s.incident_id = e.incident_id;
    s.type = e.type;
    s.actor = e.actor;
    s.at_ms = e.at_ms;
    s.body = e.body;
    REQUIRE(restarted.apply_stored(s).ok());
  }
  for (const auto& id : {ack_in(a).incident_id, ack_in(b).incident_id}) {
    auto before = f.core.view(id);
    auto after = restarted.view(id);
    REQUIRE(after.has_value());
    CHECK(encode_body(*after) == encode_body(*before));
  }
  auto resend = restarted.resend_pending();
  std::vector<std::string> units;
  for (const auto& s : resend) units.push_back(decode_body<v1::DispatchOrder>(s.body)->unit);
  std::sort(units.begin(), units.end());
  CHECK(units == std::vector<std::string>{"fire.st01", "police.ps02"});  // the accepted ps01 order is not re-sent
  // The same report again after the restart is still the same incident.
  CHECK(ack_in(restarted.on_report("gw", "m", report("r1", "crime.theft"))).duplicate);
  // Deadlines come from the log: 20 s after the restart, b's orders escalate.
  CHECK(restarted.on_tick().empty());
  f.clock.advance(20'000);
  CHECK(units_of(restarted.on_tick()).size() == 2);
}

TEST_CASE("an absent unit at the top of the ladder waits for its deadline instead of bouncing", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  std::string order = orders_in(d)[0].order_id;
  // Nobody is connected: each unreachable order escalates one rung, up to the command centre.
  std::vector<std::string> units;
  for (int i = 0; i < 10; ++i) {
    auto next = f.core.on_unreachable(order);
    if (next.empty()) break;
    units.push_back(orders_in(next)[0].unit);
    order = orders_in(next)[0].order_id;
  }
  CHECK(units == std::vector<std::string>{"police.ps02", "supervisor.110", "command.centre"});
  // Then the command centre's order stays until its deadline, and is sent afresh then.
  f.clock.advance(30'000);
  CHECK(units_of(f.core.on_tick()) == std::vector<std::string>{"command.centre"});
}

TEST_CASE("a repeated report is acknowledged to whoever sent it this time", "[unit][router]") {
  Fixture f;
  f.core.on_report("cli-1", "m", report("r1", "crime.theft"));
  auto again = f.core.on_report("cli-2", "m", report("r1", "crime.theft"));
  REQUIRE(again.after_durable.size() == 1);
  CHECK(again.after_durable[0].to == "cli-2");
}

TEST_CASE("a 96345 work order returned by its department goes up the ladder", "[unit][router]") {
  Fixture f;
  auto d = f.core.on_report("gw-96345", "m", report("r1", "utility.water_leak", 29.705, 120.205, "96345"));
  const auto order = orders_in(d)[0];
  REQUIRE(order.unit == "dept.water");
  v1::StatusUpdate u;
  u.update_id = "u1";
  u.incident_id = order.incident_id;
  u.unit = "dept.water";
  u.order_id = order.order_id;
  u.state = "returned";
  u.note = "not ours: a private pipe";
  u.at_ms = 1;
  auto returned = f.core.on_status("unit:dept.water", "m", u);
  CHECK(types_of(returned) == std::vector<std::string>{"order.status", "order.escalated", "order.dispatched"});
  CHECK(units_of(returned) == std::vector<std::string>{"supervisor.96345"});
  CHECK_THAT(*orders_in(returned)[0].reason, Catch::Contains("private pipe"));
}

namespace {
v1::StoredEvent stored(const v1::AuditEvent& e, std::int64_t seq) {
  v1::StoredEvent s;
  s.seq = seq;
  s.event_id = e.event_id;
  s.incident_id = e.incident_id;
  s.type = e.type;
  s.actor = e.actor;
  s.at_ms = e.at_ms;
  s.body = e.body;
  return s;
}
}  // namespace

TEST_CASE("a decision cut in half by a crash is completed after the replay", "[unit][router]") {
  Fixture f;
  // The router appended "incident.reported" but died before "order.dispatched" reached the log.
  auto d = f.core.on_report("gw", "m", report("r1", "crime.theft"));
  REQUIRE(d.events.size() == 2);
  RouterCore restarted(f.deployment, f.clock);
  REQUIRE(restarted.apply_stored(stored(d.events[0], 1)).ok());
  auto resumed = restarted.resume();
  CHECK(types_of(resumed) == std::vector<std::string>{"order.dispatched"});
  CHECK(units_of(resumed) == std::vector<std::string>{"police.ps01"});
  CHECK(restarted.resume().empty());  // once complete, nothing more to do

  // An escalation whose successor order was lost: the ladder goes on from where it stopped.
  f.clock.advance(30'000);
  auto esc = f.core.on_tick();
  REQUIRE(types_of(esc) == std::vector<std::string>{"order.escalated", "order.dispatched"});
  RouterCore again(f.deployment, f.clock);
  std::int64_t seq = 0;
  for (const auto& e : d.events) REQUIRE(again.apply_stored(stored(e, ++seq)).ok());
  REQUIRE(again.apply_stored(stored(esc.events[0], ++seq)).ok());
  CHECK(units_of(again.resume()) == std::vector<std::string>{"police.ps02"});
}

TEST_CASE("timeline lines are written when a view asks, word for word as when they were recorded", "[unit][router]") {
  Fixture f;
  // An unknown category goes to triage; moved to 96345 afterwards, its first line still says 110.
  auto d = f.core.on_report("gw-110", "m", report("r1", "noise.party"));
  const std::string id = ack_in(d).incident_id;
  const auto triage = orders_in(d).at(0);
  f.core.on_transfer("op", "m", v1::Transfer{"t1", id, "96345", "a city matter"});
  auto view = f.core.view(id);
  REQUIRE(view);
  REQUIRE(view->timeline.size() >= 4);
  CHECK(view->timeline[0].type == "incident.reported");
  CHECK(view->timeline[0].text ==
        "reported by gw-110 via 110: noise.party P2 in grid GA — manual triage: unknown category 'noise.party'");
  CHECK(view->timeline[1].type == "order.dispatched");
  CHECK(view->timeline[1].text ==
        "order " + triage.order_id + " to supervisor.110: manual triage: unknown category 'noise.party'");
  CHECK(view->timeline[2].type == "order.closed");
  CHECK(view->timeline[2].text == "order " + triage.order_id + " to supervisor.110 withdrawn: transferred to 96345");
  CHECK(view->timeline[3].text == "transferred from 110 to 96345 by op: a city matter");

  // Declined, escalated up the ladder, accepted, on its way.
  auto theft = f.core.on_report("gw-110", "m", report("r2", "crime.theft"));
  const std::string theft_id = ack_in(theft).incident_id;
  const auto first = orders_in(theft).at(0);
  auto declined = f.core.on_order_ack("unit:police.ps01", "m", v1::OrderAck{first.order_id, "police.ps01", false, "busy"});
  const auto second = orders_in(declined).at(0);
  f.core.on_order_ack("unit:police.ps02", "m", v1::OrderAck{second.order_id, "police.ps02", true, std::nullopt});
  v1::StatusUpdate u;
  u.update_id = "u1";
  u.incident_id = theft_id;
  u.order_id = second.order_id;
  u.unit = "police.ps02";
  u.state = "en_route";
  u.note = "5 min";
  u.at_ms = 1;
  f.core.on_status("unit:police.ps02", "m", u);
  view = f.core.view(theft_id);
  REQUIRE(view);
  std::vector<std::string> texts;
  for (const auto& line : view->timeline) texts.push_back(line.text);
  REQUIRE(texts.size() == 7);
  CHECK(texts[0] == "reported by gw-110 via 110: crime.theft P3 in grid GA");
  CHECK_THAT(texts[1], Catch::StartsWith("order " + first.order_id + " to police.ps01: rule 'police by default on 110': "));
  CHECK(texts[2] == "police.ps01 declined order " + first.order_id + ": busy");
  CHECK(texts[3] == "order " + first.order_id + " to police.ps01 escalated: declined: busy");
  CHECK_THAT(texts[4], Catch::StartsWith("order " + second.order_id +
                                         " to police.ps02 (escalation rung 1): escalated from police.ps01 (declined: busy): "));
  CHECK(texts[5] == "police.ps02 accepted order " + second.order_id);
  CHECK(texts[6] == "police.ps02: en_route (5 min)");
}
