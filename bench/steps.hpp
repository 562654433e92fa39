// The benchmark's steps in order, each with a progress line on stderr, stopping at the first
// failure; and the median of a repeated measurement.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "bench/report.hpp"
#include "core/status.hpp"

namespace liandong::bench {

class Steps {
 public:
  explicit Steps(int total) : total_(total) {}

  // Runs `body` unless an earlier step failed; true when it produced `out`.
  template <class T>
  bool run(const std::string& what, const std::function<Result<T>()>& body, T& out) {
    if (!failure_.ok()) return false;
    std::cerr << "[" << ++done_ << "/" << total_ << "] " << what << " ..." << std::flush;
    const auto started = std::chrono::steady_clock::now();
    Result<T> result = body();
    if (!result.ok()) {
      std::cerr << " failed\n";
      failure_ = result.status().with_context(what);
      return false;
    }
    out = std::move(*result);
    std::cerr << " "
              << std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count()
              << " ms\n";
    return true;
  }
  bool ok() const { return failure_.ok(); }
  // The first failure, named after its step.
  const Status& failure() const { return failure_; }

 private:
  int total_;
  int done_ = 0;
  Status failure_;
};

// The run with the median rate stands for all; every run's rate is kept. `runs` must not be empty.
template <class T>
Repeated<T> median_of(std::vector<T> runs, double (*rate)(const T&)) {
  Repeated<T> r;
  for (const T& run : runs) r.rates.push_back(rate(run));
  std::sort(runs.begin(), runs.end(), [&](const T& x, const T& y) { return rate(x) < rate(y); });
  r.median = runs[runs.size() / 2];
  return r;
}

}  // namespace liandong::bench
