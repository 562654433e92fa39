// The read-flood step (issue #12): the router end-to-end run with every report raised to P1,
// measured once quiet and once while a peer floods the audit service and the router with reads
// (read_flooder.hpp). docs/security.md, "Reads beside writes", promises the second within 2x of
// the first (intake -> DISPATCH_ORDER p99).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "bench/router_latency.hpp"
#include "bench/stack.hpp"
#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::bench {

inline constexpr double kReadFloodTarget = 2.0;  // flooded p99 / quiet p99 at most

struct ReadFloodOptions {
  std::string deployment_dir;
  double rate_per_s = 200;                       // P1 reports offered, open loop
  std::chrono::milliseconds duration{10'000};
  std::chrono::milliseconds warmup{1'000};
  std::size_t window = 200;                      // reads outstanding during the flooded run
};

struct ReadFloodResult {
  ReadFloodOptions options;
  RouterLatencyResult quiet;
  RouterLatencyResult flooded;  // .flood holds what the flooding peer got
  // flooded.order.p99_ms / quiet.order.p99_ms
  double p99_ratio() const { return quiet.order.p99_ms > 0 ? flooded.order.p99_ms / quiet.order.p99_ms : 0; }
};

// Two runs on fresh stacks: quiet, then flooded. Fails as run_router_latency() does.
Result<ReadFloodResult> run_read_flood(const Binaries& binaries, const router::Deployment& deployment,
                                       const ReadFloodOptions& options);

}  // namespace liandong::bench
