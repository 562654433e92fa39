// Which role may send which command through the broker (broker/access_policy.hpp, docs/security.md
// "Authorisation").
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "broker/access_policy.hpp"
#include "schemas/messages.hpp"

using namespace liandong;
using namespace liandong::broker;

TEST_CASE("the router may send any command", "[security][access_policy]") {
  for (std::string_view command : {"DISPATCH_ORDER", "REPORT_ACK", "RECEIPT", "NOTICE", "INCIDENT_INFO",
                                   "AUDIT_EVENT", "INCIDENT_REPORT", "SOMETHING_NEW"}) {
    INFO(command);
    CHECK(role_may_send("router", command));
  }
  CHECK(commands_of_role("router") == "any command");
}

TEST_CASE("a relay may send alarms and neighbour acks only", "[security][access_policy]") {
  CHECK(role_may_send("relay", "INCIDENT_REPORT"));
  CHECK(role_may_send("relay", "NEIGHBOUR_ACK"));
  CHECK(role_may_send("relay", "ERROR"));
  for (std::string_view command : {"DISPATCH_ORDER", "REPORT_ACK", "AUDIT_EVENT", "STATUS_UPDATE", "RECEIPT",
                                   "NOTICE", "ORDER_ACK", "AUDIT_QUERY"}) {
    INFO(command);
    CHECK_FALSE(role_may_send("relay", command));
  }
}

TEST_CASE("a unit may acknowledge orders and report status, nothing that makes or answers alarms",
          "[security][access_policy]") {
  CHECK(role_may_send("unit", "ORDER_ACK"));
  CHECK(role_may_send("unit", "STATUS_UPDATE"));
  CHECK(role_may_send("unit", "ERROR"));
  CHECK(role_may_send("unit", "STATS"));
  for (std::string_view command : {"DISPATCH_ORDER", "INCIDENT_REPORT", "REPORT_ACK", "AUDIT_EVENT", "TRANSFER",
                                   "INCIDENT_QUERY", "AUDIT_ACK"}) {
    INFO(command);
    CHECK_FALSE(role_may_send("unit", command));
  }
}

TEST_CASE("only the router sends the router's answers and orders, among all roles", "[security][access_policy]") {
  for (std::string_view command : {"REPORT_ACK", "RECEIPT", "NOTICE", "DISPATCH_ORDER", "AUDIT_EVENT"}) {
    for (std::string_view role : v1::kRoles) {
      INFO(std::string(role) + " sending " + std::string(command));
      CHECK(role_may_send(role, command) == (role == "router"));
    }
  }
}

TEST_CASE("only audit sends the audit service's answers", "[security][access_policy]") {
  CHECK(role_may_send("audit", "AUDIT_ACK"));
  CHECK(role_may_send("audit", "AUDIT_EVENTS"));
  CHECK_FALSE(role_may_send("audit", "DISPATCH_ORDER"));
  CHECK_FALSE(role_may_send("audit", "INCIDENT_REPORT"));
  for (std::string_view role : v1::kRoles) {
    INFO(role);
    if (role == "audit" || role == "router") continue;
    CHECK_FALSE(role_may_send(role, "AUDIT_ACK"));
  }
}

TEST_CASE("every known role has a rule and ERROR is open to all of them", "[security][access_policy]") {
  for (std::string_view role : v1::kRoles) {
    INFO(role);
    CHECK(role_may_send(role, "ERROR"));
    CHECK(commands_of_role(role) != "nothing");
  }
}

TEST_CASE("an unknown role may send nothing", "[security][access_policy]") {
  for (std::string_view role : {"", "emperor", "Router", "router ", "units"}) {
    INFO("'" << role << "'");
    CHECK_FALSE(role_may_send(role, "ERROR"));
    CHECK_FALSE(role_may_send(role, "INCIDENT_REPORT"));
    CHECK_FALSE(role_may_send(role, "DISPATCH_ORDER"));
    CHECK(commands_of_role(role) == "nothing");
  }
}

TEST_CASE("commands_of_role lists exactly what the role may send", "[security][access_policy]") {
  CHECK(commands_of_role("relay") == "INCIDENT_REPORT, NEIGHBOUR_ACK, ERROR");
  CHECK(commands_of_role("unit") == "ORDER_ACK, STATUS_UPDATE, ERROR, STATS");
  const std::string gateway = commands_of_role("gateway");
  CHECK_THAT(gateway, Catch::Contains("INCIDENT_REPORT") && Catch::Contains("INCIDENTS_QUERY"));
  CHECK_THAT(gateway, !Catch::Contains("DISPATCH_ORDER"));
}
