// The audit store alone (services/audit/sqlite_event_store.hpp), in this process, without the bus:
// SqliteEventStore::append() with batches of audit-shaped events. Between the raw SQLite ceiling
// and the rate through the bus, it shows what the store adds per event (the idempotency lookup
// and the hash chain) apart from what the service loop and the bus hop add.
#pragma once

#include <cstddef>
#include <string>

#include "bench/latency_stats.hpp"
#include "core/status.hpp"

namespace liandong::bench {

struct StoreRateOptions {
  std::string path;                  // a fresh database file (removed before and after)
  std::string sync = "full";
  std::size_t events = 200'000;
  std::size_t events_per_append = 1000;
  bool keep_existing = false;        // append to the log already at `path` instead of a fresh one
};

struct StoreRateResult {
  std::string sync;
  std::size_t events_per_append = 0;
  std::size_t events = 0;
  double seconds = 0;
  double events_per_s = 0;
  LatencySummary append;             // time of each append() call (one transaction)
};

Result<StoreRateResult> measure_store_rate(const StoreRateOptions& options);

}  // namespace liandong::bench
