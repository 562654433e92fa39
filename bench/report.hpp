// The benchmark's output: a table for people on stdout and a JSON document with every figure, the
// machine and the commit (the file docs/performance.md is written from).
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "bench/audit_bench.hpp"
#include "bench/machine_info.hpp"
#include "bench/plan.hpp"
#include "bench/read_flood.hpp"
#include "bench/router_latency.hpp"
#include "bench/routing_rate.hpp"
#include "bench/scale_suite.hpp"
#include "bench/sqlite_ceiling.hpp"
#include "bench/store_rate.hpp"
#include "core/status.hpp"

namespace liandong::bench {

// A measurement repeated; `median` is the run with the median rate and stands for all of them.
template <class T>
struct Repeated {
  T median;
  std::vector<double> rates;  // every run's rate, in run order
};

// The issue #3 figures: the SQLite ceilings and, from the same run, the figures through the bus.
struct AuditFigures {
  Repeated<SqliteCeilingResult> ceiling_full;    // 1,000 rows per transaction, synchronous=FULL
  Repeated<SqliteCeilingResult> ceiling_normal;  // 1,000 rows per transaction, synchronous=NORMAL
  SqliteCeilingResult ceiling_full_single_row;   // one row per transaction: the cost of one commit
  Repeated<StoreRateResult> store_full;          // SqliteEventStore in-process, 1,000 events per append
  Repeated<ClosedLoopResult> durable_full;
  Repeated<ClosedLoopResult> durable_normal;
  AppendLatencyResult latency_full;
};

inline constexpr double kAuditRatioTarget = 0.5;  // issue #3: durable appends >= half the raw rate

// The issue #4 figures: the deployment, the router's decisions in-process, and end to end.
struct DeploymentFigures {
  std::string dir;
  double load_seconds = 0;  // load_deployment(): what a router start costs before the replay
  std::size_t grids = 0;
  std::size_t units = 0;
  std::size_t households = 0;
  std::size_t rules = 0;
};

struct RouterFigures {
  DeploymentFigures deployment;
  Repeated<RoutingRateResult> routing;  // RouterCore::on_report(), no bus
  Repeated<GridLookupResult> lookups;   // GridLocator::locate() alone
  RouterLatencyResult end_to_end;       // broker + audit (FULL) + router, open loop
  ReadFloodResult read_flood;           // P1 reports quiet and under a flood of reads (issue #12)
};

struct BenchReport {
  BenchPlan plan;
  std::string started_at_utc;  // ISO 8601
  double total_seconds = 0;
  MachineInfo machine;
  AuditFigures audit;
  RouterFigures router;
  ScaleFigures scale;  // issue #6
};

void print_table(std::ostream& out, const BenchReport& report);
nlohmann::json to_json(const BenchReport& report);
// Writes to_json(report) to `path` (creating its directory); kIo naming the path on failure.
Status write_json(const std::string& path, const BenchReport& report);

}  // namespace liandong::bench
