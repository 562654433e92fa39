// Asks a service for its STATS (schemas/README.md §3.4) from a short-lived bus client, so a run
// can read the service's own counters (the audit's transactions and events_appended) before and
// after it.
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::bench {

// Fails with TIMEOUT when no STATS_REPLY from `service` arrives in time.
Result<v1::StatsReply> query_stats(zmq::context_t& context, const std::string& endpoint, const std::string& service,
                                   std::chrono::milliseconds timeout = std::chrono::seconds(5));

// A counter of a reply, 0 when absent.
std::uint64_t counter(const v1::StatsReply& reply, const std::string& name);

}  // namespace liandong::bench
