#include "bench/dispatch_stream.hpp"

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <map>
#include <utility>

#include "services/router/routing.hpp"

namespace liandong::bench {

namespace {

constexpr const char* kSource = "110";
constexpr const char* kRole = "police";
constexpr double kCellDegrees = 0.01;  // ~1 km: neighbour search for the separation test

struct Family {
  std::string category;
  std::vector<const router::Grid*> grids;  // usable, pairwise farther apart than the merge distance
};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Checks that `category` from 110 at its default priority dispatches exactly the grid's police.
Status check_rule(const router::Deployment& d, const std::string& category) {
  const auto c = d.categories.find(category);
  if (c == d.categories.end()) return {ErrorCode::kConfig, "the deployment has no category " + category};
  const router::RoutingRule* rule = router::find_rule(d, category, kSource, c->second.default_priority);
  if (rule == nullptr || rule->targets.size() != 1 || rule->targets[0].unit != std::string("grid.") + kRole) {
    return {ErrorCode::kConfig, category + " from " + kSource + " is no longer routed to exactly grid." + kRole +
                                    " (rule " + (rule ? "'" + rule->name + "'" : std::string("none")) +
                                    "); the router benchmark's stream needs one order per report"};
  }
  return Status::Ok();
}

// Grids in a fixed shuffled order, keeping each one farther than `separation_m` from those kept.
std::vector<const router::Grid*> separated_grids(const router::Deployment& d,
                                                 const std::vector<const router::Grid*>& order,
                                                 double separation_m) {
  std::vector<const router::Grid*> kept;
  std::map<std::pair<int, int>, std::vector<router::GeoPoint>> cells;
  const int reach = 1 + static_cast<int>(separation_m / 1000.0);
  for (const router::Grid* g : order) {
    const auto unit = g->units.find(kRole);
    if (unit == g->units.end() || d.unit(unit->second) == nullptr) continue;
    const auto centre = router::grid_centre(*g);
    if (!centre) continue;
    const int row = static_cast<int>(std::floor(centre->lat / kCellDegrees));
    const int col = static_cast<int>(std::floor(centre->lon / kCellDegrees));
    bool clear = true;
    for (int r = row - reach; r <= row + reach && clear; ++r) {
      for (int c = col - reach; c <= col + reach && clear; ++c) {
        const auto cell = cells.find({r, c});
        if (cell == cells.end()) continue;
        for (const auto& other : cell->second) {
          if (router::distance_m(*centre, other) <= separation_m) {
            clear = false;
            break;
          }
        }
      }
    }
    if (!clear) continue;
    cells[{row, col}].push_back(*centre);
    kept.push_back(g);
  }
  return kept;
}

}  // namespace

Result<std::vector<PlannedReport>> plan_dispatch_stream(const router::Deployment& d, std::size_t count,
                                                        Millis reported_at_ms) {
  std::vector<const router::Grid*> order;
  order.reserve(d.grids.size());
  for (const auto& [id, grid] : d.grids) order.push_back(&grid);
  std::uint64_t seed = 0x5EED'4C44'0006ULL;
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[splitmix64(seed) % i]);

  std::vector<Family> families;
  for (const std::string category : {"crime.theft", "dispute.neighbour"}) {
    if (Status s = check_rule(d, category); !s.ok()) return s;
    const auto& family = d.categories.at(category).family;
    const auto window = d.merge_windows.find(family);
    // A margin of a metre over the merge distance: the router merges at distance <= merge distance.
    const double separation = window == d.merge_windows.end() ? -1 : window->second.distance_m + 1;
    families.push_back({category, separated_grids(d, order, separation)});
    const std::size_t needed = count / 2 + 1;
    if (families.back().grids.size() < needed) {
      return Status(ErrorCode::kConfig,
                    "the router stream needs " + std::to_string(needed) + " " + category + " reports in grids more than " +
                        std::to_string(static_cast<long>(separation)) + " m apart, and the deployment has only " +
                        std::to_string(families.back().grids.size()) + ": offer fewer reports (rate x seconds)");
    }
  }

  std::vector<PlannedReport> out;
  out.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const Family& f = families[i % families.size()];
    const router::Grid* g = f.grids[i / families.size()];
    const auto centre = router::grid_centre(*g);
    PlannedReport p;
    char id[32];
    std::snprintf(id, sizeof id, "bench-%07zu", i);
    p.report.report_id = id;
    p.report.source = kSource;
    p.report.category = f.category;
    p.report.location = v1::Location{centre->lat, centre->lon};
    p.report.text = p.report.report_id;
    p.report.caller = v1::Caller{"13900000000", std::nullopt};
    p.report.reported_at_ms = reported_at_ms;
    p.unit = g->units.at(kRole);
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace liandong::bench
