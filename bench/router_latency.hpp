// The router end to end (issue #4 "Performance", issue #6 item 1): real liandong-broker,
// liandong-audit at synchronous=FULL and liandong-router on the deployment, started on 127.0.0.1
// (port 0, ready files) for the run and stopped by PID after it. A reporter peer offers
// INCIDENT_REPORTs open loop at a fixed rate (see dispatch_stream.hpp for which); every unit of the
// deployment is on the bus as `unit:<id>` and accepts each DISPATCH_ORDER at once with ORDER_ACK.
// Measured: scheduled send -> REPORT_ACK (the report is durable), scheduled send -> DISPATCH_ORDER
// at the unit, and ORDER_ACK sent -> RECEIPT (the acceptance is durable).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "bench/audit_bench.hpp"
#include "bench/latency_stats.hpp"
#include "bench/open_loop.hpp"
#include "bench/read_flooder.hpp"
#include "bench/stack.hpp"
#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::bench {

struct RouterLatencyOptions {
  std::string deployment_dir;  // passed to the router as --deployment
  OpenLoopSchedule reports{500, std::chrono::milliseconds(10'000), std::chrono::milliseconds(1'000)};
  // Closed loop instead (issue #6, throughput): when window > 0, `closed_reports` reports are sent
  // keeping at most `window` of them waiting for their REPORT_ACK or DISPATCH_ORDER, and the
  // latencies run from the actual send; the schedule above is not used.
  std::size_t window = 0;
  std::size_t closed_reports = 0;
  // Every report at this priority instead of its category's (the read-flood step uses P1).
  std::optional<std::int64_t> priority;
  // When > 0, a peer keeps this many reads outstanding at the audit and the router during the run
  // (read_flooder.hpp).
  std::size_t flood_window = 0;
};

// CPU seconds of each process over the run, and peak resident memory at its end.
struct RouterRunCpu {
  double broker_s = 0, audit_s = 0, router_s = 0, bench_s = 0;
  double broker_peak_rss_mb = 0, audit_peak_rss_mb = 0, router_peak_rss_mb = 0;
};

struct RouterLatencyResult {
  RouterLatencyOptions options;
  std::size_t measured = 0;        // reports in the measured part (after the warm-up)
  std::size_t unit_peers = 0;      // units on the bus
  std::size_t units_ordered = 0;   // of which received at least one order
  LatencySummary report_ack;       // scheduled send -> REPORT_ACK at the reporter
  LatencySummary order;            // scheduled send -> DISPATCH_ORDER at the unit
  LatencySummary receipt;          // ORDER_ACK sent -> RECEIPT at the unit
  LatencySummary send_lag;         // scheduled -> actually sent: the harness's own delay
  double seconds = 0;              // first send to last answer
  double completed_per_s = 0;      // closed loop: reports acknowledged and dispatched per second
  RouterRunCpu cpu;
  CommitFigures commits;                         // the audit's, over the run
  std::map<std::string, std::uint64_t> router;   // the router's STATS counters, change over the run
  ReadFloodCounts flood;                         // what the flooding peer got (flood_window > 0)
};

// Fails (one line) when a process does not start or stop cleanly, a message is refused, an order
// goes to another unit than the report's grid's police station or a report is merged, or an answer
// is missing reports.drain_timeout after the last report was sent.
Result<RouterLatencyResult> run_router_latency(const Binaries& binaries, const router::Deployment& deployment,
                                               const RouterLatencyOptions& options);

}  // namespace liandong::bench
