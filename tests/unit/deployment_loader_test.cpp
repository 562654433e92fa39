// The deployment loader is strict (issue #12, items 8 and 15): the Zhuji deployment is copied to
// a scratch directory, one deliberate mistake is written into one file, and the loader must
// refuse it with a message naming the file and line, the key or column, and the value.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "services/router/deployment_loader.hpp"
#include "services/router/routing.hpp"
#include "temp_dir.hpp"

using namespace liandong;
using namespace liandong::router;
namespace fs = std::filesystem;

namespace {

const fs::path kZhuji = LIANDONG_SOURCE_DIR "/config/zhuji";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::size_t line_at(const std::string& text, std::size_t offset) {
  return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// One deliberate mistake: in `file`, the first `from` becomes `to`. The refusal must start with
// "<file>:<line>:", where line is that of the first `at` in the changed file (default: `to`), or
// with "<file>:" when `at` is kWholeFile (a rule that is missing has no line), and contain every
// string of `expect`.
struct Mistake {
  const char* what;
  const char* file;
  std::string from;
  std::string to;
  std::vector<std::string> expect;
  std::string at = "";
};

// The copy of Zhuji with the mistake made; returns the loader's message and the expected line.
const std::string kWholeFile = "(the whole file)";

std::pair<std::string, std::string> load_with(const testing::UnitTempDir& dir, const Mistake& m) {
  for (const auto& entry : fs::directory_iterator(kZhuji)) fs::copy(entry.path(), dir.path() / entry.path().filename());
  std::string text = read_text(kZhuji / m.file);
  const auto pos = text.find(m.from);
  REQUIRE(pos != std::string::npos);
  text.replace(pos, m.from.size(), m.to);
  std::ofstream(dir.path() / m.file, std::ios::binary | std::ios::trunc) << text;
  auto loaded = load_deployment(dir.path().string());
  std::string where = (dir.path() / m.file).string() + ":";
  if (m.at != kWholeFile) {
    const auto at_pos = text.find(m.at.empty() ? m.to : m.at);
    REQUIRE(at_pos != std::string::npos);
    where += std::to_string(line_at(text, at_pos)) + ":";
  }
  return {loaded.ok() ? std::string("(loaded)") : loaded.status().message(), where};
}

const std::string kRule = "[[rule]]\nid = \"crime-urgent-2\"\ncategory = \"crime.*\"\nsource = \"*\"\npriority = [2, 3]\n"
                          "[[rule.dispatch]]\nrole = \"grid.traffic\"\nack_seconds = 60\nladder = \"emergency\"\n\n";

const std::vector<Mistake> kMistakes = {
    // routing.toml
    {"a misspelt ladder rung", "routing.toml", "rungs = [\"nearest\", \"supervisor\", \"command.centre\"]",
     "rungs = [\"nearest\", \"supervisor\", \"command.center\"]", {"ladders.emergency.rungs", "command.center", "rung"}},
    {"an ack_seconds written as a string", "routing.toml", "ack_seconds = 120\nladder = \"triage\"",
     "ack_seconds = \"120\"\nladder = \"triage\"", {"rule 'triage'.dispatch[0].ack_seconds", "'120'", "expected an integer"}},
    {"an ack_seconds that is not positive", "routing.toml", "ack_seconds = 60\nladder = \"emergency\"",
     "ack_seconds = 0\nladder = \"emergency\"", {"ack_seconds", "= 0", "outside"}},
    {"an unknown key in a rule", "routing.toml", "id = \"fire\"\n", "id = \"fire\"\nprioirty = [1, 2]\n",
     {"unknown key 'rule.prioirty'"}, "prioirty"},
    {"two rules that tie (ambiguous)", "routing.toml", "[[rule]]\nid = \"crime-assault-p1\"",
     kRule + "[[rule]]\nid = \"crime-assault-p1\"",
     {"rule 'crime-urgent-2'", "ambiguous with rule 'crime-urgent'", "priority [2, 3]"}, "[[rule]]\nid = \"crime-urgent-2\""},
    {"no catch-all (triage) rule for every priority", "routing.toml", "source = \"*\"\npriority = [1, 4]",
     "source = \"*\"\npriority = [1, 3]", {"no rule routes", "priority 4", "catch-all"}, kWholeFile},
    {"an unknown grid role", "routing.toml", "role = \"grid.fire\"", "role = \"grid.firemen\"", {"role", "grid.firemen"}},
    {"an unknown unit as a role", "routing.toml", "role = \"dept.forestry\"", "role = \"dept.forestri\"",
     {"role", "dept.forestri", "units.toml"}},
    {"an unknown category", "routing.toml", "category = \"fire.forest\"", "category = \"fire.forrest\"",
     {"rule.category", "fire.forrest", "categories.toml"}},
    {"an unknown category group", "routing.toml", "category = \"fire.*\"", "category = \"fir.*\"", {"rule.category", "fir.*"}},
    {"an unknown source platform", "routing.toml", "source = \"110\"", "source = \"119\"", {"rule.source", "'119'", "platform"}},
    {"an unknown ladder", "routing.toml", "ladder = \"office\"", "ladder = \"ofice\"", {"ladder", "ofice"}},
    {"a reversed priority range", "routing.toml", "priority = [1, 2]", "priority = [2, 1]", {"rule.priority", "[ 2, 1 ]"}},
    {"alert_neighbours not a boolean", "routing.toml", "alert_neighbours = true", "alert_neighbours = \"yes\"",
     {"alert_neighbours", "'yes'", "true or false"}},
    // units.toml
    {"a unit at latitude 147", "units.toml", "lat = 29.71400", "lat = 147.0", {"unit.lat", "147", "-90..90"}},
    {"a unit with lat and lon swapped", "units.toml", "lat = 29.71400\nlon = 120.24000", "lat = 120.24000\nlon = 29.71400",
     {"unit.lat", "swapped"}},
    {"an unknown key in a unit", "units.toml", "lat = 29.71400\n", "lat = 29.71400\nlattitude = 29.7\n",
     {"unknown key 'unit.lattitude'"}, "lattitude"},
    {"a unit of an unknown agency", "units.toml", "id = \"police.ps01\"\nagency = \"police\"",
     "id = \"polise.ps01\"\nagency = \"polise\"", {"unit.id", "agency 'polise' is not an [[agency]]"}},
    {"a unit serving an unknown town", "units.toml", "towns = [\"jiyang\"]", "towns = [\"jiyangg\"]", {"unit.towns", "jiyangg"}},
    // categories.toml
    {"a malformed category id", "categories.toml", "id = \"fire.building\"", "id = \"Fire-Building\"",
     {"category.id", "Fire-Building", "<group>.<kind>"}},
    {"a category id with two dots", "categories.toml", "id = \"fire.building\"", "id = \"fire.building.tall\"",
     {"category.id", "fire.building.tall"}},
    {"a category priority out of range", "categories.toml", "priority = 1", "priority = 5", {"category.priority", "= 5"}},
    {"a category of an unknown family", "categories.toml", "family = \"fire\"", "family = \"fyre\"", {"category.family", "fyre"}},
    // towns.toml
    {"a wrong grid count in [map]", "towns.toml", "grids = 12170", "grids = 12171", {"[map] grids = 12171", "12170"}},
    {"a wrong grid count of a zone", "towns.toml", "last_grid = \"G00022\"\ngrids = 22", "last_grid = \"G00022\"\ngrids = 21",
     {"zone Z001: grids = 21", "22"}, "grids = 21\n"},
    {"a town's police naming a fire station", "towns.toml", "police = \"police.ps01\"", "police = \"fire.st01\"",
     {"town 'jiyang'", "fire.st01", "police"}},
    {"an unknown key in [map]", "towns.toml", "grids = 12170\n", "grids = 12170\ngirds = 1\n", {"unknown key 'map.girds'"}, "girds"},
    // grids.csv
    {"a police unit in the fire column", "grids.csv", "G00001,Z001,jiyang,后湾社区,police.ps01,fire.st01,",
     "G00001,Z001,jiyang,后湾社区,police.ps01,police.ps01,", {"grid G00001", "column 'fire'", "police.ps01"}, "G00001,"},
    {"a grid naming a missing town", "grids.csv", "G00001,Z001,jiyang,", "G00001,Z001,jiyangg,",
     {"grid G00001", "column 'town'", "jiyangg"}},
    {"a grid naming a missing zone", "grids.csv", "G00001,Z001,", "G00001,Z999,", {"grid G00001", "column 'zone'", "Z999"}},
    {"a grid vertex with latitude first", "grids.csv", "citymgmt.jiyang,120.25000 29.69000;",
     "citymgmt.jiyang,29.69000 120.25000;", {"grid G00001", "polygon_lon_lat", "29.69000 120.25000", "latitude written first"},
     "G00001,"},
    {"a self-intersecting grid", "grids.csv",
     "120.25000 29.69000;120.25250 29.69000;120.25250 29.69200;120.25000 29.69200\n",
     "120.25000 29.69000;120.25250 29.69200;120.25250 29.69000;120.25000 29.69200\n",
     {"grid G00001", "polygon_lon_lat", "cross"}, "G00001,"},
    {"two overlapping grids", "grids.csv", "120.25250 29.69000;120.25500 29.69000;120.25500 29.69200;120.25250 29.69200\n",
     "120.25150 29.69000;120.25500 29.69000;120.25500 29.69200;120.25150 29.69200\n", {"grid G00002", "overlaps grid G00001"},
     "G00002,"},
    // households.csv
    {"a household in an unknown grid", "households.csv", "H000001,15005752171,G00017,", "H000001,15005752171,G99999,",
     {"household H000001", "column 'grid'", "G99999"}},
    {"a household with an unknown neighbour", "households.csv", "G00017,H000002;", "G00017,H999999;",
     {"household H000001", "neighbours", "H999999"}, "H000001,"},
    // workflows.toml
    {"an unknown key in a workflow", "workflows.toml", "awaiting_ack = [\"dispatched\"]\n",
     "awaiting_acks = [\"dispatched\"]\n", {"unknown key 'workflow.110.awaiting_acks'"}},
    {"a timer limit for an unknown category", "workflows.toml", "\"city.manhole_cover\" = 2", "\"city.manhole_covers\" = 2",
     {"by_category", "city.manhole_covers", "categories.toml"}},
    {"a timer limit written as a string", "workflows.toml", "seconds = [900, 1200, 1800, 3600]",
     "seconds = [900, \"1200\", 1800, 3600]", {"workflow.110.timer[0] 'arrival'.seconds", "positive number"}},
    // merge.toml
    {"an unknown key in merge.toml", "merge.toml", "same_category = true\n", "same_categroy = true\n",
     {"unknown key 'family.crime.same_categroy'"}},
    {"a merge family that categories.toml does not declare", "merge.toml", "[family.fire]", "[family.fyre]",
     {"family.fyre", "categories.toml"}},
    {"a merge distance of the wrong type", "merge.toml", "distance_m = 500", "distance_m = \"500m\"",
     {"family.fire.distance_m", "'500m'", "expected a number"}},
};

}  // namespace

TEST_CASE("the Zhuji deployment loads under the strict checks", "[unit][router][config]") {
  const auto start = std::chrono::steady_clock::now();
  auto loaded = load_deployment(kZhuji.string());
  INFO((loaded.ok() ? std::string() : loaded.status().message()));
  REQUIRE(loaded.ok());
  CHECK(loaded->grids.size() == 12170);
  CHECK(loaded->rules.size() >= 40);
  WARN("load_deployment(config/zhuji) took "
       << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
}

// Each mistake of `files` on its own copy of Zhuji (a test case per group of files keeps each
// ctest well inside its timeout: a case loads the whole deployment).
void check_mistakes(const std::set<std::string>& files) {
  for (const Mistake& m : kMistakes) {
    if (!files.contains(m.file)) continue;
    DYNAMIC_SECTION(m.file << ": " << m.what) {
      testing::UnitTempDir dir;
      const auto [message, where] = load_with(dir, m);
      INFO("message: " << message);
      CHECK_THAT(message, Catch::StartsWith(where));
      for (const auto& part : m.expect) CHECK_THAT(message, Catch::Contains(part));
    }
  }
}

TEST_CASE("a routing.toml mistake is refused naming file, line, key and value", "[unit][router][config]") {
  check_mistakes({"routing.toml"});
}

TEST_CASE("a towns, units or categories mistake is refused naming file, line, key and value", "[unit][router][config]") {
  check_mistakes({"towns.toml", "units.toml", "categories.toml"});
}

TEST_CASE("a grids.csv or households.csv mistake is refused naming file, line, column and value",
          "[unit][router][config]") {
  check_mistakes({"grids.csv", "households.csv"});
}

TEST_CASE("a workflows.toml or merge.toml mistake is refused naming file, line, key and value", "[unit][router][config]") {
  check_mistakes({"workflows.toml", "merge.toml"});
}
