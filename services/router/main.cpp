// liandong-router: the dispatch router. Parses options, loads the deployment, replays the audit
// log, runs.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <iostream>

#include "core/bus_client.hpp"
#include "core/bus_join.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/router_config.hpp"
#include "services/router/router_server.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-router: the dispatch router. Classifies every incident, resolves its grid, merges\n"
               "duplicates, dispatches units by the deployment's rules, escalates orders not accepted in\n"
               "time, and moves incidents between platforms; every decision is written to the audit log\n"
               "before it is acted on, and the log is replayed at start."};
  std::string config_path, broker, deployment, name, ready_file, log_file, keys_dir, log_level;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "TOML file; its [router] table (and [broker].endpoint) override the defaults");
  app.add_option("--broker", broker, "the broker to connect to (default tcp://127.0.0.1:5570)");
  app.add_option("--deployment", deployment, "directory of the deployment data (default: config/zhuji beside the config file)");
  app.add_option("--name", name, "peer name on the bus (default router)");
  app.add_option("--ready-file", ready_file, "write the peer name here once the log is replayed and the router serves");
  app.add_option("--log-file", log_file, "append the log to this file instead of stderr (stderr keeps what comes before the log opens)");
  app.add_option("--keys", keys_dir, kKeysOptionHelp);
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_flag("--check-config", check_only, "load the configuration and the deployment, print a summary and exit");
  CLI11_PARSE(app, argc, argv);

  router::RouterConfig config;
  if (!config_path.empty()) {
    auto loaded = router::load_router_config(config_path);
    if (!loaded.ok()) {
      std::cerr << "liandong-router: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  if (!broker.empty()) config.broker = broker;
  if (!deployment.empty()) config.deployment = deployment;
  if (!name.empty()) config.name = name;
  if (!log_level.empty()) config.log_level = log_level;

  auto loaded = router::load_deployment(config.deployment);
  if (!loaded.ok()) {
    std::cerr << "liandong-router: " << loaded.status().message() << "\n";
    return 2;
  }
  const router::Deployment& d = *loaded;
  const std::string summary = std::to_string(d.units.size()) + " units, " + std::to_string(d.grids.size()) + " grids, " +
                              std::to_string(d.households.size()) + " households, " +
                              std::to_string(d.categories.size()) + " categories, " + std::to_string(d.rules.size()) +
                              " routing rules, " + std::to_string(d.workflows.size()) + " workflows";
  if (check_only) {
    std::cout << "deployment " << config.deployment << ": " << summary << "\ndeployment version " << d.version
              << "\nconfig ok\n";
    return 0;
  }
  if (auto s = init_logging("router", config.log_level, log_file); !s.ok()) {
    std::cerr << "liandong-router: " << s.message() << "\n";
    return 2;
  }
  install_stop_handlers();
  spdlog::info("deployment {}: {}", config.deployment, summary);

  zmq::context_t context(1);
  SystemClock clock;
  BusClientOptions bus;
  bus.endpoint = config.broker;
  bus.name = config.name;
  bus.role = "router";
  bus.software = "liandong-router " LIANDONG_VERSION;
  if (auto s = load_bus_keys(bus, keys_dir); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  BusClient client(context, bus, clock);
  if (auto code = join_bus_at_start(client)) return *code;
  router::RouterCore core(d, clock, config.name);
  router::RouterServerOptions options;
  options.audit = config.audit;
  options.audit_retry_ms = config.audit_retry_ms;
  options.replay_timeout_ms = config.replay_timeout_ms;
  options.deployment_dir = config.deployment;
  router::RouterServer server(client, core, d, clock, options);
  if (auto s = server.replay(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  if (!ready_file.empty()) {
    if (auto s = write_file_atomically(ready_file, config.name + "\n"); !s.ok()) {
      spdlog::error("{}", s.message());
      return 1;
    }
  }
  spdlog::info("routing as '{}' with the broker at {}", config.name, config.broker);
  const bool clean = server.run(stop_flag());
  if (!ready_file.empty()) std::remove(ready_file.c_str());
  spdlog::info("stopped");
  return clean ? 0 : 1;
}
