#include "services/gw_96345/hotline_request.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <set>

#include "services/gateway/http_api.hpp"

namespace liandong::gw96345 {

using gateway::kMaxTextBytes;
using nlohmann::json;

Result<WorkOrderInput> parse_work_order(const json& body) {
  WorkOrderInput in;
  auto category = gateway::read_category(body, "category");
  if (!category.ok()) return category.status();
  in.category = *category;
  auto caller = gateway::read_caller(body, "caller", "caller", /*phone_required=*/true);
  if (!caller.ok()) return caller.status();
  in.caller = **caller;
  auto address = gateway::required_string(body, "address", "address", 512);
  if (!address.ok()) return address.status();
  in.address = *address;
  auto location = gateway::optional_location(body, "location", "location");
  if (!location.ok()) return location.status();
  in.location = *location;
  auto grid = gateway::optional_string(body, "grid", "grid", 64);
  if (!grid.ok()) return grid.status();
  if (*grid && !gateway::is_valid_id(**grid)) {
    return Status(ErrorCode::kInvalidValue, "field 'grid' is '" + **grid + "'; a grid id such as 'G00001' is expected");
  }
  in.grid = *grid;
  auto text = gateway::required_string(body, "text", "text", kMaxTextBytes);
  if (!text.ok()) return text.status();
  in.text = *text;
  auto priority = gateway::optional_integer(body, "priority", "priority", 1, 4);
  if (!priority.ok()) return priority.status();
  in.priority = *priority;
  return in;
}

std::string report_id_for(const std::string& work_order_id) { return std::string(kPlatform) + "-" + work_order_id; }

v1::IncidentReport to_report(const WorkOrderInput& in, const std::string& work_order_id, std::int64_t now_ms) {
  v1::IncidentReport r;
  r.report_id = report_id_for(work_order_id);
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

Result<CallbackInput> parse_callback(const json& body) {
  CallbackInput in;
  auto reached = gateway::optional_bool(body, "reached", "reached");
  if (!reached.ok()) return reached.status();
  if (!*reached) return Status(ErrorCode::kMissingField, "field 'reached' is required (true: the citizen was reached)");
  in.reached = **reached;
  auto satisfied = gateway::optional_bool(body, "satisfied", "satisfied");
  if (!satisfied.ok()) return satisfied.status();
  in.satisfied = *satisfied;
  if (in.reached && !in.satisfied) {
    return Status(ErrorCode::kMissingField, "field 'satisfied' is required when the citizen was reached");
  }
  auto note = gateway::optional_string(body, "note", "note", kMaxTextBytes);
  if (!note.ok()) return note.status();
  in.note = *note;
  return in;
}

Result<TransferInput> parse_transfer(const json& body, std::string_view own) {
  auto t = gateway::parse_transfer_request(body, own);
  if (!t.ok()) return t.status();
  return TransferInput{t->to, t->reason};
}

Result<Transitions> load_transitions(const std::string& workflows_toml, std::string_view platform) {
  toml::table doc;
  try {
    doc = toml::parse_file(workflows_toml);
  } catch (const toml::parse_error& e) {
    return Status(ErrorCode::kConfig, "reading " + workflows_toml + ": " + std::string(e.description()));
  }
  const auto* table = doc["workflow"][platform]["transitions"].as_table();
  if (table == nullptr) {
    return Status(ErrorCode::kConfig, workflows_toml + " has no [workflow." + std::string(platform) + ".transitions]");
  }
  Transitions out;
  for (const auto& [state, next] : *table) {
    auto& list = out[std::string(state.str())];
    if (const auto* arr = next.as_array()) {
      for (const auto& n : *arr) {
        if (auto s = n.value<std::string>()) list.push_back(*s);
      }
    }
  }
  return out;
}

std::string allowed_next(const Transitions& transitions, const std::string& state) {
  auto it = transitions.find(state);
  if (it == transitions.end()) return "none known for this state";
  if (it->second.empty()) return "none (final state)";
  std::string out;
  for (const auto& s : it->second) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::vector<std::string> list_state_filters(const Transitions& transitions) {
  // The 96345 workflow's states as shipped (config/zhuji/workflows.toml), in case the file was not read.
  std::set<std::string> states = {"assigned", "accepted", "answered", "called_back", "closed",
                                  "returned", "reassigned", "escalated", "cancelled"};
  // The gateway's own (no incident yet, refused, transferred) and the router's incident and order states.
  for (const char* s : {"received", "refused", "transferred", "merged", "reported", "dispatched", "triage", "declined",
                        "withdrawn"}) {
    states.insert(s);
  }
  for (const auto& [state, next] : transitions) {
    states.insert(state);
    states.insert(next.begin(), next.end());
  }
  std::vector<std::string> out = {"open", "all"};
  out.insert(out.end(), states.begin(), states.end());
  return out;
}

Status check_state_filter(const std::string& state, const Transitions& transitions) {
  const auto allowed = list_state_filters(transitions);
  if (std::find(allowed.begin(), allowed.end(), state) != allowed.end()) return Status::Ok();
  std::string list;
  for (const auto& s : allowed) list += (list.empty() ? "" : ", ") + s;
  return Status(ErrorCode::kInvalidValue, "query parameter 'state' is '" + state + "'; allowed: " + list);
}

bool is_finished_state(const std::string& state) {
  return state == "closed" || state == "cancelled" || state == "transferred" || state == "refused" ||
         state == "merged";
}

}  // namespace liandong::gw96345
