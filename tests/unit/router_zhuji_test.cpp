// Routing over the default (Zhuji) deployment, table-driven: category x source x priority x grid
// -> the units dispatched. Expected units come from config/zhuji/routing.toml and grids.csv.
#include <catch2/catch.hpp>

#include "core/codec.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/router_core.hpp"
#include "services/router/routing.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {
const Deployment& zhuji() {
  static const Deployment d = [] {
    auto loaded = load_deployment(LIANDONG_SOURCE_DIR "/config/zhuji");
    INFO(loaded.status().to_string());
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return d;
}

std::vector<std::string> route(const std::string& category, const std::string& source, std::optional<std::int64_t> p,
                               const std::string& grid) {
  ManualClock clock;
  RouterCore core(zhuji(), clock);
  v1::IncidentReport r;
  r.report_id = "r";
  r.source = source;
  r.category = category;
  r.priority = p;
  r.grid = grid;
  r.reported_at_ms = 1;
  std::vector<std::string> units;
  for (const auto& s : core.on_report("gw", "m", r).after_durable) {
    if (s.command == "DISPATCH_ORDER") units.push_back(decode_body<v1::DispatchOrder>(s.body)->unit);
  }
  return units;
}
}  // namespace

TEST_CASE("the Zhuji deployment loads whole", "[unit][router][zhuji]") {
  const auto& d = zhuji();
  CHECK(d.grids.size() == 12'170);
  CHECK(d.households.size() >= 20'000);
  CHECK(d.supervisors.size() == 4);
  CHECK(d.workflows.size() == 4);
  CHECK(d.rules.front().category != "*");  // most specific first: the catch-all is last
  CHECK(d.rules.back().name == "triage");
}

TEST_CASE("routing table over the Zhuji deployment", "[unit][router][zhuji]") {
  struct Row {
    std::string category, source;
    std::optional<std::int64_t> priority;
    std::string grid;
    std::vector<std::string> units;
  };
  // G00001: jiyang (police.ps01, fire.st01, ems.st01, traffic.sq01, citymgmt.jiyang);
  // G05000: shanxiahu (police.ps09, fire.st09, ems.st09, traffic.sq05, citymgmt.shanxiahu).
  const std::vector<Row> table = {
      {"fire.building", "110", std::nullopt, "G00001", {"fire.st01", "police.ps01"}},
      {"fire.building", "watch", std::nullopt, "G05000", {"fire.st09", "police.ps09"}},
      {"fire.forest", "110", std::nullopt, "G05000", {"fire.st09", "police.ps09", "dept.forestry"}},
      {"medical.cardiac", "110", std::nullopt, "G05000", {"ems.st09"}},
      {"traffic.accident", "110", 1, "G00001", {"police.ps01", "traffic.sq01", "fire.st01", "ems.st01"}},
      {"traffic.accident", "110", 2, "G00001", {"traffic.sq01", "ems.st01"}},
      {"traffic.accident", "110", 4, "G05000", {"traffic.sq05"}},
      {"crime.assault", "110", 1, "G05000", {"police.ps09", "ems.st09"}},
      {"crime.theft", "96345", std::nullopt, "G05000", {"police.ps09"}},
      {"dispute.labour", "96345", 3, "G00001", {"mediation.labour"}},
      {"dispute.labour", "110", 3, "G00001", {"police.ps01"}},
      {"city.manhole_cover", "citymgmt", 3, "G05000", {"citymgmt.shanxiahu"}},
      {"city.manhole_cover", "citymgmt", 1, "G05000", {"citymgmt.shanxiahu", "police.ps09"}},
      {"utility.gas_leak", "96345", std::nullopt, "G00001", {"utility.gas", "fire.st01", "police.ps01"}},
      {"consult.policy", "96345", std::nullopt, "G00001", {"dept.approval"}},
      {"consult.social_security", "96345", std::nullopt, "G00001", {"dept.labour"}},
      {"complaint.noise", "96345", std::nullopt, "G00001", {"dept.environment"}},
      {"complaint.noise", "110", std::nullopt, "G00001", {"police.ps01"}},
      {"watch.alarm", "watch", std::nullopt, "G05000", {"police.ps09"}},
      {"consult.policy", "110", std::nullopt, "G00001", {"supervisor.110"}},          // no rule: triage
      {"alien.landing", "citymgmt", std::nullopt, "G00001", {"supervisor.citymgmt"}},  // unknown category
  };
  for (const auto& row : table) {
    INFO(row.category << " from " << row.source << " P" << row.priority.value_or(0) << " in " << row.grid);
    CHECK(route(row.category, row.source, row.priority, row.grid) == row.units);
  }
}

TEST_CASE("a point in a lake without grids goes to the nearest grid, flagged", "[unit][router][zhuji]") {
  ManualClock clock;
  RouterCore core(zhuji(), clock);
  GridLocator locator(zhuji());
  // Every grid's own centre lies in that grid.
  for (const auto& id : {"G00001", "G05000", "G12000", "G12170"}) {
    const Grid* g = zhuji().grid(id);
    REQUIRE(g != nullptr);
    auto found = locator.locate(*grid_centre(*g));
    REQUIRE(found.has_value());
    CHECK(found->inside);
    CHECK(found->grid->id == id);
  }
  // Far outside the city: the nearest grid, flagged, never nothing.
  auto outside = locator.locate({29.30, 120.20});
  REQUIRE(outside.has_value());
  CHECK_FALSE(outside->inside);
  CHECK(outside->distance_m > 10'000);
}

TEST_CASE("Zhuji merges duplicates of one category, not neighbouring incidents of its family", "[unit][router][zhuji]") {
  ManualClock clock;
  RouterCore core(zhuji(), clock);
  auto report = [&](const std::string& id, const std::string& category, double lat, double lon) {
    v1::IncidentReport r;
    r.report_id = id;
    r.source = "96345";
    r.category = category;
    r.location = v1::Location{lat, lon};
    r.reported_at_ms = 1'700'000'000'000;
    for (const auto& s : core.on_report("gw", "m", r).after_durable) {
      if (s.command == "REPORT_ACK") return decode_body<v1::ReportAck>(s.body)->merged_into.value_or("");
    }
    return std::string("?");
  };
  CHECK(report("water-1", "utility.water_leak", 29.7100, 120.2320).empty());
  // A gas smell 150 m away is another incident (utility has same_category = true) ...
  CHECK(report("gas-1", "utility.gas_leak", 29.7112, 120.2330).empty());
  // ... a second caller about the water main is the same one.
  CHECK_FALSE(report("water-2", "utility.water_leak", 29.7105, 120.2325).empty());
  // Fire keeps merging across its categories: smoke seen from a car park is the building fire.
  CHECK(report("fire-1", "fire.building", 29.7230, 120.3625).empty());
  CHECK_FALSE(report("fire-2", "fire.vehicle", 29.7232, 120.3628).empty());
}
