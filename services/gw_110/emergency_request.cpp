#include "services/gw_110/emergency_request.hpp"

#include "services/gateway/http_api.hpp"

namespace liandong::gw110 {

using nlohmann::json;

Result<IncidentInput> parse_incident(const json& body) {
  IncidentInput in;
  auto category = gateway::read_category(body, "category");
  if (!category.ok()) return category.status();
  in.category = *category;
  auto priority = gateway::optional_integer(body, "priority", "priority", 1, 4);
  if (!priority.ok()) return priority.status();
  in.priority = *priority;
  auto location = gateway::optional_location(body, "location", "location");
  if (!location.ok()) return location.status();
  in.location = *location;
  auto grid = gateway::optional_string(body, "grid", "grid", 64);
  if (!grid.ok()) return grid.status();
  if (*grid && !gateway::is_valid_id(**grid)) {
    return Status(ErrorCode::kInvalidValue, "field 'grid' is '" + **grid + "'; a grid id such as 'G00001' is expected");
  }
  in.grid = *grid;
  auto address = gateway::optional_string(body, "address", "address", 512);
  if (!address.ok()) return address.status();
  if (*address && (*address)->empty()) return Status(ErrorCode::kInvalidValue, "field 'address' must not be empty");
  in.address = *address;
  if (!in.location && !in.grid && !in.address) {
    return Status(ErrorCode::kMissingField, "one of the fields 'location', 'grid' or 'address' is required");
  }
  auto caller = gateway::read_caller(body, "caller", "caller", /*phone_required=*/false);
  if (!caller.ok()) return caller.status();
  in.caller = *caller;
  auto text = gateway::required_string(body, "text", "text", gateway::kMaxTextBytes);
  if (!text.ok()) return text.status();
  in.text = *text;
  return in;
}

std::string report_id_for(const std::string& ref) { return std::string(kPlatform) + "-" + ref; }

v1::IncidentReport to_report(const IncidentInput& in, const std::string& ref, std::int64_t now_ms) {
  v1::IncidentReport r;
  r.report_id = report_id_for(ref);
  r.source = std::string(kPlatform);
  r.category = in.category;
  r.priority = in.priority;
  r.location = in.location;
  r.grid = in.grid;
  r.address = in.address;
  r.caller = in.caller;
  r.text = in.text;
  r.reported_at_ms = now_ms;
  return r;
}

namespace {
Result<std::int64_t> number_param(const std::string& name, const std::string& text, std::int64_t min, std::int64_t max) {
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status(ErrorCode::kInvalidValue, "query parameter '" + name + "' is '" + text + "'; a whole number is expected");
  }
  const std::int64_t n = std::stoll(text);
  if (n < min || n > max) {
    return Status(ErrorCode::kInvalidValue, "query parameter '" + name + "' is " + text + "; allowed " +
                                                std::to_string(min) + ".." + std::to_string(max));
  }
  return n;
}
}  // namespace

Result<FeedQuery> parse_feed_query(const std::string& from_seq, const std::string& limit, std::int64_t max_limit) {
  FeedQuery q;
  if (!from_seq.empty()) {
    auto n = number_param("from_seq", from_seq, 0, std::int64_t{1} << 62);
    if (!n.ok()) return n.status();
    q.from_seq = *n;
  }
  q.limit = std::min<std::int64_t>(q.limit, max_limit);
  if (!limit.empty()) {
    auto n = number_param("limit", limit, 1, max_limit);
    if (!n.ok()) return n.status();
    q.limit = *n;
  }
  return q;
}

}  // namespace liandong::gw110
