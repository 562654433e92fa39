// Neighbourhood-watch fan-out (issue #6, "Fan-out"): real liandong-broker, liandong-audit (FULL),
// liandong-router and liandong-gw-watch; a fake phone relay in this process speaks LDR/1
// (schemas/relay.md: HELLO, ALARM, ALERT_DELIVERED for every NEIGHBOUR_ALERT, PING) and raises
// alarms for households of the deployment's registry, each with its ten neighbours; every unit is
// on the bus and accepts the alarm's police order. An alarm is done when all of its household's
// neighbours have been alerted through the relay.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "bench/latency_stats.hpp"
#include "bench/stack.hpp"
#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::bench {

struct FanoutOptions {
  std::string deployment_dir;
  std::size_t alarms = 2'000;
  std::size_t first_household = 0;  // households are taken in id order from here (one alarm each)
  std::size_t window = 0;           // > 0: closed loop with this many alarms outstanding
  double rate_per_s = 100;          // window == 0: open loop at this rate
  std::chrono::milliseconds drain_timeout{20'000};
};

struct FanoutResult {
  FanoutOptions options;
  std::size_t alarms = 0;
  std::size_t alerts = 0;               // distinct NEIGHBOUR_ALERTs delivered
  double alerts_per_alarm = 0;
  double seconds = 0;                   // first alarm sent -> last alarm done
  double alarms_per_s = 0;
  LatencySummary last_alert;            // alarm (scheduled, or sent in a closed loop) -> its last neighbour alert
  LatencySummary first_alert;
  double gw_peak_rss_mb = 0;
};

Result<FanoutResult> run_fanout(const Binaries& binaries, const router::Deployment& deployment,
                                const FanoutOptions& options);

}  // namespace liandong::bench
