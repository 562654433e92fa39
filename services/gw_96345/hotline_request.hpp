// The 96345 hotline gateway's requests (docs/gateways.md, "## 96345"): parsing and validation of
// the operators' JSON, without sockets. Errors name the field and the problem.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::gw96345 {

inline constexpr std::string_view kPlatform = "96345";

// POST /workorders
struct WorkOrderInput {
  std::string category;
  v1::Caller caller;  // phone required, name optional
  std::string address;
  std::optional<v1::Location> location;
  std::optional<std::string> grid;
  std::string text;
  std::optional<std::int64_t> priority;
};
Result<WorkOrderInput> parse_work_order(const nlohmann::json& body);
// The report the router gets for a work order: report id "96345-<work order id>".
v1::IncidentReport to_report(const WorkOrderInput& input, const std::string& work_order_id, std::int64_t now_ms);
std::string report_id_for(const std::string& work_order_id);

// POST /workorders/{id}/callback
struct CallbackInput {
  bool reached = false;
  std::optional<bool> satisfied;  // required when reached
  std::optional<std::string> note;
};
Result<CallbackInput> parse_callback(const nlohmann::json& body);

// POST /workorders/{id}/transfer
struct TransferInput {
  std::string to;
  std::string reason;
};
// `to` must be another platform than `own`.
Result<TransferInput> parse_transfer(const nlohmann::json& body, std::string_view own);

// Transitions of the platform's workflow (config/<deployment>/workflows.toml), for error messages.
using Transitions = std::map<std::string, std::vector<std::string>>;
Result<Transitions> load_transitions(const std::string& workflows_toml, std::string_view platform);
// "answered, returned, cancelled", or "none (final state)".
std::string allowed_next(const Transitions& transitions, const std::string& state);

// Work-order states after which nothing more happens on the hotline.
bool is_finished_state(const std::string& state);

// The values GET /workorders?state= accepts: "open" (the default), "all", and every state a work
// order can show (the gateway's own, the router's incident and order states, the workflow's).
std::vector<std::string> list_state_filters(const Transitions& transitions);
// OK for one of list_state_filters(); otherwise INVALID_VALUE naming the value and the allowed ones.
Status check_state_filter(const std::string& state, const Transitions& transitions);

}  // namespace liandong::gw96345
