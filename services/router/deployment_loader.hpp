// Loads a deployment directory (config/zhuji/: units.toml, grids.csv, households.csv,
// categories.toml, routing.toml, workflows.toml, merge.toml; formats in its README.md) into a
// Deployment, refusing anything inconsistent with a message naming the file, the entry and why.
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::router {

// Sets Deployment::version to deployment_version() of the seven files above, in that order.
Result<Deployment> load_deployment(const std::string& directory);

// The version of a deployment: SHA-256 (64 lower-case hex digits) of each file's name, length
// and bytes, in the order given. Any change to any file changes it; recorded in router.started.
Result<std::string> deployment_version(const std::string& directory, const std::vector<std::string>& files);

// Orders rules most specific first (an exact category before a group pattern before "*"; an
// exact source before "*"; a narrower priority range first; then file order), so that taking
// the first match applies the precedence rule of routing.toml.
void sort_by_precedence(std::vector<RoutingRule>& rules);

}  // namespace liandong::router
