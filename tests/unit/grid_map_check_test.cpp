// The grid map's shape checks (services/router/grid_map_check.hpp) on small hand-drawn maps: grids
// side by side pass, grids whose interiors meet are refused, including grids whose boxes overlap
// while the shapes only share an edge (the box test may only skip pairs, never decide them).
#include <catch2/catch.hpp>

#include <map>
#include <string>
#include <vector>

#include "services/router/grid_map_check.hpp"

using namespace liandong::router;

namespace {
// Vertices as (lon, lat) pairs, as grids.csv writes them.
Grid grid(const std::string& id, const std::vector<std::pair<double, double>>& lon_lat) {
  Grid g;
  g.id = id;
  for (const auto& [lon, lat] : lon_lat) g.polygon.push_back(GeoPoint{lat, lon});
  return g;
}

std::map<std::string, Grid> map_of(std::vector<Grid> grids) {
  std::map<std::string, Grid> out;
  for (auto& g : grids) out.emplace(g.id, std::move(g));
  return out;
}
}  // namespace

TEST_CASE("grids side by side, sharing an edge or a corner, pass", "[unit][router][grid]") {
  const auto grids = map_of({grid("G1", {{0, 0}, {1, 0}, {1, 1}, {0, 1}}),
                             grid("G2", {{1, 0}, {2, 0}, {2, 1}, {1, 1}}),
                             grid("G3", {{1, 1}, {2, 1}, {2, 2}, {1, 2}})});
  CHECK_FALSE(check_grid_shapes(grids).has_value());
}

TEST_CASE("two triangles halving a square share its diagonal: their boxes overlap, they do not",
          "[unit][router][grid]") {
  const auto grids = map_of({grid("G1", {{0, 0}, {1, 0}, {1, 1}}), grid("G2", {{0, 0}, {1, 1}, {0, 1}})});
  CHECK_FALSE(check_grid_shapes(grids).has_value());
}

TEST_CASE("grids whose interiors meet are refused, naming both", "[unit][router][grid]") {
  SECTION("two triangles crossing inside a square") {
    const auto grids = map_of({grid("G1", {{0, 0}, {1, 0}, {1, 1}}), grid("G2", {{0, 0}, {1, 0}, {0, 1}})});
    auto problem = check_grid_shapes(grids);
    REQUIRE(problem.has_value());
    CHECK(problem->grid == "G2");
    CHECK(problem->other == "G1");
    CHECK(problem->why == "overlaps grid G1");
  }
  SECTION("a grid inside another") {
    const auto grids = map_of({grid("G1", {{0, 0}, {4, 0}, {4, 4}, {0, 4}}), grid("G2", {{1, 1}, {2, 1}, {2, 2}, {1, 2}})});
    auto problem = check_grid_shapes(grids);
    REQUIRE(problem.has_value());
    CHECK(problem->grid == "G2");
  }
}

TEST_CASE("a grid that is not a simple polygon is refused on its own", "[unit][router][grid]") {
  const auto grids = map_of({grid("G1", {{0, 0}, {1, 1}, {1, 0}, {0, 1}})});
  auto problem = check_grid_shapes(grids);
  REQUIRE(problem.has_value());
  CHECK(problem->grid == "G1");
  CHECK(problem->other.empty());
  CHECK_THAT(problem->why, Catch::Contains("cross"));
}
