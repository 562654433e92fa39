// The 110 emergency gateway's requests (docs/gateways.md, "## 110"): parsing and validation of
// the call-takers' JSON and of the feed's query, without sockets. Errors name the field.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::gw110 {

inline constexpr std::string_view kPlatform = "110";

// POST /incidents: category, priority?, at least one of location | grid | address, caller?, text.
struct IncidentInput {
  std::string category;
  std::optional<std::int64_t> priority;
  std::optional<v1::Location> location;
  std::optional<std::string> grid;
  std::optional<std::string> address;
  std::optional<v1::Caller> caller;
  std::string text;
};
Result<IncidentInput> parse_incident(const nlohmann::json& body);
std::string report_id_for(const std::string& incident_ref);  // "110-<ref>"
v1::IncidentReport to_report(const IncidentInput& input, const std::string& incident_ref, std::int64_t now_ms);

// GET /feed and /feed.json: ?from_seq=N (entries after N; default 0) &limit=M (1..max_limit).
struct FeedQuery {
  std::int64_t from_seq = 0;
  std::int64_t limit = 100;
};
Result<FeedQuery> parse_feed_query(const std::string& from_seq, const std::string& limit, std::int64_t max_limit = 1000);

}  // namespace liandong::gw110
