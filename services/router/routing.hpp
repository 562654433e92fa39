// The routing decisions that depend only on the deployment: which rule applies, which unit a
// rule's target or a ladder rung means for an incident. Pure functions, tested table-driven.
#pragma once

#include <optional>
#include <set>
#include <string>

#include "services/router/deployment.hpp"

namespace liandong::router {

// True when `pattern` ("*", "fire.*", "fire.building") covers `category`.
bool category_matches(const std::string& pattern, const std::string& category);

// The first rule (in the deployment's precedence order) matching category, source and priority.
const RoutingRule* find_rule(const Deployment& d, const std::string& category, const std::string& source,
                             std::int64_t priority);

// Where an incident is, for distances: its reported location, else its grid's centre.
std::optional<GeoPoint> incident_point(const Deployment& d, const std::optional<GeoPoint>& location,
                                       const std::optional<std::string>& grid);

// The centre of a grid's polygon (the mean of its vertices).
std::optional<GeoPoint> grid_centre(const Grid& grid);

struct ResolvedUnit {
  std::string unit;    // empty when nothing fits
  std::string reason;  // why this unit, or why none
};

// A rule target's unit for an incident in `grid` on `platform`: "grid.police" -> that grid's
// police station; "supervisor" -> the platform's duty supervisor; a unit id -> itself.
ResolvedUnit resolve_target(const Deployment& d, const std::string& target, const std::optional<std::string>& grid,
                            const std::string& platform);

// A ladder rung: "nearest" (the nearest unit of `previous_agency` not in `tried`),
// "nearest.<agency>" (also spelt "next.<agency>"), "supervisor" (the platform's duty supervisor),
// "command" (the command centre), or a unit id.
ResolvedUnit resolve_rung(const Deployment& d, const std::string& rung, const std::string& platform,
                          const std::optional<GeoPoint>& where, const std::set<std::string>& tried,
                          const std::string& previous_agency = "");

}  // namespace liandong::router
