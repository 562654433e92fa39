// The router's decisions in-process (issue #4, "Performance"): RouterCore::on_report() over the
// real deployment (12,170 grids in config/zhuji) with a ManualClock, no bus and no audit log; and
// GridLocator::locate() alone, the point-in-polygon lookup every located report starts with. Both
// take the same deterministic pseudo-random points inside the extent of the deployment's grids,
// some of which lie on no grid (lakes, hills between towns) and take the nearest-grid path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "bench/latency_stats.hpp"
#include "core/clock.hpp"
#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::bench {

struct RoutingRateOptions {
  std::size_t reports = 200'000;
  // The manual clock moves this much between reports (and each report's reported_at_ms with it),
  // so merge windows (30-60 min, 100-500 m) link only the rare reports that fall close together.
  Millis clock_step_ms = 60'000;
};

struct RoutingRateResult {
  RoutingRateOptions options;
  std::vector<std::string> categories;   // the mix, in turn: category@source
  double seconds = 0;                    // all on_report() calls
  double decisions_per_s = 0;
  double first_tenth_per_s = 0;          // over the first 10% of reports (few incidents held yet)
  double last_tenth_per_s = 0;           // over the last 10% (all earlier incidents still open)
  LatencySummary decision;               // one on_report() call
  double events_per_decision = 0;        // audit events per report
  double orders_per_decision = 0;        // DISPATCH_ORDERs per report
  std::uint64_t merged = 0;              // reports linked to an open incident (no order)
  std::uint64_t triage = 0;              // reports sent to a duty supervisor
  double heap_mb = 0;                    // heap in use for the core's state after the run
  double heap_bytes_per_incident = 0;
};

struct GridLookupResult {
  std::size_t lookups = 0;
  double seconds = 0;
  double lookups_per_s = 0;              // the whole mix
  std::size_t inside = 0;                // points on a grid; the others take the nearest-grid path
  double inside_per_s = 0;               // the points on a grid alone
  double off_grid_per_s = 0;             // the points on no grid alone
};

// Fails when a report is refused (a decision carrying an ERROR) or the deployment has no grids.
Result<RoutingRateResult> measure_routing_rate(const router::Deployment& deployment, const RoutingRateOptions& options);
Result<GridLookupResult> measure_grid_lookups(const router::Deployment& deployment, std::size_t lookups);

}  // namespace liandong::bench
