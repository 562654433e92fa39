#include "bench/scale_suite.hpp"

#include <algorithm>
#include <cmath>

#include "bench/dispatch_stream.hpp"
#include "bench/steps.hpp"
#include "core/codec.hpp"
#include "services/router/deployment_loader.hpp"

namespace liandong::bench {

namespace {
// Separated grids in the Zhuji map for the dispatch stream (dispatch_stream.hpp), with a margin.
constexpr std::size_t kStreamCapacity = 22'000;
}  // namespace

int scale_suite_steps(const BenchPlan& plan) {
  return 1 + 3 + 1 + static_cast<int>(plan.step_fractions.size() + plan.growth_grids.size() + 2 +
                                      plan.replay_events.size() + plan.memory_incidents.size()) +
         2;
}

void run_scale_suite(const BenchPlan& plan, const Binaries& binaries, const std::string& deployment_dir,
                     const std::string& scratch_dir, Steps& steps, ScaleFigures& f) {
  router::Deployment deployment;
  if (!steps.run<router::Deployment>("load the deployment (issue #6 suite)",
                                     [&] { return router::load_deployment(deployment_dir); }, deployment)) {
    return;
  }
  // The message size of the ceilings: an INCIDENT_REPORT of the router runs.
  auto planned = plan_dispatch_stream(deployment, 1, SystemClock().wall_ms());
  const std::string body = planned.ok() ? encode_body((*planned)[0].report) : std::string(200, 'x');

  RelayRunOptions relay{plan.relay_round_trips, plan.relay_window, body, ""};
  steps.run<RelayRunResult>("ceiling: raw ZeroMQ relay", [&] { return measure_raw_relay(relay); }, f.raw_relay);
  RelayRunOptions commit{plan.commit_relay_round_trips, plan.relay_window, body, scratch_dir + "/commit-relay.db"};
  steps.run<RelayRunResult>("ceiling: relay committing to SQLite (FULL) before forwarding",
                            [&] { return measure_commit_relay(commit); }, f.commit_relay);
  steps.run<RelayRunResult>("liandong-broker forwarding", [&] { return measure_broker_forwarding(binaries, relay); },
                            f.broker);
  steps.run<RelayRunResult>("liandong-broker forwarding with CurveZMQ",
                            [&] { return measure_broker_forwarding(binaries, relay, true); }, f.broker_curve);

  RouterLatencyOptions closed;
  closed.deployment_dir = deployment_dir;
  closed.window = plan.closed_loop_report_window;
  closed.closed_reports = std::min(plan.closed_loop_reports, kStreamCapacity);
  steps.run<RouterLatencyResult>("router closed loop, window " + std::to_string(closed.window),
                                 [&] { return run_router_latency(binaries, deployment, closed); }, f.closed_loop);
  if (!steps.ok()) return;

  // The rate search: open loops at fractions of the closed-loop rate, stopping at the first step
  // that misses (a step that cannot keep up is not an error of the benchmark: it is the answer).
  bool missed = false;
  for (double fraction : plan.step_fractions) {
    const double rate = std::max(50.0, std::round(fraction * f.closed_loop.completed_per_s / 50.0) * 50.0);
    RateStep step;
    step.offered_per_s = rate;
    if (missed) {
      step.note = "not run: a lower rate already missed";
      f.steps.push_back(step);
      continue;
    }
    RouterLatencyOptions o;
    o.deployment_dir = deployment_dir;
    const double fit_s = static_cast<double>(kStreamCapacity) / rate - static_cast<double>(plan.step_warmup.count()) / 1000.0;
    const auto duration = std::chrono::milliseconds(
        std::min<long long>(plan.step_duration.count(), static_cast<long long>(std::max(0.5, fit_s) * 1000)));
    o.reports = {rate, duration, plan.step_warmup, std::chrono::milliseconds(5'000)};
    step.seconds = static_cast<double>(duration.count()) / 1000.0;
    steps.run<RateStep>("router open loop at " + std::to_string(static_cast<long>(rate)) + "/s", [&]() -> Result<RateStep> {
      auto run = run_router_latency(binaries, deployment, o);
      if (run.ok()) {
        step.ran = true;
        step.order = run->order;
      } else {
        step.note = run.status().message();
      }
      return step;
    }, step);
    if (!step.ran || step.order.p99_ms > kStepP99LimitMs) missed = true;
    else f.sustained_per_s = std::max(f.sustained_per_s, rate);
    f.steps.push_back(step);
  }

  for (std::size_t grids : plan.growth_grids) {
    GridGrowthResult g;
    if (steps.run<GridGrowthResult>("routing in-process, " + std::to_string(grids) + " synthetic grids", [&] {
          return measure_grid_growth(deployment, grids, {plan.growth_reports, plan.routing_clock_step_ms});
        }, g)) {
      f.grids.push_back(g);
    }
  }
  for (std::size_t existing : {std::size_t{0}, plan.big_log_events}) {
    AppendGrowthResult a;
    if (steps.run<AppendGrowthResult>("audit store appends on a log of " + std::to_string(existing) + " events", [&] {
          return measure_append_growth(scratch_dir + "/growth.db", existing, plan.growth_appends);
        }, a)) {
      f.appends.push_back(a);
    }
  }
  for (std::size_t events : plan.replay_events) {
    ReplayResult r;
    if (steps.run<ReplayResult>("router restart on a log of " + std::to_string(events) + " events", [&] {
          return measure_replay(binaries, deployment, deployment_dir, scratch_dir, {events, 0}, plan.replay_ready_timeout);
        }, r)) {
      f.replays.push_back(r);
    }
  }
  for (std::size_t incidents : plan.memory_incidents) {
    ReplayResult r;
    if (steps.run<ReplayResult>("memory with " + std::to_string(incidents) + " open incidents", [&] {
          return measure_replay(binaries, deployment, deployment_dir, scratch_dir, {0, incidents},
                                plan.replay_ready_timeout);
        }, r)) {
      f.memory.push_back(r);
    }
  }
  FanoutOptions fc;
  fc.deployment_dir = deployment_dir;
  fc.alarms = plan.fanout_alarms;
  fc.window = plan.fanout_window;
  steps.run<FanoutResult>("watch fan-out, closed loop", [&] { return run_fanout(binaries, deployment, fc); },
                          f.fanout_closed);
  FanoutOptions fo;
  fo.deployment_dir = deployment_dir;
  fo.alarms = plan.fanout_open_alarms;
  fo.first_household = plan.fanout_alarms;
  fo.rate_per_s = plan.fanout_rate_per_s;
  steps.run<FanoutResult>("watch fan-out, open loop", [&] { return run_fanout(binaries, deployment, fo); },
                          f.fanout_open);
  f.ran = steps.ok();
}

}  // namespace liandong::bench
