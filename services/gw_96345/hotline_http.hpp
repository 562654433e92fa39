// The 96345 gateway's HTTP side: routes of the operators' console onto HotlineService.
#pragma once

#include "services/gateway/http_gateway.hpp"
#include "services/gw_96345/hotline_service.hpp"

namespace liandong::gw96345 {

// Makes the hotline app for run_http_gateway(): reads the workflow's transitions from the
// deployment (config.deployment/workflows.toml) for the error messages.
Result<std::unique_ptr<gateway::HttpGatewayApp>> make_hotline_app(gateway::GatewayContext& context);

// Registers the routes of `service` on `server` (also usable in-process by tests).
void add_hotline_routes(httplib::Server& server, HotlineService& service);

}  // namespace liandong::gw96345
