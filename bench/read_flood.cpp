#include "bench/read_flood.hpp"

namespace liandong::bench {

Result<ReadFloodResult> run_read_flood(const Binaries& binaries, const router::Deployment& deployment,
                                       const ReadFloodOptions& o) {
  RouterLatencyOptions run;
  run.deployment_dir = o.deployment_dir;
  run.reports = {o.rate_per_s, o.duration, o.warmup};
  run.priority = 1;
  ReadFloodResult result;
  result.options = o;
  auto quiet = run_router_latency(binaries, deployment, run);
  if (!quiet.ok()) return quiet.status().with_context("the quiet run");
  result.quiet = std::move(*quiet);
  run.flood_window = o.window;
  auto flooded = run_router_latency(binaries, deployment, run);
  if (!flooded.ok()) return flooded.status().with_context("the run under a read flood");
  result.flooded = std::move(*flooded);
  if (result.flooded.flood.answered() == 0) {
    return Status(ErrorCode::kTimeout, "the read flood got no answer at all during the flooded run");
  }
  return result;
}

}  // namespace liandong::bench
