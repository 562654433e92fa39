#include "bench/router_suite.hpp"

#include <chrono>
#include <vector>

#include "services/router/deployment_loader.hpp"

namespace liandong::bench {

namespace {
double decision_rate(const RoutingRateResult& r) { return r.decisions_per_s; }
double lookup_rate(const GridLookupResult& r) { return r.lookups_per_s; }
}  // namespace

int router_suite_steps(const BenchPlan& plan) { return 2 * plan.repeats + 3; }

void run_router_suite(const BenchPlan& plan, const Binaries& binaries, const std::string& deployment_dir, Steps& steps,
                      RouterFigures& f) {
  router::Deployment deployment;
  if (!steps.run<router::Deployment>("load the deployment " + deployment_dir, [&] {
        const auto started = std::chrono::steady_clock::now();
        auto loaded = router::load_deployment(deployment_dir);
        f.deployment.load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        return loaded;
      }, deployment)) {
    return;
  }
  f.deployment.dir = deployment_dir;
  f.deployment.grids = deployment.grids.size();
  f.deployment.units = deployment.units.size();
  f.deployment.households = deployment.households.size();
  f.deployment.rules = deployment.rules.size();

  std::vector<RoutingRateResult> routing;
  std::vector<GridLookupResult> lookups;
  for (int r = 1; r <= plan.repeats && steps.ok(); ++r) {
    const std::string round =
        plan.repeats > 1 ? " (" + std::to_string(r) + "/" + std::to_string(plan.repeats) + ")" : "";
    RoutingRateResult rate;
    if (steps.run<RoutingRateResult>("routing decisions in-process" + round, [&] {
          return measure_routing_rate(deployment, {plan.routing_reports, plan.routing_clock_step_ms});
        }, rate)) {
      routing.push_back(rate);
    }
    GridLookupResult lookup;
    if (steps.run<GridLookupResult>("grid lookups in-process" + round,
                                    [&] { return measure_grid_lookups(deployment, plan.grid_lookups); }, lookup)) {
      lookups.push_back(lookup);
    }
  }
  RouterLatencyOptions e2e;
  e2e.deployment_dir = deployment_dir;
  e2e.reports = {plan.router_rate_per_s, plan.router_duration, plan.router_warmup};
  steps.run<RouterLatencyResult>("router end to end, open loop, audit sync=full",
                                 [&] { return run_router_latency(binaries, deployment, e2e); }, f.end_to_end);
  ReadFloodOptions flood;
  flood.deployment_dir = deployment_dir;
  flood.rate_per_s = plan.read_flood_rate_per_s;
  flood.duration = plan.read_flood_duration;
  flood.warmup = plan.read_flood_warmup;
  flood.window = plan.read_flood_window;
  steps.run<ReadFloodResult>("P1 reports quiet, then under a flood of reads",
                             [&] { return run_read_flood(binaries, deployment, flood); }, f.read_flood);
  if (!steps.ok()) return;
  f.routing = median_of(routing, decision_rate);
  f.lookups = median_of(lookups, lookup_rate);
}

}  // namespace liandong::bench
