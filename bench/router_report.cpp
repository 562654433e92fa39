#include "bench/router_report.hpp"

#include <algorithm>
#include <string>

namespace liandong::bench {

namespace {

std::string us(double milliseconds) { return fixed(milliseconds * 1000.0, 1) + " us"; }

std::string spread(const std::vector<double>& rates) {
  if (rates.size() < 2) return "";
  const auto [lo, hi] = std::minmax_element(rates.begin(), rates.end());
  return "median of " + std::to_string(rates.size()) + " (" + thousands(*lo) + ".." + thousands(*hi) + "); ";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::uint64_t count_of(const std::map<std::string, std::uint64_t>& counters, const std::string& name) {
  const auto it = counters.find(name);
  return it == counters.end() ? 0 : it->second;
}

std::vector<Row> read_flood_rows(const ReadFloodResult& r) {
  const ReadFloodCounts& c = r.flooded.flood;
  const double ratio_p99 = r.p99_ratio();
  return {
      {"P1 intake -> DISPATCH_ORDER p99, quiet", ms(r.quiet.order.p99_ms), "ms",
       thousands(r.options.rate_per_s) + " P1 reports/s open loop, " + thousands(static_cast<double>(r.quiet.measured)) +
           " measured; p50 " + ms(r.quiet.order.p50_ms) + " ms, max " + ms(r.quiet.order.max_ms) + " ms"},
      {"  under a flood of reads", ms(r.flooded.order.p99_ms), "ms",
       fixed(ratio_p99, 2) + "x quiet (target <= " + fixed(kReadFloodTarget, 0) + "x" +
           (ratio_p99 <= kReadFloodTarget ? ": met" : ": MISSED") + "); p50 " + ms(r.flooded.order.p50_ms) +
           " ms, max " + ms(r.flooded.order.max_ms) + " ms; one peer kept " + std::to_string(r.options.window) +
           " reads outstanding: " + thousands(static_cast<double>(c.verifications)) + " AUDIT_VERIFY, " +
           thousands(static_cast<double>(c.queries)) + " AUDIT_QUERY, " + thousands(static_cast<double>(c.listings)) +
           " INCIDENTS_QUERY answered (" + thousands(ratio(static_cast<double>(c.answered()), c.seconds)) + "/s), " +
           thousands(static_cast<double>(c.refused)) + " refused"},
  };
}

nlohmann::json read_flood_json(const ReadFloodResult& r) {
  const ReadFloodCounts& c = r.flooded.flood;
  return {{"offered_p1_per_s", r.options.rate_per_s},
          {"duration_s", static_cast<double>(r.options.duration.count()) / 1000.0},
          {"reads_outstanding", r.options.window},
          {"quiet_intake_to_dispatch_order", json_of(r.quiet.order)},
          {"flooded_intake_to_dispatch_order", json_of(r.flooded.order)},
          {"flooded_intake_to_report_ack", json_of(r.flooded.report_ack)},
          {"p99_ratio", r.p99_ratio()},
          {"target_ratio", kReadFloodTarget},
          {"flood",
           {{"sent", c.sent},
            {"verifications", c.verifications},
            {"queries", c.queries},
            {"listings", c.listings},
            {"refused", c.refused},
            {"seconds", c.seconds}}}};
}

}  // namespace

std::vector<Row> router_rows(const RouterFigures& f) {
  const DeploymentFigures& d = f.deployment;
  const RoutingRateResult& r = f.routing.median;
  const GridLookupResult& g = f.lookups.median;
  const RouterLatencyResult& e = f.end_to_end;
  const double seconds = e.seconds;  // cores busy = CPU seconds over these wall seconds
  std::vector<Row> rows = {
      {"load the deployment", ms(d.load_seconds * 1000), "ms",
       thousands(static_cast<double>(d.grids)) + " grids, " + thousands(static_cast<double>(d.units)) + " units, " +
           thousands(static_cast<double>(d.households)) + " households, " + std::to_string(d.rules) +
           " rules: once per router start, before the replay"},
      {"routing decisions in-process", thousands(r.decisions_per_s), "decisions/s",
       spread(f.routing.rates) + thousands(static_cast<double>(r.options.reports)) + " reports in turn " +
           joined(r.categories) + ", clock +" + std::to_string(r.options.clock_step_ms / 1000) + " s each; " +
           fixed(r.events_per_decision, 2) + " events and " + fixed(r.orders_per_decision, 2) + " orders per decision, " +
           thousands(static_cast<double>(r.merged)) + " merged, " + thousands(static_cast<double>(r.triage)) +
           " to triage; one on_report() p50 " + us(r.decision.p50_ms) + ", p99 " + us(r.decision.p99_ms) + ", max " +
           us(r.decision.max_ms)},
      {"  over the last 10% of the reports", thousands(r.last_tenth_per_s), "decisions/s",
       "first 10%: " + thousands(r.first_tenth_per_s) + "/s; every earlier incident is still open; heap " +
           fixed(r.heap_mb, 0) + " MB for " + thousands(static_cast<double>(r.options.reports)) + " open incidents (" +
           thousands(r.heap_bytes_per_incident) + " bytes each)"},
      {"grid lookups in-process", thousands(g.lookups_per_s), "lookups/s",
       spread(f.lookups.rates) + thousands(static_cast<double>(g.lookups)) + " random points in the grids' extent, " +
           fixed(100.0 * ratio(static_cast<double>(g.inside), static_cast<double>(g.lookups)), 1) +
           "% on a grid; on a grid alone " + thousands(g.inside_per_s) + "/s, on no grid (nearest grid) " +
           thousands(g.off_grid_per_s) + "/s"},
  };
  const std::string rate = thousands(e.options.reports.rate_per_s) + "/s";
  auto add = [&](const std::vector<Row>& more) { rows.insert(rows.end(), more.begin(), more.end()); };
  add(percentile_rows("intake -> REPORT_ACK (durable) at " + rate, e.report_ack,
                      thousands(static_cast<double>(e.measured)) +
                          " reports open loop, from the scheduled send time; audit FULL, " +
                          fixed(e.commits.events_per_transaction, 2) + " events/txn"));
  add(percentile_rows("intake -> DISPATCH_ORDER at the unit", e.order,
                      "crime.theft and dispute.neighbour from 110 at grid centres -> the grid's police station; " +
                          std::to_string(e.units_ordered) + " of " + std::to_string(e.unit_peers) +
                          " units on the bus got orders"));
  add(percentile_rows("ORDER_ACK -> RECEIPT (acceptance durable)", e.receipt,
                      "from the unit's send of ORDER_ACK to its RECEIPT"));
  rows.push_back({"router, end-to-end run: cores busy", fixed(ratio(e.cpu.router_s, seconds), 2), "cores",
                  "broker " + fixed(ratio(e.cpu.broker_s, seconds), 2) + ", audit " +
                      fixed(ratio(e.cpu.audit_s, seconds), 2) + ", bench " + fixed(ratio(e.cpu.bench_s, seconds), 2) +
                      "; peak RSS broker " + fixed(e.cpu.broker_peak_rss_mb, 0) + " MB, audit " +
                      fixed(e.cpu.audit_peak_rss_mb, 0) + " MB, router " + fixed(e.cpu.router_peak_rss_mb, 0) +
                      " MB; router dispatched " + thousands(static_cast<double>(count_of(e.router, "dispatched"))) +
                      ", accepted " + thousands(static_cast<double>(count_of(e.router, "accepted"))) + ", escalations " +
                      thousands(static_cast<double>(count_of(e.router, "escalations")))});
  rows.push_back({"harness send lag (router run): p99", ms(e.send_lag.p99_ms), "ms",
                  "scheduled -> sent; max " + ms(e.send_lag.max_ms) + " ms (already inside the latencies above)"});
  add(read_flood_rows(f.read_flood));
  return rows;
}

nlohmann::json router_json(const RouterFigures& f) {
  const DeploymentFigures& d = f.deployment;
  const RoutingRateResult& r = f.routing.median;
  const GridLookupResult& g = f.lookups.median;
  const RouterLatencyResult& e = f.end_to_end;
  const double s = e.seconds;
  return {
      {"deployment",
       {{"dir", d.dir},
        {"load_seconds", d.load_seconds},
        {"grids", d.grids},
        {"units", d.units},
        {"households", d.households},
        {"rules", d.rules}}},
      {"routing_in_process",
       {{"reports", r.options.reports},
        {"clock_step_ms", r.options.clock_step_ms},
        {"categories", r.categories},
        {"seconds", r.seconds},
        {"decisions_per_s", r.decisions_per_s},
        {"first_tenth_per_s", r.first_tenth_per_s},
        {"last_tenth_per_s", r.last_tenth_per_s},
        {"decision_latency", json_of(r.decision)},
        {"events_per_decision", r.events_per_decision},
        {"orders_per_decision", r.orders_per_decision},
        {"merged", r.merged},
        {"triage", r.triage},
        {"heap_mb", r.heap_mb},
        {"heap_bytes_per_open_incident", r.heap_bytes_per_incident},
        {"runs", f.routing.rates}}},
      {"grid_lookups",
       {{"lookups", g.lookups},
        {"seconds", g.seconds},
        {"lookups_per_s", g.lookups_per_s},
        {"inside", g.inside},
        {"inside_per_s", g.inside_per_s},
        {"off_grid_per_s", g.off_grid_per_s},
        {"runs", f.lookups.rates}}},
      {"end_to_end",
       {{"schedule",
         {{"offered_per_s", e.options.reports.rate_per_s},
          {"duration_s", static_cast<double>(e.options.reports.duration.count()) / 1000.0},
          {"warmup_s", static_cast<double>(e.options.reports.warmup.count()) / 1000.0}}},
        {"stream", "crime.theft and dispute.neighbour from 110, located at grid centres >merge distance apart"},
        {"measured", e.measured},
        {"unit_peers", e.unit_peers},
        {"units_ordered", e.units_ordered},
        {"intake_to_report_ack", json_of(e.report_ack)},
        {"intake_to_dispatch_order", json_of(e.order)},
        {"order_ack_to_receipt", json_of(e.receipt)},
        {"send_lag", json_of(e.send_lag)},
        {"seconds", s},
        {"cpu",
         {{"broker_cpu_s", e.cpu.broker_s},
          {"audit_cpu_s", e.cpu.audit_s},
          {"router_cpu_s", e.cpu.router_s},
          {"client_cpu_s", e.cpu.bench_s},
          {"broker_cores", ratio(e.cpu.broker_s, s)},
          {"audit_cores", ratio(e.cpu.audit_s, s)},
          {"router_cores", ratio(e.cpu.router_s, s)},
          {"client_cores", ratio(e.cpu.bench_s, s)},
          {"broker_peak_rss_mb", e.cpu.broker_peak_rss_mb},
          {"audit_peak_rss_mb", e.cpu.audit_peak_rss_mb},
          {"router_peak_rss_mb", e.cpu.router_peak_rss_mb}}},
        {"audit_stats",
         {{"transactions", e.commits.transactions},
          {"events_appended", e.commits.events_appended},
          {"events_per_transaction", e.commits.events_per_transaction}}},
        {"router_counters", e.router}}},
      {"read_flood", read_flood_json(f.read_flood)},
  };
}

}  // namespace liandong::bench
