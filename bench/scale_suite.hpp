// The issue #6 measurements as one suite: the bus ceilings (raw relay, commit-before-forward
// relay, the broker's own forwarding), the router's closed-loop maximum and the highest open-loop
// rate with intake -> order p99 <= 10 ms, growth (grids, log size, replay, memory) and the watch
// fan-out.
#pragma once

#include <string>
#include <vector>

#include "bench/fanout.hpp"
#include "bench/growth.hpp"
#include "bench/plan.hpp"
#include "bench/relay_ceilings.hpp"
#include "bench/router_latency.hpp"
#include "bench/stack.hpp"

namespace liandong::bench {

class Steps;

inline constexpr double kStepP99LimitMs = 10.0;  // issue #6: the saturation rate keeps p99 <= 10 ms

// One open-loop step of the rate search.
struct RateStep {
  double offered_per_s = 0;
  double seconds = 0;           // measured part
  bool ran = false;             // every report answered
  LatencySummary order;         // intake -> DISPATCH_ORDER
  std::string note;             // why it did not run through, when it did not
};

struct ScaleFigures {
  RelayRunResult raw_relay;
  RelayRunResult commit_relay;
  RelayRunResult broker;
  RelayRunResult broker_curve;  // the same through a broker with CurveZMQ keys
  RouterLatencyResult closed_loop;
  std::vector<RateStep> steps;
  double sustained_per_s = 0;  // highest step with p99 <= kStepP99LimitMs (0: none)
  std::vector<GridGrowthResult> grids;
  std::vector<AppendGrowthResult> appends;
  std::vector<ReplayResult> replays;
  std::vector<ReplayResult> memory;
  FanoutResult fanout_closed;
  FanoutResult fanout_open;
  bool ran = false;
};

int scale_suite_steps(const BenchPlan& plan);

void run_scale_suite(const BenchPlan& plan, const Binaries& binaries, const std::string& deployment_dir,
                     const std::string& scratch_dir, Steps& steps, ScaleFigures& figures);

}  // namespace liandong::bench
