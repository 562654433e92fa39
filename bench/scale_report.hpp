// The issue #6 sections of the report: ceilings and throughput, growth, fan-out; table rows and
// JSON, with Liandong's figures as ratios of the ceilings measured in the same run.
#pragma once

#include <nlohmann/json.hpp>

#include <vector>

#include "bench/report_format.hpp"
#include "bench/router_latency.hpp"
#include "bench/scale_suite.hpp"

namespace liandong::bench {

inline constexpr double kCommitRelayRatioTarget = 0.8;  // durable routed incidents/s vs the commit relay
inline constexpr double kBrokerRatioTarget = 0.8;       // broker forwarding vs the raw relay
inline constexpr double kOrderP99TargetMs = 1.5;        // at 1,000/s
inline constexpr double kReplayTargetSeconds = 5.0;     // 1,000,000 events
inline constexpr double kBrokerRssTargetMb = 50;
inline constexpr double kRouterRssTargetMb = 300;       // at 100,000 open incidents

std::vector<Row> throughput_rows(const ScaleFigures& f, const RouterLatencyResult& at_operational_load);
std::vector<Row> growth_rows(const ScaleFigures& f);
std::vector<Row> fanout_rows(const ScaleFigures& f);
nlohmann::json scale_json(const ScaleFigures& f, const RouterLatencyResult& at_operational_load);

}  // namespace liandong::bench
