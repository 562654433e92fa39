#include "bench/routing_rate.hpp"

#include <malloc.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>

#include "schemas/messages.hpp"
#include "services/router/grid_locator.hpp"
#include "services/router/router_core.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;

constexpr std::uint64_t kSeed = 0x4C44'0004'0000ULL;
// What a day at the service centre brings, in turn: three emergencies (one order each, or two for a
// building fire), a road accident at its default P2 (traffic police and ambulance), and a hotline
// consultation (a department; never merged).
const std::vector<std::pair<std::string, std::string>> kMix = {{"crime.theft", "110"},
                                                               {"fire.building", "110"},
                                                               {"traffic.accident", "110"},
                                                               {"medical.cardiac", "110"},
                                                               {"consult.policy", "96345"}};

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double unit_interval(std::uint64_t& state) { return static_cast<double>(splitmix64(state) >> 11) * 0x1.0p-53; }

// `n` points uniformly inside the bounding box of the deployment's grids.
Result<std::vector<router::GeoPoint>> random_points(const router::Deployment& d, std::size_t n) {
  double lat_min = std::numeric_limits<double>::max(), lat_max = -lat_min;
  double lon_min = lat_min, lon_max = -lat_min;
  for (const auto& [id, g] : d.grids) {
    for (const auto& p : g.polygon) {
      lat_min = std::min(lat_min, p.lat);
      lat_max = std::max(lat_max, p.lat);
      lon_min = std::min(lon_min, p.lon);
      lon_max = std::max(lon_max, p.lon);
    }
  }
  if (lat_min > lat_max) return Status(ErrorCode::kConfig, "the deployment has no grid polygons");
  std::vector<router::GeoPoint> points(n);
  std::uint64_t state = kSeed;
  for (auto& p : points) {
    p.lat = lat_min + unit_interval(state) * (lat_max - lat_min);
    p.lon = lon_min + unit_interval(state) * (lon_max - lon_min);
  }
  return points;
}

double heap_in_use_bytes() { return static_cast<double>(mallinfo2().uordblks); }

double seconds_between(Steady::time_point a, Steady::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

Result<RoutingRateResult> measure_routing_rate(const router::Deployment& deployment, const RoutingRateOptions& o) {
  auto points = random_points(deployment, o.reports);
  if (!points.ok()) return points.status();
  ManualClock clock;
  // Prepared beforehand so the loop measures the router alone.
  std::vector<v1::IncidentReport> reports(o.reports);
  for (std::size_t i = 0; i < o.reports; ++i) {
    v1::IncidentReport& r = reports[i];
    r.report_id = "r" + std::to_string(i);
    r.source = kMix[i % kMix.size()].second;
    r.category = kMix[i % kMix.size()].first;
    r.location = v1::Location{(*points)[i].lat, (*points)[i].lon};
    r.caller = v1::Caller{"13900000000", std::nullopt};
    r.text = "caller reports " + r.category;
    r.reported_at_ms = clock.wall_ms() + static_cast<Millis>(i + 1) * o.clock_step_ms;
  }

  RoutingRateResult result;
  result.options = o;
  for (const auto& [category, source] : kMix) result.categories.push_back(category + "@" + source);
  LatencyRecorder per_decision;
  per_decision.reserve(o.reports);
  std::size_t events = 0, orders = 0;
  const double heap_before = heap_in_use_bytes();
  {
    router::RouterCore core(deployment, clock, "router");
    const std::size_t tenth = std::max<std::size_t>(1, o.reports / 10);
    const auto start = Steady::now();
    auto first_tenth_end = start, last_tenth_start = start;
    auto last = start;
    for (std::size_t i = 0; i < o.reports; ++i) {
      clock.advance(o.clock_step_ms);
      if (i == o.reports - tenth) last_tenth_start = Steady::now();
      const auto before = Steady::now();
      router::Decision d = core.on_report("gw-bench", "m", reports[i]);
      last = Steady::now();
      per_decision.record_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(last - before).count());
      if (!d.now.empty()) {
        return Status(ErrorCode::kInternal, "the router answered report " + reports[i].report_id + " (" +
                                                reports[i].category + ") with " + d.now.front().command);
      }
      events += d.events.size();
      for (const auto& s : d.after_durable) orders += s.command == v1::DispatchOrder::kCommand ? 1 : 0;
      if (i + 1 == tenth) first_tenth_end = last;
    }
    result.seconds = seconds_between(start, last);
    result.first_tenth_per_s = static_cast<double>(tenth) / seconds_between(start, first_tenth_end);
    result.last_tenth_per_s = static_cast<double>(tenth) / seconds_between(last_tenth_start, last);
    const auto counters = core.counters();
    result.merged = counters.at("merged");
    result.triage = counters.at("triage");
    const double heap = heap_in_use_bytes() - heap_before;
    result.heap_mb = heap / 1e6;
    result.heap_bytes_per_incident = heap / static_cast<double>(o.reports);
  }
  const auto n = static_cast<double>(o.reports);
  result.decisions_per_s = result.seconds > 0 ? n / result.seconds : 0;
  result.decision = per_decision.summarize();
  result.events_per_decision = static_cast<double>(events) / n;
  result.orders_per_decision = static_cast<double>(orders) / n;
  return result;
}

Result<GridLookupResult> measure_grid_lookups(const router::Deployment& deployment, std::size_t lookups) {
  auto points = random_points(deployment, lookups);
  if (!points.ok()) return points.status();
  router::GridLocator locator(deployment);
  GridLookupResult r;
  r.lookups = lookups;
  std::vector<router::GeoPoint> inside, outside;
  const auto start = Steady::now();
  for (const auto& p : *points) {
    auto found = locator.locate(p);
    if (!found) return Status(ErrorCode::kConfig, "the deployment has no grids to locate in");
    (found->inside ? inside : outside).push_back(p);
  }
  r.seconds = seconds_between(start, Steady::now());
  r.lookups_per_s = r.seconds > 0 ? static_cast<double>(lookups) / r.seconds : 0;
  r.inside = inside.size();
  // Each kind alone, so the slower nearest-grid path can be told from the point-in-polygon one.
  const auto rate_of = [&](const std::vector<router::GeoPoint>& ps) {
    if (ps.empty()) return 0.0;
    std::size_t found = 0;
    const auto t0 = Steady::now();
    for (const auto& p : ps) found += locator.locate(p) ? 1 : 0;
    const double s = seconds_between(t0, Steady::now());
    return s > 0 ? static_cast<double>(found) / s : 0.0;
  };
  r.inside_per_s = rate_of(inside);
  r.off_grid_per_s = rate_of(outside);
  return r;
}

}  // namespace liandong::bench
