#include "services/router/deployment.hpp"

#include <algorithm>
#include <cmath>

namespace liandong::router {

double distance_m(const GeoPoint& a, const GeoPoint& b) {
  constexpr double kEarthRadiusM = 6'371'000.0;
  constexpr double kRad = 3.14159265358979323846 / 180.0;
  const double dlat = (b.lat - a.lat) * kRad;
  const double dlon = (b.lon - a.lon) * kRad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat * kRad) * std::cos(b.lat * kRad) * std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

bool Workflow::allows(const std::string& from, const std::string& to) const {
  auto it = transitions.find(from);
  if (it == transitions.end()) return false;
  for (const auto& s : it->second) {
    if (s == to) return true;
  }
  return false;
}

std::string Workflow::allowed_from(const std::string& from) const {
  auto it = transitions.find(from);
  if (it == transitions.end() || it->second.empty()) return "(none: '" + from + "' is final)";
  std::string out;
  for (const auto& s : it->second) out += (out.empty() ? "" : ", ") + s;
  return out;
}

namespace {
bool contains(const std::vector<std::string>& list, const std::string& s) {
  for (const auto& x : list) {
    if (x == s) return true;
  }
  return false;
}
}  // namespace

bool WorkflowTimer::starts_at(const std::string& state) const { return contains(start, state); }
bool WorkflowTimer::stops_at(const std::string& state) const { return contains(stop, state); }

double WorkflowTimer::limit_for(const std::string& category, std::int64_t priority) const {
  if (auto it = by_category.find(category); it != by_category.end()) return it->second;
  const auto p = std::clamp<std::int64_t>(priority, 1, static_cast<std::int64_t>(limits.size()));
  return limits[static_cast<std::size_t>(p - 1)];
}

const Grid* Deployment::grid(const std::string& id) const {
  auto it = grids.find(id);
  return it == grids.end() ? nullptr : &it->second;
}

const Unit* Deployment::unit(const std::string& id) const {
  auto it = units.find(id);
  return it == units.end() ? nullptr : &it->second;
}

}  // namespace liandong::router
