// Latency samples and their summary (percentiles by nearest rank) for the benchmark's tables.
// Samples are nanoseconds; summaries are reported in milliseconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace liandong::bench {

struct LatencySummary {
  std::size_t count = 0;
  double mean_ms = 0;
  double p50_ms = 0;
  double p90_ms = 0;
  double p99_ms = 0;
  double p999_ms = 0;
  double max_ms = 0;
};

// Collects samples; summarize() sorts a copy, so recording stays O(1).
class LatencyRecorder {
 public:
  void reserve(std::size_t n) { samples_ns_.reserve(n); }
  void record_ns(std::int64_t ns) { samples_ns_.push_back(ns); }
  std::size_t count() const { return samples_ns_.size(); }
  LatencySummary summarize() const;

 private:
  std::vector<std::int64_t> samples_ns_;
};

// The nearest-rank percentile (0 < p <= 100) of sorted samples: the smallest sample with at least
// p% of all samples at or below it. 0 for no samples.
std::int64_t percentile_ns(const std::vector<std::int64_t>& sorted, double p);

}  // namespace liandong::bench
