// The bus ceilings of issue #6, measured in the same run as Liandong: a raw ZeroMQ relay (one
// ROUTER hop, no protocol work), a relay that commits every message to SQLite (audit schema,
// synchronous=FULL, group commit) before forwarding it, and, for comparison with the first, the
// real liandong-broker forwarding between two peers. Each keeps `window` round trips outstanding
// between a DEALER client and a DEALER echo and counts messages forwarded by the relay per second
// (two per round trip). Threads in this process; loopback TCP only.
#pragma once

#include <cstddef>
#include <string>

#include "bench/stack.hpp"
#include "core/status.hpp"

namespace liandong::bench {

struct RelayRunOptions {
  std::size_t round_trips = 200'000;
  std::size_t window = 100;
  std::string body;          // frame 4 of every message (an encoded INCIDENT_REPORT in the suite)
  std::string db_path;       // commit relay only: a fresh file, removed before and after
};

struct RelayRunResult {
  std::size_t round_trips = 0;
  std::size_t window = 0;
  std::size_t body_bytes = 0;
  double seconds = 0;
  double forwarded_per_s = 0;       // messages through the relay per second (2 per round trip)
  double round_trips_per_s = 0;
  double rows_per_transaction = 0;  // commit relay: messages committed per transaction
};

// DEALER client -> ROUTER relay -> DEALER echo and back, frames as LDP/1 (the relay rewrites the
// peer frame as the broker does).
Result<RelayRunResult> measure_raw_relay(const RelayRunOptions& options);
// The same relay, but every client -> echo message is inserted as an audit-shaped row (the
// message body as the row's body) and committed at FULL before it is forwarded; the relay takes
// every message already waiting into one transaction (group commit).
Result<RelayRunResult> measure_commit_relay(const RelayRunOptions& options);
// Two PacedPeers through a real liandong-broker (its own Stack, stopped by PID at the end); with
// `curve`, the broker runs with keys and both peers connect with an enrolled router-role key
// (every command allowed), so the difference is CurveZMQ's cost.
Result<RelayRunResult> measure_broker_forwarding(const Binaries& binaries, const RelayRunOptions& options,
                                                 bool curve = false);

}  // namespace liandong::bench
