#include "services/router/grid_map_check.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/algorithms/is_valid.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <vector>

namespace liandong::router {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {
// Lon/lat degrees as x/y, as in grid_locator: overlap and crossing do not depend on the projection.
using Point = bg::model::d2::point_xy<double>;
using Box = bg::model::box<Point>;
using Polygon = bg::model::polygon<Point, false, false>;
using Entry = std::pair<Box, std::size_t>;

std::string shape_fault(bg::validity_failure_type failure) {
  switch (failure) {
    case bg::failure_few_points: return "it has fewer than 3 distinct vertices";
    case bg::failure_wrong_topological_dimension: return "it has no area (its vertices are on one line)";
    case bg::failure_spikes: return "it has a spike (an edge that turns back on itself)";
    case bg::failure_self_intersections: return "its edges cross each other (a self-intersecting polygon)";
    case bg::failure_invalid_coordinate: return "a vertex is not a finite number";
    default: return "it is not a simple polygon (" + std::to_string(static_cast<int>(failure)) + ")";
  }
}
// Polygons lie inside their boxes, so boxes that only touch (grids side by side, the common case)
// hold polygons whose interiors cannot meet: the exact test, far dearer, is left for the rest.
bool box_interiors_meet(const Box& a, const Box& b) {
  return a.min_corner().x() < b.max_corner().x() && b.min_corner().x() < a.max_corner().x() &&
         a.min_corner().y() < b.max_corner().y() && b.min_corner().y() < a.max_corner().y();
}
}  // namespace

std::optional<GridShapeProblem> check_grid_shapes(const std::map<std::string, Grid>& grids) {
  std::vector<const Grid*> order;
  std::vector<Polygon> polygons;
  std::vector<Entry> boxes;
  order.reserve(grids.size());
  polygons.reserve(grids.size());
  for (const auto& [id, grid] : grids) {
    Polygon poly;
    for (const auto& p : grid.polygon) bg::append(poly.outer(), Point(p.lon, p.lat));
    bg::correct(poly);  // orientation: the file may list vertices either way round
    bg::validity_failure_type failure = bg::no_failure;
    if (!bg::is_valid(poly, failure)) {
      // correct() has turned any ring the right way round, so a wrong orientation left means a
      // signed area of zero: a figure-eight whose two loops cancel out, or no area at all.
      if (failure == bg::failure_wrong_orientation) {
        failure = bg::intersects(poly) ? bg::failure_self_intersections : bg::failure_wrong_topological_dimension;
      }
      return GridShapeProblem{id, "", shape_fault(failure)};
    }
    boxes.emplace_back(bg::return_envelope<Box>(poly), polygons.size());
    polygons.push_back(std::move(poly));
    order.push_back(&grid);
  }
  const bgi::rtree<Entry, bgi::quadratic<16>> tree(boxes.begin(), boxes.end());
  // Interiors meeting ("T********" in DE-9IM) is an overlap; boundaries meeting is a shared edge.
  const bg::de9im::mask interiors_meet("T********");
  std::vector<Entry> near;
  for (std::size_t i = 0; i < polygons.size(); ++i) {
    near.clear();
    tree.query(bgi::intersects(boxes[i].first), std::back_inserter(near));
    for (const auto& [box, j] : near) {
      if (j <= i || !box_interiors_meet(boxes[i].first, box)) continue;
      if (bg::relate(polygons[i], polygons[j], interiors_meet)) {
        return GridShapeProblem{order[j]->id, order[i]->id, "overlaps grid " + order[i]->id};
      }
    }
  }
  return std::nullopt;
}

}  // namespace liandong::router
