// How every bus service joins the bus when it starts (README, "Operating it": a broker that is
// not there): one bounded wait for the broker's REGISTERED, then exit 1 with a message that says
// so. No service retries by itself forever: `liandong up` restarts a service that exits, with
// backoff, and a service started by hand fails where its operator sees it instead of hanging.
#pragma once

#include <optional>

#include "core/bus_client.hpp"

namespace liandong {

// What a service exits with when the broker did not take it (absent, or it refused the key).
inline constexpr int kExitNoBroker = 1;

// Connects and registers `client` (waiting up to its options' register_timeout_ms, 5 s by
// default). Returns nothing once registered; otherwise logs what went wrong and what to do, and
// returns the exit code for main(): kExitNoBroker, or 0 when a stop was asked for meanwhile.
std::optional<int> join_bus_at_start(BusClient& client);

}  // namespace liandong
