#include "services/router/routing.hpp"

#include <limits>

namespace liandong::router {

bool category_matches(const std::string& pattern, const std::string& category) {
  if (pattern == "*" || pattern == category) return true;
  if (pattern.size() >= 2 && pattern.ends_with(".*")) {
    const auto prefix = pattern.substr(0, pattern.size() - 1);  // "fire."
    return category.rfind(prefix, 0) == 0;
  }
  return false;
}

const RoutingRule* find_rule(const Deployment& d, const std::string& category, const std::string& source,
                             std::int64_t priority) {
  for (const auto& rule : d.rules) {
    if (!category_matches(rule.category, category)) continue;
    if (rule.source != "*" && rule.source != source) continue;
    if (priority < rule.min_priority || priority > rule.max_priority) continue;
    return &rule;
  }
  return nullptr;
}

std::optional<GeoPoint> grid_centre(const Grid& grid) {
  if (grid.polygon.empty()) return std::nullopt;
  GeoPoint c;
  for (const auto& p : grid.polygon) {
    c.lat += p.lat;
    c.lon += p.lon;
  }
  c.lat /= static_cast<double>(grid.polygon.size());
  c.lon /= static_cast<double>(grid.polygon.size());
  return c;
}

std::optional<GeoPoint> incident_point(const Deployment& d, const std::optional<GeoPoint>& location,
                                       const std::optional<std::string>& grid) {
  if (location) return location;
  if (grid) {
    if (const Grid* g = d.grid(*grid)) return grid_centre(*g);
  }
  return std::nullopt;
}

ResolvedUnit resolve_target(const Deployment& d, const std::string& target, const std::optional<std::string>& grid,
                            const std::string& platform) {
  if (target == "supervisor") return resolve_rung(d, target, platform, std::nullopt, {});
  if (target.rfind("grid.", 0) == 0) {
    const std::string role = target.substr(5);
    if (!grid) return {"", "the incident has no grid, so '" + target + "' names no unit"};
    const Grid* g = d.grid(*grid);
    if (g == nullptr) return {"", "grid '" + *grid + "' is not in the grid map"};
    auto it = g->units.find(role);
    if (it == g->units.end() || d.unit(it->second) == nullptr) {
      return {"", "grid " + *grid + " has no " + role + " unit"};
    }
    return {it->second, "the " + role + " unit of grid " + *grid};
  }
  if (d.unit(target) == nullptr) return {"", "unit '" + target + "' is not in the deployment"};
  return {target, "named by the routing rule"};
}

ResolvedUnit resolve_rung(const Deployment& d, const std::string& rung, const std::string& platform,
                          const std::optional<GeoPoint>& where, const std::set<std::string>& tried,
                          const std::string& previous_agency) {
  if (rung == "supervisor") {
    auto it = d.supervisors.find(platform);
    if (it == d.supervisors.end()) return {"", "platform " + platform + " has no duty supervisor"};
    return {it->second, "the " + platform + " duty supervisor"};
  }
  if (rung == "command") return {d.command_centre, "the command centre"};
  std::string agency;
  if (rung == "nearest") agency = previous_agency;
  else if (rung.rfind("nearest.", 0) == 0) agency = rung.substr(8);
  else if (rung.rfind("next.", 0) == 0) agency = rung.substr(5);
  if (rung == "nearest" && agency.empty()) return {"", "'nearest' has no agency to follow"};
  if (!agency.empty()) {
    const Unit* best = nullptr;
    double best_m = std::numeric_limits<double>::max();
    for (const auto& [id, unit] : d.units) {
      if (unit.agency != agency || tried.contains(id)) continue;
      const double m = (where && unit.location) ? distance_m(*where, *unit.location) : 1e12;
      if (best == nullptr || m < best_m) {
        best = &unit;
        best_m = m;
      }
    }
    if (best == nullptr) return {"", "no other " + agency + " unit left to try"};
    return {best->id, "the nearest " + agency + " unit not yet tried"};
  }
  if (d.unit(rung) == nullptr) return {"", "unit '" + rung + "' is not in the deployment"};
  return {rung, "named by the escalation ladder"};
}

}  // namespace liandong::router
