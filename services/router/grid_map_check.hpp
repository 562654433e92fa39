// The shape checks of a deployment's grid map (config/zhuji/README.md, "grids.csv"): every grid a
// simple polygon, and no two grids overlapping, so that a point lies on one grid only. Uses an
// R-tree of the grids' boxes (as grid_locator does): Zhuji's 12,170 grids check in well under a
// second.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "services/router/deployment.hpp"

namespace liandong::router {

struct GridShapeProblem {
  std::string grid;   // the grid at fault
  std::string other;  // the grid it overlaps; empty for a problem of its own shape
  std::string why;    // "its edges cross each other", "overlaps grid G00002"
};

// The first problem found, in grid id order; nullopt when the map is sound. Grids that share an
// edge or a corner do not overlap.
std::optional<GridShapeProblem> check_grid_shapes(const std::map<std::string, Grid>& grids);

}  // namespace liandong::router
