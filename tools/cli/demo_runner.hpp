// `liandong demo`'s replay: sends the scenario's reports through the four gateways as their
// platforms would (HTTP for 110, 96345 and Open311; the relay protocol for watch alarms), plays
// every unit of the deployment on the bus (accepting orders after a short delay, except the
// units told never to answer), follows the audit log to print the routing as it happens, and
// measures intake -> dispatch as a unit sees it.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <ostream>
#include <string>

#include "core/curve_keys.hpp"
#include "core/status.hpp"
#include "tools/cli/demo_scenario.hpp"
#include "tools/cli/demo_tally.hpp"

namespace liandong::cli {

struct DemoEndpoints {
  std::string broker;
  std::map<std::string, std::string> gateways;  // platform -> what its ready file says
  std::string deployment;                        // the deployment's data directory
  // CurveZMQ (docs/security.md): the simulated units' key (names unit:*) and the key of the
  // demo's own view of the log (an operator key, names cli-*); none when the system runs plain.
  std::optional<CurveClientKeys> units_keys;
  std::optional<CurveClientKeys> operator_keys;
  std::optional<CurveClientKeys> relay_keys;  // the demo relay's; its server key is the watch gateway's
};

struct DemoResult {
  DemoTally tally;
  std::uint64_t reports_sent = 0;
  std::uint64_t reports_refused = 0;  // a gateway said no (printed as it happened)
  bool verified = false;
  std::string verify_message;
};

// Runs the scenario to its end (or until `stop`), printing to `out`; then asks the audit service
// to verify the chain.
Result<DemoResult> run_demo(const DemoScenario& scenario, const DemoEndpoints& endpoints, std::ostream& out,
                            const std::atomic<bool>& stop);

}  // namespace liandong::cli
