// How cost grows (issue #6, "Growth"): routing decisions in-process on synthetic deployments of
// 1,000 / 12,170 / 100,000 grids; the audit store's append rate on an empty log and on one already
// holding millions of events; the router's restart (the replay of its log through the real audit
// service) and the peak memory of broker, audit and router holding many open incidents.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/routing_rate.hpp"
#include "bench/stack.hpp"
#include "bench/store_rate.hpp"
#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::bench {

// `base` with its grids replaced by a lattice of `grids` rectangles over the same extent; each
// lattice grid takes the units (and town) of the base grid at (or nearest to) its centre, and each
// household is moved to the lattice grid holding its old grid's centre. Units, rules and the rest
// are kept, so the routing mix of routing_rate.cpp routes the same way.
Result<router::Deployment> synthetic_deployment(const router::Deployment& base, std::size_t grids);

struct GridGrowthResult {
  std::size_t grids = 0;
  double build_seconds = 0;  // making the synthetic deployment (not part of the rate)
  RoutingRateResult routing;
};

Result<GridGrowthResult> measure_grid_growth(const router::Deployment& base, std::size_t grids,
                                             const RoutingRateOptions& options);

struct AppendGrowthResult {
  std::size_t existing_events = 0;  // in the log before the measured appends
  double build_seconds = 0;         // writing them (raw inserts, valid hash chain)
  double file_mb = 0;               // the database file before the appends
  StoreRateResult append;           // SqliteEventStore::append() on top of them, FULL
};

// Builds a log of `existing` audit-shaped events at `path` (raw batched inserts into the audit
// schema, each record's hash computed as the store does, so the store's tail check at open passes),
// then measures the store's append rate on it. The file is removed afterwards.
Result<AppendGrowthResult> measure_append_growth(const std::string& path, std::size_t existing,
                                                 std::size_t appended_events);

struct RouterLogSpec {
  std::size_t events = 0;     // stop once this many events are written (0: no limit) ...
  std::size_t incidents = 0;  // ... or once this many incidents are open (0: no limit)
};

struct ReplayResult {
  RouterLogSpec spec;
  std::size_t events = 0;            // written to the log
  std::size_t incidents = 0;         // open in it (every order accepted, nothing closed)
  double write_seconds = 0;          // generating and writing the log (not measured further)
  double file_mb = 0;
  double ready_seconds = 0;          // router start -> its ready file (load deployment + replay)
  std::uint64_t replayed_events = 0; // the router's STATS
  std::uint64_t open_incidents = 0;  // the router's STATS
  double broker_peak_rss_mb = 0, audit_peak_rss_mb = 0, router_peak_rss_mb = 0;
  std::size_t events_on_first_tick = 0;  // events a tick right after the log's end would record (0 expected)
};

// Writes the events RouterCore decides for consult.policy reports from 96345 (one order each,
// accepted at once: nothing pending, never merged) into an audit database in `dir`, starts the
// real broker, audit and router on it, and times the router's start until its ready file.
Result<ReplayResult> measure_replay(const Binaries& binaries, const router::Deployment& deployment,
                                    const std::string& deployment_dir, const std::string& dir, const RouterLogSpec& spec,
                                    std::chrono::milliseconds ready_timeout);

}  // namespace liandong::bench
