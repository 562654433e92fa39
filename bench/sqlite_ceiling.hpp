// The raw SQLite ceiling (issue #3, "Performance"): how fast this machine inserts audit-shaped rows
// into the audit log's own schema (schemas/audit_schema.sql, with its indexes) when nothing else
// happens: prepared statement, precomputed ids and hashes, N rows per transaction, WAL mode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/latency_stats.hpp"
#include "core/status.hpp"

namespace liandong::bench {

struct SqliteCeilingOptions {
  std::string path;                 // a fresh database file (removed before and after)
  std::string sync = "full";        // PRAGMA synchronous: "full" or "normal"
  std::size_t rows = 200'000;
  std::size_t rows_per_transaction = 1000;
};

struct SqliteCeilingResult {
  std::string sync;
  std::size_t rows_per_transaction = 0;
  std::size_t rows = 0;
  double seconds = 0;
  double rows_per_s = 0;
  LatencySummary commit;            // time of each COMMIT statement: the fsync at FULL
};

// Fails (kIo) naming the file and SQLite's message when the database cannot be written.
Result<SqliteCeilingResult> measure_sqlite_ceiling(const SqliteCeilingOptions& options);

}  // namespace liandong::bench
