// The 110 gateway's HTTP side: the call-takers' routes and the dispatchers' live feed
// (GET /feed as Server-Sent Events, GET /feed.json for scripts) onto EmergencyService.
#pragma once

#include "services/gateway/http_gateway.hpp"
#include "services/gw_110/emergency_service.hpp"

namespace liandong::gw110 {

Result<std::unique_ptr<gateway::HttpGatewayApp>> make_emergency_app(gateway::GatewayContext& context);
void add_emergency_routes(httplib::Server& server, EmergencyService& service);

}  // namespace liandong::gw110
