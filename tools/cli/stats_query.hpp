// Asking the broker for its statistics (schemas/README.md §3.4): register as a CLI peer, send
// STATS with an empty destination, wait for STATS_REPLY.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::cli {

// Registers as `peer_name` (role "cli") at `endpoint` and returns the broker's STATS_REPLY.
// The whole exchange, registration included, gets `timeout_ms`; past it the error is TIMEOUT,
// "no answer from broker at EP within N ms". An ERROR from the broker is returned with its code.
Result<v1::StatsReply> query_broker_stats(const std::string& endpoint, const std::string& peer_name,
                                          Millis timeout_ms);

}  // namespace liandong::cli
