// The router's section of the report (issue #4): its table rows and its JSON object.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "bench/report.hpp"
#include "bench/report_format.hpp"

namespace liandong::bench {

std::vector<Row> router_rows(const RouterFigures& figures);
nlohmann::json router_json(const RouterFigures& figures);

}  // namespace liandong::bench
