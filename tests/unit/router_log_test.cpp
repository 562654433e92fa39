// The router's state is the fold of the log (issue #12): an order escalates by what decided it
// (recorded in order.dispatched), not by a deployment changed since; a stored event that cannot be
// applied is an error naming its seq; an event another writer committed after the replay is
// applied live; and a deployment's version changes with any of its files.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "core/codec.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/router_core.hpp"
#include "services/router/router_events.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {

// One grid, a police station in it and one nearby, the 110 supervisor and the command centre;
// crimes on 110 go to the grid's police and escalate up `ladder`, each rung `ladder_ack_ms` long.
Deployment city(std::vector<std::string> ladder, Millis ladder_ack_ms) {
  Deployment d;
  auto unit = [&](const std::string& id, const std::string& agency, double lat, double lon) {
    d.units[id] = Unit{id, agency, id, "jiyang", GeoPoint{lat, lon}};
  };
  unit("police.ps01", "police", 29.705, 120.205);
  unit("police.ps02", "police", 29.715, 120.215);
  unit("supervisor.110", "supervisor", 29.71, 120.21);
  unit("command.centre", "command", 29.71, 120.21);
  Grid g;
  g.id = "GA";
  g.zone = "Z1";
  g.town = "jiyang";
  g.polygon = {{29.70, 120.20}, {29.70, 120.21}, {29.71, 120.21}, {29.71, 120.20}};
  g.units = {{"police", "police.ps01"}};
  d.grids[g.id] = g;
  d.categories["crime.theft"] = {"crime.theft", "crime", 3};
  d.rules = {{"police by default on 110", "*", "110", 1, 4, {{"grid.police", 30'000, std::move(ladder), ladder_ack_ms}}}};
  d.supervisors = {{"110", "supervisor.110"}};
  d.supervisor_ack_deadline_ms = 60'000;
  return d;
}

v1::IncidentReport theft(const std::string& id) {
  v1::IncidentReport r;
  r.report_id = id;
  r.source = "110";
  r.category = "crime.theft";
  r.location = v1::Location{29.705, 120.205};
  r.reported_at_ms = 1'790'000'000'000;
  return r;
}

std::vector<v1::DispatchOrder> orders_in(const Decision& d) {
  std::vector<v1::DispatchOrder> out;
  for (const auto& s : d.after_durable) {
    if (s.command == "DISPATCH_ORDER") out.push_back(*decode_body<v1::DispatchOrder>(s.body));
  }
  return out;
}

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

void replay(RouterCore& core, const std::vector<v1::AuditEvent>& log) {
  std::int64_t seq = 0;
  for (const auto& e : log) REQUIRE(core.apply_stored(stored(e, ++seq)).ok());
}

OrderDispatched dispatched_in(const Decision& d) {
  for (const auto& e : d.events) {
    if (e.type == "order.dispatched") return *decode_body<OrderDispatched>(e.body.bytes);
  }
  FAIL("no order.dispatched in the decision");
  return {};
}

}  // namespace

TEST_CASE("a replayed order escalates up the ladder it was dispatched under, not a changed deployment's",
          "[unit][router]") {
  ManualClock clock{1'790'000'000'000};
  // Deployment A: the police station, then the 110 supervisor (30 s each); B, loaded after a
  // restart, sends escalations straight to the command centre with 90 s.
  const Deployment a = city({"supervisor", "command"}, 30'000);
  const Deployment b = city({"command"}, 90'000);
  RouterCore before(a, clock);
  auto d = before.on_report("gw", "m", theft("r1"));
  const auto first = dispatched_in(d);
  CHECK(first.rule == std::optional<std::string>("police by default on 110"));
  CHECK(first.ladder == std::optional<std::vector<std::string>>({"supervisor", "command"}));
  CHECK(first.ack_within_ms == std::optional<std::int64_t>(30'000));
  CHECK(first.ladder_ack_within_ms == std::optional<std::int64_t>(30'000));

  RouterCore after(b, clock);
  replay(after, d.events);
  clock.advance(30'001);
  auto esc = after.on_tick();
  const auto orders = orders_in(esc);
  REQUIRE(orders.size() == 1);
  CHECK(orders[0].unit == "supervisor.110");               // A's first rung; B's would be the command centre
  CHECK(orders[0].ack_deadline_ms == clock.wall_ms() + 30'000);  // A's 30 s, not B's 90 s
  // The order up the ladder carries A's basis on, so its own escalation climbs A's ladder too.
  const auto second = dispatched_in(esc);
  CHECK(second.ladder == first.ladder);
  CHECK(second.rule == first.rule);
  CHECK(second.ladder_ack_within_ms == std::optional<std::int64_t>(30'000));
  clock.advance(30'001);
  auto esc2 = after.on_tick();
  REQUIRE(orders_in(esc2).size() == 1);
  CHECK(orders_in(esc2)[0].unit == "command.centre");
}

TEST_CASE("an order.dispatched of an older log, without its basis, escalates by the deployment in force",
          "[unit][router]") {
  ManualClock clock{1'790'000'000'000};
  const Deployment a = city({"supervisor", "command"}, 30'000);
  const Deployment b = city({"command"}, 90'000);
  RouterCore before(a, clock);
  auto d = before.on_report("gw", "m", theft("r1"));
  // Rewrite the order as an older router wrote it: none of the new fields.
  for (auto& e : d.events) {
    if (e.type != "order.dispatched") continue;
    auto ev = *decode_body<OrderDispatched>(e.body.bytes);
    ev.rule.reset();
    ev.ladder.reset();
    ev.ack_within_ms.reset();
    ev.ladder_ack_within_ms.reset();
    e.body.bytes = encode_body(ev);
  }
  RouterCore after(b, clock);
  replay(after, d.events);
  clock.advance(30'001);
  auto esc = after.on_tick();
  REQUIRE(orders_in(esc).size() == 1);
  CHECK(orders_in(esc)[0].unit == "command.centre");
  CHECK(orders_in(esc)[0].ack_deadline_ms == clock.wall_ms() + 90'000);
}

TEST_CASE("a stored event the router cannot apply is an error naming its seq and type, and changes nothing",
          "[unit][router]") {
  ManualClock clock{1'790'000'000'000};
  const Deployment a = city({"supervisor", "command"}, 30'000);
  RouterCore source(a, clock);
  auto d = source.on_report("gw", "m", theft("r1"));
  REQUIRE(d.events.size() == 2);
  RouterCore core(a, clock);
  REQUIRE(core.apply_stored(stored(d.events[0], 1)).ok());

  // A body that is not an order.dispatched (the unit is missing).
  auto broken = stored(d.events[1], 2);
  auto ev = *decode_body<OrderDispatched>(broken.body.bytes);
  broken.body.bytes = encode_body(IncidentLinked{ev.incident_id, "elsewhere", "not an order", {}, {}});
  auto s = core.apply_stored(broken);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("seq 2") && Catch::Contains("order.dispatched"));
  CHECK(core.order(ev.order_id) == nullptr);
  CHECK(core.view(ev.incident_id)->orders.empty());

  // An acceptance of an order no event dispatched.
  v1::StoredEvent orphan = broken;
  orphan.seq = 3;
  orphan.type = "order.accepted";
  orphan.body.bytes = encode_body(OrderChanged{"no-such-order", ev.incident_id, "police.ps01", "accepted"});
  s = core.apply_stored(orphan);
  REQUIRE_FALSE(s.ok());
  CHECK_THAT(s.message(), Catch::Contains("seq 3") && Catch::Contains("order.accepted") &&
                              Catch::Contains("no-such-order"));
  CHECK(core.counters().at("replay_errors") == 2);

  // A type this version does not know is somebody else's: skipped, no error.
  v1::StoredEvent other = broken;
  other.seq = 4;
  other.type = "gateway.delivered";
  CHECK(core.apply_stored(other).ok());
  CHECK(core.counters().at("replay_errors") == 2);

  // The incident left without its order is routed by resume(), as after any cut decision.
  CHECK(orders_in(core.resume()).size() == 1);
}

TEST_CASE("an order another writer committed after the replay is applied and sent", "[unit][router]") {
  ManualClock clock{1'790'000'000'000};
  const Deployment a = city({"supervisor", "command"}, 30'000);
  RouterCore killed(a, clock);
  auto d = killed.on_report("gw", "m", theft("r1"));
  REQUIRE(d.events.size() == 2);
  // The new router replayed only the report; the order was committed just after its replay.
  RouterCore core(a, clock);
  REQUIRE(core.apply_stored(stored(d.events[0], 1)).ok());
  const auto& late = d.events[1];
  auto sends = core.apply_followed(2, late.type, late.body.bytes, late.at_ms);
  REQUIRE(sends.ok());
  REQUIRE(sends->size() == 1);
  const auto order = decode_body<v1::DispatchOrder>((*sends)[0].body);
  CHECK(order->order_id == orders_in(d)[0].order_id);
  CHECK(order->unit == "police.ps01");
  CHECK(core.resume().empty());  // nothing half done: the order is there
  // Its deadline is live: not accepted in 30 s, it escalates.
  clock.advance(30'001);
  CHECK(orders_in(core.on_tick()).size() == 1);
}

TEST_CASE("a deployment's version is a SHA-256 of its files that changes when any of them does", "[unit][router]") {
  testing::UnitTempDir dir;
  const std::vector<std::string> files = {"a.toml", "b.csv"};
  auto write = [&](const std::string& name, const std::string& text) { std::ofstream(dir.file(name)) << text; };
  write("a.toml", "x = 1\n");
  write("b.csv", "id\n1\n");
  auto first = deployment_version(dir.path().string(), files);
  REQUIRE(first.ok());
  CHECK(first->size() == 64);
  CHECK(*deployment_version(dir.path().string(), files) == *first);  // stable
  write("b.csv", "id\n2\n");
  auto second = deployment_version(dir.path().string(), files);
  REQUIRE(second.ok());
  CHECK(*second != *first);
  // Moving bytes from one file to the next is a different deployment too.
  write("a.toml", "x = 1\nid\n");
  write("b.csv", "2\n");
  CHECK(*deployment_version(dir.path().string(), files) != *second);
  std::filesystem::remove(dir.file("b.csv"));
  CHECK_FALSE(deployment_version(dir.path().string(), files).ok());
}
