// The issue #4 measurements as one suite: loading the deployment, routing decisions and grid
// lookups in-process (repeated, median reported), and the end-to-end run through broker, audit
// and router at a fixed offered rate.
#pragma once

#include <string>

#include "bench/plan.hpp"
#include "bench/report.hpp"
#include "bench/stack.hpp"
#include "bench/steps.hpp"

namespace liandong::bench {

// How many steps run_router_suite() takes under `plan`.
int router_suite_steps(const BenchPlan& plan);

// Runs every step on the deployment in `deployment_dir`. On a failure it stops; `steps.failure()`
// says why and `figures` is incomplete.
void run_router_suite(const BenchPlan& plan, const Binaries& binaries, const std::string& deployment_dir, Steps& steps,
                      RouterFigures& figures);

}  // namespace liandong::bench
