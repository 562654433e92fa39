#include "services/router/deployment.hpp"

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

const Grid* Deployment::grid(const std::string& id) const {
  auto it = grids.find(id);
  return it == grids.end() ? nullptr : &it->second;
}

const Unit* Deployment::unit(const std::string& id) const {
  auto it = units.find(id);
  return it == units.end() ? nullptr : &it->second;
}

}  // namespace liandong::router
