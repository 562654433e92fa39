// How much each benchmark mode measures. Full mode is what `make bench` runs and what
// docs/performance.md reports (under 10 minutes on 2 cores); quick mode only keeps the harness
// working in CI (under a minute) and its figures mean little.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

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
  double router_rate_per_s = 1'000;
  std::chrono::milliseconds router_duration{20'000};
  std::chrono::milliseconds router_warmup{1'000};
  // Reads beside writes (issue #12): P1 reports open loop, quiet and under a flood of reads.
  double read_flood_rate_per_s = 200;
  std::chrono::milliseconds read_flood_duration{10'000};
  std::chrono::milliseconds read_flood_warmup{1'000};
  std::size_t read_flood_window = 200;

  // Issue #6. Ceilings: round trips through a raw ZeroMQ relay, a commit-before-forward relay and
  // the real broker, `relay_window` outstanding.
  std::size_t relay_round_trips = 200'000;
  std::size_t commit_relay_round_trips = 100'000;
  std::size_t relay_window = 100;
  // Throughput through broker + audit + router: a closed loop with a window of reports, then open
  // loops at these fractions of its rate (each a fresh stack), the highest with intake -> order
  // p99 <= 10 ms reported. The dispatch stream has ~23,000 separated grids: a step is shortened to fit.
  std::size_t closed_loop_reports = 20'000;
  std::size_t closed_loop_report_window = 200;
  std::vector<double> step_fractions = {0.4, 0.55, 0.7, 0.85, 1.0};
  std::chrono::milliseconds step_duration{5'000};
  std::chrono::milliseconds step_warmup{500};
  // Growth.
  std::vector<std::size_t> growth_grids = {1'000, 12'170, 100'000};
  std::size_t growth_reports = 50'000;
  std::size_t big_log_events = 5'000'000;
  std::size_t growth_appends = 100'000;
  std::vector<std::size_t> replay_events = {100'000, 1'000'000};
  std::vector<std::size_t> memory_incidents = {10'000, 100'000};
  std::chrono::milliseconds replay_ready_timeout{300'000};
  // Fan-out: a closed loop of alarms (alarms/s), then an open loop (alarm -> last alert p99).
  // (The first full-mode sizes were cut after a quick run measured ~30 alarms/s: see
  // docs/performance.md.)
  std::size_t fanout_alarms = 1'000;
  std::size_t fanout_window = 50;
  std::size_t fanout_open_alarms = 400;
  double fanout_rate_per_s = 20;
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
  p.read_flood_rate_per_s = 100;
  p.read_flood_duration = std::chrono::milliseconds(2'000);
  p.read_flood_warmup = std::chrono::milliseconds(200);
  p.read_flood_window = 100;
  p.relay_round_trips = 20'000;
  p.commit_relay_round_trips = 10'000;
  p.closed_loop_reports = 2'000;
  p.closed_loop_report_window = 100;
  p.step_fractions = {0.5, 1.0};
  p.step_duration = std::chrono::milliseconds(1'000);
  p.step_warmup = std::chrono::milliseconds(200);
  p.growth_reports = 3'000;
  p.big_log_events = 50'000;
  p.growth_appends = 5'000;
  p.replay_events = {10'000, 50'000};
  p.memory_incidents = {1'000, 5'000};
  p.replay_ready_timeout = std::chrono::milliseconds(60'000);
  p.fanout_alarms = 150;
  p.fanout_window = 20;
  p.fanout_open_alarms = 50;
  p.fanout_rate_per_s = 10;
  return p;
}

}  // namespace liandong::bench
