// liandong-gw-110: the 110 emergency gateway. Call-takers report incidents over HTTP/JSON (through
// a durable outbox to the router); dispatchers follow 110's incidents live (GET /feed, SSE) from
// the audit log; non-police matters are transferred to the 96345 hotline.
#include <iostream>

#include "services/gw_110/emergency_http.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-gw-110: the 110 emergency gateway (HTTP/JSON for call-takers and dispatchers).\n"
               "POST /incidents reports an incident (durably queued for the router);\n"
               "GET /incidents/{ref} shows its state, orders and history;\n"
               "GET /feed streams 110's incidents live (Server-Sent Events, ?from_seq=N to resume);\n"
               "GET /feed.json?from_seq=N&limit=M the same as a JSON array;\n"
               "POST /incidents/{ref}/transfer hands a non-police matter to 96345. See docs/gateways.md."};
  gateway::GatewayFlags flags;
  gateway::add_gateway_flags(app, flags);
  CLI11_PARSE(app, argc, argv);
  auto config = gateway::resolve_gateway_config(flags, "110", "127.0.0.1:8110");
  if (!config.ok()) {
    std::cerr << "liandong-gw-110: " << config.status().message() << "\n";
    return 2;
  }
  if (flags.check_only) {
    std::cout << "gateway " << config->name << ": listen " << config->listen << ", database "
              << gateway::database_path(*config, flags.data_dir) << ", broker " << config->broker << "\nconfig ok\n";
    return 0;
  }
  return gateway::run_http_gateway("liandong-gw-110", *config, flags, gw110::make_emergency_app);
}
