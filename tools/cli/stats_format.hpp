// How `liandong stats` shows a STATS_REPLY (schemas/README.md §3.4): a table for people, or one
// JSON object with the same content for scripts.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "schemas/messages.hpp"

namespace liandong::cli {

// The service, where it was asked and its uptime, then each counter, errors by name and the
// registered peers with role and idle time; the peer named `self_name` (the asking CLI) is marked.
std::string format_stats_table(const v1::StatsReply& stats, const std::string& endpoint,
                               const std::string& self_name);

// {"service", "endpoint", "uptime_ms", "counters": {..}, "errors": {..}, "peers": [{name, role,
// idle_ms}]}; "peers" is [] when the reply had none.
nlohmann::ordered_json stats_to_json(const v1::StatsReply& stats, const std::string& endpoint);

}  // namespace liandong::cli
