// Which roles may send which commands through the broker (docs/security.md, "Authorisation").
// Only checked when peers are authenticated (CurveZMQ): in --insecure-plain mode every role is
// self-declared, so a check would prove nothing.
#pragma once

#include <string>
#include <string_view>

namespace liandong::broker {

// True when a peer registered with `role` may send `command` to another peer. Commands to the
// broker itself (REGISTER, HEARTBEAT, DISCONNECT, STATS) are open to every peer.
bool role_may_send(std::string_view role, std::string_view command);

// "INCIDENT_REPORT, NEIGHBOUR_ACK, ..." for an error message; "any command" for the router.
std::string commands_of_role(std::string_view role);

}  // namespace liandong::broker
