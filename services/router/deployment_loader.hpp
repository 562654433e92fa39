// Loads a deployment directory (config/zhuji/: towns.toml, units.toml, grids.csv,
// households.csv, categories.toml, workflows.toml, routing.toml, merge.toml; formats in its
// README.md) into a Deployment. Strict: an unknown key, a value of the wrong type or out of
// range, a name that resolves to nothing (unit, town, zone, category, platform, ladder, rung,
// state), a count that does not add up, a grid that is not a simple polygon or overlaps
// another, ambiguous routing rules and a missing catch-all rule are all refused, the message
// naming the file, the line, the key or column and the value.
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::router {

// Sets Deployment::version to deployment_version() of the eight files above, in that order.
Result<Deployment> load_deployment(const std::string& directory);

// The version of a deployment: SHA-256 (64 lower-case hex digits) of each file's name, length
// and bytes, in the order given. Any change to any file changes it; recorded in router.started.
Result<std::string> deployment_version(const std::string& directory, const std::vector<std::string>& files);

// Orders rules most specific first (an exact category before a group pattern before "*"; an
// exact source before "*"; a narrower priority range first; then file order), so that taking
// the first match applies the precedence rule of routing.toml.
void sort_by_precedence(std::vector<RoutingRule>& rules);

}  // namespace liandong::router
