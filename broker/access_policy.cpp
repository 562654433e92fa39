#include "broker/access_policy.hpp"

#include <array>
#include <initializer_list>
#include <vector>

namespace liandong::broker {

namespace {

struct RoleRule {
  std::string_view role;
  std::vector<std::string_view> commands;  // empty with `any`: the router
  bool any = false;
};

// Answers (REPORT_ACK, RECEIPT, DISPATCH_ORDER, NOTICE, INCIDENT_INFO...) come from the router
// alone and audit answers from the audit service alone, so no peer can fake an acknowledgement
// and make a gateway forget an alarm it still holds. ERROR and STATS are open to everyone: every
// peer answers bad input and may be asked for its counters.
const std::vector<RoleRule>& rules() {
  static const std::vector<std::string_view> kReaders = {
      "AUDIT_QUERY", "AUDIT_SUBSCRIBE", "AUDIT_STREAM_ACK", "AUDIT_UNSUBSCRIBE", "AUDIT_VERIFY",
      "INCIDENT_QUERY", "INCIDENTS_QUERY"};
  auto with_readers = [](std::initializer_list<std::string_view> own) {
    std::vector<std::string_view> all(own);
    all.insert(all.end(), kReaders.begin(), kReaders.end());
    return all;
  };
  static const std::vector<RoleRule> kRules = {
      {"router", {}, true},
      {"audit", {"AUDIT_ACK", "AUDIT_EVENTS", "AUDIT_VERIFY_REPLY", "STATS_REPLY", "ERROR", "STATS"}},
      {"gateway", with_readers({"INCIDENT_REPORT", "STATUS_UPDATE", "ORDER_ACK", "TRANSFER", "NEIGHBOUR_ACK",
                                "STATS_REPLY", "ERROR", "STATS"})},
      {"unit", {"ORDER_ACK", "STATUS_UPDATE", "ERROR", "STATS"}},
      {"relay", {"INCIDENT_REPORT", "NEIGHBOUR_ACK", "ERROR"}},
      {"supervisor", with_readers({"INCIDENT_REPORT", "STATUS_UPDATE", "ORDER_ACK", "TRANSFER", "INCIDENT_UNLINK",
                                   "INCIDENT_MERGE", "ERROR", "STATS"})},
      {"console", with_readers({"INCIDENT_REPORT", "STATUS_UPDATE", "ORDER_ACK", "TRANSFER", "INCIDENT_UNLINK",
                                "INCIDENT_MERGE", "ERROR", "STATS"})},
      {"cli", with_readers({"INCIDENT_REPORT", "STATUS_UPDATE", "ORDER_ACK", "TRANSFER", "INCIDENT_UNLINK",
                            "INCIDENT_MERGE", "ERROR", "STATS"})},
  };
  return kRules;
}

const RoleRule* rule_of(std::string_view role) {
  for (const auto& rule : rules()) {
    if (rule.role == role) return &rule;
  }
  return nullptr;
}

}  // namespace

bool role_may_send(std::string_view role, std::string_view command) {
  const RoleRule* rule = rule_of(role);
  if (rule == nullptr) return false;
  if (rule->any) return true;
  for (auto allowed : rule->commands) {
    if (allowed == command) return true;
  }
  return false;
}

std::string commands_of_role(std::string_view role) {
  const RoleRule* rule = rule_of(role);
  if (rule == nullptr) return "nothing";
  if (rule->any) return "any command";
  std::string out;
  for (auto command : rule->commands) {
    if (!out.empty()) out += ", ";
    out += command;
  }
  return out;
}

}  // namespace liandong::broker
