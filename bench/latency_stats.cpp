#include "bench/latency_stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace liandong::bench {

namespace {
double to_ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }
}  // namespace

std::int64_t percentile_ns(const std::vector<std::int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  // The small epsilon keeps 99.9% of 1000 samples at rank 999, not 1000, despite rounding.
  const double rank = std::ceil(p / 100.0 * static_cast<double>(sorted.size()) - 1e-9);
  const auto index = static_cast<std::size_t>(std::clamp(rank, 1.0, static_cast<double>(sorted.size()))) - 1;
  return sorted[index];
}

LatencySummary LatencyRecorder::summarize() const {
  LatencySummary s;
  s.count = samples_ns_.size();
  if (samples_ns_.empty()) return s;
  std::vector<std::int64_t> sorted = samples_ns_;
  std::sort(sorted.begin(), sorted.end());
  const long double sum = std::accumulate(sorted.begin(), sorted.end(), 0.0L);
  s.mean_ms = static_cast<double>(sum / static_cast<long double>(sorted.size())) / 1e6;
  s.p50_ms = to_ms(percentile_ns(sorted, 50));
  s.p90_ms = to_ms(percentile_ns(sorted, 90));
  s.p99_ms = to_ms(percentile_ns(sorted, 99));
  s.p999_ms = to_ms(percentile_ns(sorted, 99.9));
  s.max_ms = to_ms(sorted.back());
  return s;
}

}  // namespace liandong::bench
