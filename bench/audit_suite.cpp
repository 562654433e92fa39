#include "bench/audit_suite.hpp"

#include <vector>

#include "bench/sqlite_ceiling.hpp"
#include "bench/store_rate.hpp"

namespace liandong::bench {

namespace {
double ceiling_rate(const SqliteCeilingResult& c) { return c.rows_per_s; }
double store_rate(const StoreRateResult& s) { return s.events_per_s; }
double durable_rate(const ClosedLoopResult& r) { return r.appends_per_s; }
}  // namespace

int audit_suite_steps(const BenchPlan& plan) { return 5 * plan.repeats + 2; }

void run_audit_suite(const BenchPlan& plan, const Binaries& binaries, const std::string& scratch_dir, Steps& steps,
                     AuditFigures& a) {
  const std::string db = scratch_dir + "/ceiling.db";
  // The rate measurements are interleaved (ceiling, store, bus, ceiling, ...) so that a slow spell
  // of the machine hits both sides of a ratio alike.
  std::vector<SqliteCeilingResult> ceiling_full, ceiling_normal;
  std::vector<StoreRateResult> store_full;
  std::vector<ClosedLoopResult> durable_full, durable_normal;
  for (int r = 1; r <= plan.repeats && steps.ok(); ++r) {
    const std::string round =
        plan.repeats > 1 ? " (" + std::to_string(r) + "/" + std::to_string(plan.repeats) + ")" : "";
    for (const std::string sync : {"full", "normal"}) {
      SqliteCeilingResult c;
      if (steps.run<SqliteCeilingResult>("raw SQLite ceiling, " + sync + round, [&] {
            return measure_sqlite_ceiling({db, sync, plan.ceiling_rows, plan.ceiling_rows_per_transaction});
          }, c)) {
        (sync == "full" ? ceiling_full : ceiling_normal).push_back(c);
      }
      StoreRateResult s;
      if (sync == "full" && steps.run<StoreRateResult>("audit store in-process, full" + round, [&] {
            return measure_store_rate({db, sync, plan.ceiling_rows, plan.ceiling_rows_per_transaction});
          }, s)) {
        store_full.push_back(s);
      }
      ClosedLoopResult d;
      if (steps.run<ClosedLoopResult>("durable appends via broker + audit, sync=" + sync + round, [&] {
            return run_closed_loop(binaries, {sync, plan.closed_loop_events, plan.closed_loop_window});
          }, d)) {
        (sync == "full" ? durable_full : durable_normal).push_back(d);
      }
    }
  }
  steps.run<SqliteCeilingResult>("raw SQLite, FULL, one row per transaction", [&] {
    return measure_sqlite_ceiling({db, "full", plan.ceiling_single_row_commits, 1});
  }, a.ceiling_full_single_row);
  AppendLatencyOptions latency;
  latency.appends = {plan.open_loop_rate_per_s, plan.open_loop_duration, plan.open_loop_warmup};
  latency.probe = {plan.open_loop_rate_per_s, plan.bus_probe_duration, plan.open_loop_warmup / 2};
  steps.run<AppendLatencyResult>("append latency, open loop, sync=full (bus probe first)",
                                 [&] { return run_append_latency(binaries, latency); }, a.latency_full);
  if (!steps.ok()) return;
  a.ceiling_full = median_of(ceiling_full, ceiling_rate);
  a.ceiling_normal = median_of(ceiling_normal, ceiling_rate);
  a.store_full = median_of(store_full, store_rate);
  a.durable_full = median_of(durable_full, durable_rate);
  a.durable_normal = median_of(durable_normal, durable_rate);
}

}  // namespace liandong::bench
