#include "services/router/grid_locator.hpp"

#include <boost/geometry.hpp>
#include <boost/geometry/geometries/box.hpp>
#include <boost/geometry/geometries/point_xy.hpp>
#include <boost/geometry/geometries/polygon.hpp>
#include <boost/geometry/index/rtree.hpp>

#include <limits>
#include <vector>

namespace liandong::router {

namespace bg = boost::geometry;
namespace bgi = boost::geometry::index;

namespace {
// Plain lon/lat degrees as x/y: at a city's scale and for "which polygon contains this point"
// the distortion does not matter; distances shown to people are computed separately in metres.
using Point = bg::model::d2::point_xy<double>;
using Box = bg::model::box<Point>;
using Polygon = bg::model::polygon<Point, false, false>;  // counter-clockwise, open rings accepted
using Entry = std::pair<Box, std::size_t>;
}  // namespace

struct GridLocator::Index {
  std::vector<const Grid*> grids;
  std::vector<Polygon> polygons;
  bgi::rtree<Entry, bgi::quadratic<16>> tree;
};

GridLocator::GridLocator(const Deployment& deployment) : index_(std::make_unique<Index>()) {
  std::vector<Entry> entries;
  for (const auto& [id, grid] : deployment.grids) {
    if (grid.polygon.size() < 3) continue;
    Polygon poly;
    for (const auto& p : grid.polygon) bg::append(poly.outer(), Point(p.lon, p.lat));
    bg::correct(poly);  // orientation and closure, whatever the file's convention
    entries.emplace_back(bg::return_envelope<Box>(poly), index_->polygons.size());
    index_->polygons.push_back(std::move(poly));
    index_->grids.push_back(&grid);
  }
  index_->tree = bgi::rtree<Entry, bgi::quadratic<16>>(entries.begin(), entries.end());  // packed bulk load
}

GridLocator::~GridLocator() = default;

std::optional<LocatedGrid> GridLocator::locate(const GeoPoint& point) const {
  if (index_->grids.empty()) return std::nullopt;
  const Point p(point.lon, point.lat);
  std::vector<Entry> hits;
  index_->tree.query(bgi::covers(p), std::back_inserter(hits));
  // Grids sharing an edge both cover a point on it; the lowest index wins so the answer is stable.
  std::size_t best = std::numeric_limits<std::size_t>::max();
  for (const auto& [box, i] : hits) {
    if (i < best && bg::covered_by(p, index_->polygons[i])) best = i;
  }
  if (best != std::numeric_limits<std::size_t>::max()) return LocatedGrid{index_->grids[best], true, 0};

  // On no grid: the nearest of the few grids whose boxes are nearest.
  hits.clear();
  index_->tree.query(bgi::nearest(p, 8), std::back_inserter(hits));
  double best_deg = std::numeric_limits<double>::max();
  for (const auto& [box, i] : hits) {
    const double d = bg::distance(p, index_->polygons[i]);
    if (d < best_deg || (d == best_deg && i < best)) {
      best_deg = d;
      best = i;
    }
  }
  const Grid* g = index_->grids[best];
  // Report the distance in metres to the grid's nearest vertex: good enough to tell an operator
  // "200 m off the map" from "20 km off".
  double metres = std::numeric_limits<double>::max();
  for (const auto& v : g->polygon) metres = std::min(metres, distance_m(point, v));
  return LocatedGrid{g, false, metres};
}

}  // namespace liandong::router
