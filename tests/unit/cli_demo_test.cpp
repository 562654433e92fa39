// `liandong demo`: the shipped scenario loads, bad scenarios are refused naming the step and key,
// and the tally turns routing events into lines and the summary's numbers.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "core/codec.hpp"
#include "services/router/router_events.hpp"
#include "tools/cli/demo_scenario.hpp"
#include "tools/cli/demo_tally.hpp"

using namespace liandong;
using namespace liandong::cli;

namespace {

std::string write_scenario(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / ("ld-demo-" + name + "-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << text;
  return path.string();
}

template <class T>
v1::StoredEvent event(std::int64_t seq, const std::string& type, const std::string& incident, const T& body,
                      Millis at = 1'000'500) {
  v1::StoredEvent e;
  e.seq = seq;
  e.event_id = "e" + std::to_string(seq);
  e.incident_id = incident;
  e.type = type;
  e.actor = "router";
  e.at_ms = at;
  e.body.bytes = encode_body(body);
  return e;
}

router::IncidentReported reported(const std::string& id, const std::string& report, const std::string& source,
                                  std::optional<std::string> merged_into = std::nullopt) {
  router::IncidentReported r;
  r.incident_id = id;
  r.report_id = report;
  r.reporter = "gateway." + source;
  r.source = source;
  r.category = "fire.building";
  r.family = "fire";
  r.priority = 1;
  r.grid = "G05000";
  r.town = "shanxiahu";
  r.reported_at_ms = 1'000'000;
  r.merged_into = merged_into;
  return r;
}

}  // namespace

TEST_CASE("the shipped demo scenario loads and covers every platform", "[unit][cli][demo]") {
  auto sc = load_demo_scenario(LIANDONG_SOURCE_DIR "/config/zhuji/demo.toml");
  REQUIRE(sc.ok());
  std::set<std::string> platforms;
  int transfers = 0;
  for (const auto& s : sc->steps) {
    if (s.action == "transfer") ++transfers;
    else platforms.insert(s.platform);
  }
  CHECK(platforms == std::set<std::string>{"110", "96345", "citymgmt", "watch"});
  CHECK(transfers == 2);
  CHECK_FALSE(sc->units.never_acknowledge.empty());
  CHECK(std::is_sorted(sc->steps.begin(), sc->steps.end(),
                       [](const DemoStep& a, const DemoStep& b) { return a.at_s < b.at_s; }));
  const double last = sc->steps.back().at_s;
  sc->scale(0.1);
  CHECK(sc->steps.back().at_s == Approx(last * 0.1));
  CHECK(sc->duration_s == Approx(6.5));
}

TEST_CASE("a bad scenario is refused naming the step and the key", "[unit][cli][demo]") {
  auto unknown = load_demo_scenario(write_scenario("platform", "[[step]]\nplatform = \"119\"\ncategory = \"fire.building\"\n"));
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.status().message().find("step 1") != std::string::npos);
  CHECK(unknown.status().message().find("'119'") != std::string::npos);

  auto typo = load_demo_scenario(write_scenario("typo", "[[step]]\nplatform = \"110\"\ncategory = \"x.y\"\nlatt = 1.0\n"));
  REQUIRE_FALSE(typo.ok());
  CHECK(typo.status().message().find("'latt'") != std::string::npos);

  auto dangling = load_demo_scenario(
      write_scenario("transfer", "[[step]]\naction = \"transfer\"\nof = \"nothing\"\nto = \"96345\"\n"));
  REQUIRE_FALSE(dangling.ok());
  CHECK(dangling.status().message().find("'nothing'") != std::string::npos);

  auto wrong_type = load_demo_scenario(write_scenario("type", "duration_seconds = \"long\"\n"));
  REQUIRE_FALSE(wrong_type.ok());
  CHECK(wrong_type.status().message().find("duration_seconds") != std::string::npos);
}

TEST_CASE("the demo tally counts what the log says, per platform", "[unit][cli][demo]") {
  DemoTally t;
  const Millis start = 1'000'000;
  auto line = t.on_event(event(1, "incident.reported", "01AAAAAAINC001", reported("01AAAAAAINC001", "110-1", "110")), start);
  REQUIRE(line);
  CHECK(line->find("fire.building P1 at G05000 (shanxiahu)") != std::string::npos);
  CHECK(line->find("0:00.5") != std::string::npos);
  auto merged = t.on_event(
      event(2, "incident.reported", "01AAAAAAINC002", reported("01AAAAAAINC002", "110-2", "110", "01AAAAAAINC001")),
      start);
  REQUIRE(merged);
  CHECK(merged->find("same as #INC001") != std::string::npos);
  router::OrderDispatched o;
  o.order_id = "O1";
  o.incident_id = "01AAAAAAINC001";
  o.unit = "fire.st09";
  o.reason = "rule fire-p1";
  CHECK(t.on_event(event(3, "order.dispatched", o.incident_id, o), start)->find("order to fire.st09") != std::string::npos);
  CHECK(t.on_event(event(4, "order.escalated", o.incident_id, router::OrderChanged{"O1", o.incident_id, "fire.st09", "no answer in 60 s"}), start));
  router::IncidentTransferred tr;
  tr.incident_id = o.incident_id;
  tr.from = "110";
  tr.to = "96345";
  tr.transfer_id = "t1";
  tr.by = "gateway.110";
  CHECK(t.on_event(event(5, "incident.transferred", o.incident_id, tr), start));
  // After the transfer the incident's orders count for 96345.
  o.order_id = "O2";
  o.unit = "dept.env";
  CHECK(t.on_event(event(6, "order.dispatched", o.incident_id, o), start));
  CHECK(t.on_event(event(7, "order.accepted", o.incident_id, router::OrderChanged{"O2", o.incident_id, "dept.env", "accepted"}), start));

  const auto& p = t.platforms();
  CHECK(p.at("110").reports == 2);
  CHECK(p.at("110").merged == 1);
  CHECK(p.at("110").orders == 1);
  CHECK(p.at("110").escalated == 1);
  CHECK(p.at("110").transferred_out == 1);
  CHECK(p.at("96345").orders == 1);
  CHECK(p.at("96345").accepted == 1);
  CHECK(t.incident_of_report("110-2") == "01AAAAAAINC002");
  CHECK_FALSE(t.incident_of_report("110-9"));

  CHECK_FALSE(t.latency_percentile(50));
  for (int i = 1; i <= 100; ++i) t.add_latency(i);
  CHECK(*t.latency_percentile(50) == Approx(51).margin(1));
  CHECK(*t.latency_percentile(99) == Approx(99).margin(1));
  const std::string summary = t.summary();
  CHECK(summary.find("p50") != std::string::npos);
  CHECK(summary.find("citymgmt") != std::string::npos);
  // Undecodable bodies are skipped, not fatal.
  v1::StoredEvent junk = event(8, "order.dispatched", "x", o);
  junk.body.bytes = std::string("\xa3" "abc", 4);  // a string, not a map
  CHECK_FALSE(t.on_event(junk, start));
}
