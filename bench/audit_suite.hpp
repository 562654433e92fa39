// The issue #3 measurements as one suite: the raw SQLite and in-process store ceilings, durable
// appends through the real broker and audit, and append latency at a fixed offered rate.
#pragma once

#include <string>

#include "bench/audit_bench.hpp"
#include "bench/plan.hpp"
#include "bench/report.hpp"
#include "bench/steps.hpp"

namespace liandong::bench {

// How many steps run_audit_suite() takes under `plan`.
int audit_suite_steps(const BenchPlan& plan);

// Runs every step, writing databases of the in-process steps under `scratch_dir`. On a failure it
// stops; `steps.failure()` says why and `figures` is incomplete.
void run_audit_suite(const BenchPlan& plan, const Binaries& binaries, const std::string& scratch_dir, Steps& steps,
                     AuditFigures& figures);

}  // namespace liandong::bench
