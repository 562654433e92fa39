// How much each benchmark mode measures. Full mode is what `make bench` runs and what
// docs/performance.md reports (well under 5 minutes on 2 cores); quick mode only keeps the harness
// working in CI (under 30 s) and its figures mean little.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace liandong::bench {

struct BenchPlan {
  std::string mode = "full";
  // The rate measurements (ceilings and closed loops) run this many times, interleaved, and the
  // median run is reported: this machine's disk and CPU are shared, and one run can be unlucky.
  int repeats = 3;
  std::size_t ceiling_rows = 200'000;            // raw SQLite, 1,000 rows per transaction
  std::size_t ceiling_rows_per_transaction = 1'000;
  std::size_t ceiling_single_row_commits = 1'000;  // raw SQLite, one row per transaction
  std::size_t closed_loop_events = 200'000;      // per sync level: as many as the ceiling's rows
  std::size_t closed_loop_window = 2'000;
  double open_loop_rate_per_s = 1'000;
  std::chrono::milliseconds open_loop_duration{20'000};
  std::chrono::milliseconds open_loop_warmup{1'000};
  std::chrono::milliseconds bus_probe_duration{5'000};  // AUDIT_QUERYs at the same rate, before

  // The router (issue #4). In-process: RouterCore::on_report() over the deployment with a manual
  // clock advanced this much between reports (spread out in time, random points are seldom merged),
  // and GridLocator::locate() alone over as many points.
  std::size_t routing_reports = 200'000;
  std::int64_t routing_clock_step_ms = 60'000;
  std::size_t grid_lookups = 200'000;
  // End to end through broker + audit (sync=full) + router: INCIDENT_REPORTs offered open loop.
  double router_rate_per_s = 500;
  std::chrono::milliseconds router_duration{10'000};
  std::chrono::milliseconds router_warmup{1'000};
};

inline BenchPlan full_plan() { return {}; }

inline BenchPlan quick_plan() {
  BenchPlan p;
  p.mode = "quick";
  p.repeats = 1;
  p.ceiling_rows = 20'000;
  p.ceiling_single_row_commits = 100;
  p.closed_loop_events = 5'000;
  p.closed_loop_window = 500;
  p.open_loop_duration = std::chrono::milliseconds(2'000);
  p.open_loop_warmup = std::chrono::milliseconds(200);
  p.bus_probe_duration = std::chrono::milliseconds(500);
  p.routing_reports = 20'000;
  p.grid_lookups = 20'000;
  p.router_rate_per_s = 200;
  p.router_duration = std::chrono::milliseconds(2'000);
  p.router_warmup = std::chrono::milliseconds(200);
  return p;
}

}  // namespace liandong::bench
