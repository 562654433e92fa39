// Unit tests for the benchmark's percentile arithmetic (nearest rank).
#include <catch2/catch.hpp>

#include "bench/latency_stats.hpp"

using namespace liandong::bench;

TEST_CASE("nearest-rank percentiles", "[unit][bench]") {
  std::vector<std::int64_t> sorted;
  for (std::int64_t i = 1; i <= 1000; ++i) sorted.push_back(i);
  CHECK(percentile_ns(sorted, 50) == 500);
  CHECK(percentile_ns(sorted, 99) == 990);
  CHECK(percentile_ns(sorted, 99.9) == 999);
  CHECK(percentile_ns(sorted, 100) == 1000);
  CHECK(percentile_ns({}, 50) == 0);
  CHECK(percentile_ns({7}, 99.9) == 7);
}

TEST_CASE("a summary reports milliseconds and the true maximum", "[unit][bench]") {
  LatencyRecorder recorder;
  for (int i = 0; i < 99; ++i) recorder.record_ns(1'000'000);  // 1 ms
  recorder.record_ns(250'000'000);                              // one 250 ms stall
  const LatencySummary s = recorder.summarize();
  CHECK(s.count == 100);
  CHECK(s.p50_ms == Approx(1.0));
  CHECK(s.p99_ms == Approx(1.0));
  CHECK(s.p999_ms == Approx(250.0));  // the stall is not hidden
  CHECK(s.max_ms == Approx(250.0));
  CHECK(s.mean_ms == Approx(3.49));
}

TEST_CASE("an empty recorder summarizes to zeros", "[unit][bench]") {
  const LatencySummary s = LatencyRecorder{}.summarize();
  CHECK(s.count == 0);
  CHECK(s.max_ms == 0);
}
