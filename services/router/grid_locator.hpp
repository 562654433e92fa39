// Location -> grid (DESIGN.md, "Location -> grid"): point in polygon over the deployment's grid
// map through an R-tree of the grids' bounding boxes (Boost.Geometry), and the nearest grid for a
// point that lies on none (a lake, a mountain, a typo), flagged as such.
#pragma once

#include <memory>
#include <optional>

#include "services/router/deployment.hpp"

namespace liandong::router {

struct LocatedGrid {
  const Grid* grid = nullptr;
  bool inside = true;       // false: the point is on no grid; this is the nearest one
  double distance_m = 0;    // from the point to that grid when not inside
};

class GridLocator {
 public:
  explicit GridLocator(const Deployment& deployment);
  ~GridLocator();
  GridLocator(const GridLocator&) = delete;
  GridLocator& operator=(const GridLocator&) = delete;

  // nullopt only when the deployment has no grids at all.
  std::optional<LocatedGrid> locate(const GeoPoint& point) const;

 private:
  struct Index;
  std::unique_ptr<Index> index_;
};

}  // namespace liandong::router
