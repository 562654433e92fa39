// liandong-gw-96345: the 96345 service-hotline gateway. The operators' consoles file work orders,
// record callbacks to citizens and transfer calls over HTTP/JSON; the gateway reports them to the
// router through its outbox and follows the audit log to show each work order's progress.
#include <iostream>

#include "services/gw_96345/hotline_http.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-gw-96345: the 96345 service-hotline gateway (HTTP/JSON for the operators' consoles).\n"
               "POST /workorders files a work order (reported to the router through a durable outbox);\n"
               "GET /workorders/{id} shows its department, workflow state, deadlines and history;\n"
               "POST /workorders/{id}/callback records the callback to the citizen;\n"
               "POST /workorders/{id}/transfer hands an emergency over to 110. See docs/gateways.md."};
  gateway::GatewayFlags flags;
  gateway::add_gateway_flags(app, flags);
  CLI11_PARSE(app, argc, argv);
  auto config = gateway::resolve_gateway_config(flags, "96345", "127.0.0.1:8345");
  if (!config.ok()) {
    std::cerr << "liandong-gw-96345: " << config.status().message() << "\n";
    return 2;
  }
  if (flags.check_only) {
    std::cout << "gateway " << config->name << ": listen " << config->listen << ", database "
              << gateway::database_path(*config, flags.data_dir) << ", broker " << config->broker << "\nconfig ok\n";
    return 0;
  }
  return gateway::run_http_gateway("liandong-gw-96345", *config, flags, gw96345::make_hotline_app);
}
