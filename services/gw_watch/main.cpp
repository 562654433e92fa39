// liandong-gw-watch: the neighbourhood-watch gateway. Parses options, loads the household
// registry, binds the relays' endpoint (schemas/relay.md), connects to the bus, runs.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "core/bus_client.hpp"
#include "core/bus_join.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"
#include "services/gateway/gateway_config.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gw_watch/relay_access.hpp"
#include "services/gw_watch/relay_endpoint.hpp"
#include "services/gw_watch/watch_gateway.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-gw-watch: the neighbourhood-watch gateway (\"one household calls for help, ten households\n"
               "alert\"). Phone relays connect over ZeroMQ (schemas/relay.md): a household's ALARM becomes a P1\n"
               "incident report (kept in a durable outbox until the router has it), and when the router alerts\n"
               "the household's neighbours the gateway sends each a NEIGHBOUR_ALERT through a relay until it is\n"
               "delivered, and passes their acknowledgements to the router."};
  std::string config_path, broker, data_dir = "liandong-data", listen, name, deployment, ready_file, log_file, keys_dir, log_level;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "TOML file; its [gateway.watch] table (and [broker].endpoint, [router].deployment) override the defaults");
  app.add_option("--broker", broker, "the broker to connect to (default tcp://127.0.0.1:5570)");
  app.add_option("--data-dir", data_dir, "directory for the database when its path is relative (default ./liandong-data)");
  app.add_option("--listen", listen, "where relays connect, a ZeroMQ endpoint (default tcp://127.0.0.1:5571; port 0 picks one)");
  app.add_option("--name", name, "peer name on the bus (default gateway.watch)");
  app.add_option("--deployment", deployment, "directory of the deployment data (default: config/zhuji beside the config file)");
  app.add_option("--ready-file", ready_file, "once connected and listening, write the relay endpoint bound here (first line)");
  app.add_option("--log-file", log_file, "append the log to this file instead of stderr (stderr keeps what comes before the log opens)");
  app.add_option("--keys", keys_dir, kKeysOptionHelp);
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_flag("--check-config", check_only, "load the configuration and the registry, print a summary and exit");
  CLI11_PARSE(app, argc, argv);

  gateway::GatewayConfig config = gateway::default_gateway_config("watch", "tcp://127.0.0.1:5571");
  watch::WatchOptions options;
  std::string prefixes = "watch.toml";
  if (!config_path.empty()) {
    auto s = gateway::load_gateway_config(config_path, config, [&](ConfigSection& section) {
      section.read("heartbeat_ms", options.heartbeat_ms, 100, 600'000);
      section.read("ack_wait_ms", options.ack_wait_ms, 0, 60'000);
      section.read("alert_retry_max_ms", options.alert_retry_max_ms, 100, 600'000);
      section.read("alert_expiry_ms", options.alert_expiry_ms, 1000, 30LL * 24 * 3600 * 1000);
      section.read("prefixes", prefixes);
    });
    if (!s.ok()) {
      std::cerr << "liandong-gw-watch: " << s.message() << "\n";
      return 2;
    }
  }
  if (!broker.empty()) config.broker = broker;
  if (!listen.empty()) config.listen = listen;
  if (!name.empty()) config.name = name;
  if (!deployment.empty()) config.deployment = deployment;
  if (!log_level.empty()) config.log_level = log_level;
  options.gateway = config.name;
  options.router = config.router;

  const std::filesystem::path prefix_path = std::filesystem::path(prefixes).is_relative()
                                                ? std::filesystem::path(config.deployment) / prefixes
                                                : std::filesystem::path(prefixes);
  auto registry = watch::WatchRegistry::load(config.deployment, prefix_path.string());
  if (!registry.ok()) {
    std::cerr << "liandong-gw-watch: " << registry.status().message() << "\n";
    return 2;
  }
  const std::string db_path = gateway::database_path(config, data_dir);
  const std::string summary = std::to_string(registry->household_count()) + " households, " +
                              std::to_string(registry->grid_count()) + " grids, " +
                              std::to_string(registry->prefix_count()) + " number prefixes";
  if (check_only) {
    std::cout << "name = " << config.name << "\nbroker = " << config.broker << "\nlisten = " << config.listen
              << "\ndatabase = " << db_path << "\ndeployment " << config.deployment << ": " << summary << "\nconfig ok\n";
    return 0;
  }
  if (auto s = init_logging("gw-watch", config.log_level, log_file); !s.ok()) {
    std::cerr << "liandong-gw-watch: " << s.message() << "\n";
    return 2;
  }
  install_stop_handlers();
  spdlog::info("deployment {}: {}", config.deployment, summary);

  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(db_path).parent_path(), ec);
  auto db = gateway::SqliteDb::open(db_path);
  if (!db.ok()) {
    spdlog::error("{}", db.status().message());
    return 1;
  }
  auto outbox = gateway::Outbox::open(**db);
  if (!outbox.ok()) {
    spdlog::error("{}", outbox.status().message());
    return 1;
  }

  zmq::context_t context(1);
  SystemClock clock;
  watch::RelayEndpoint relays(context);
  // With keys, relays authenticate like bus peers (CurveZMQ, enrolled with role relay).
  watch::RelayAccess relay_access(context, keys_dir);
  if (!keys_dir.empty()) {
    if (auto s = relay_access.start(relays, config.name); !s.ok()) {
      spdlog::error("{}", s.message());
      return 2;
    }
  }
  auto bound = relays.bind(config.listen);
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().message());
    return 1;
  }
  BusClientOptions bus_options;
  bus_options.endpoint = config.broker;
  bus_options.name = config.name;
  bus_options.role = "gateway";
  bus_options.software = "liandong-gw-watch " LIANDONG_VERSION;
  if (auto s = load_bus_keys(bus_options, keys_dir); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  BusClient bus(context, bus_options, clock);
  if (auto code = join_bus_at_start(bus)) return *code;
  gateway::GatewayLinkOptions link_options;
  link_options.router = config.router;
  link_options.audit = config.audit;
  link_options.retry_max_ms = config.retry_max_ms;
  gateway::GatewayLink link(bus, **db, **outbox, clock, link_options);
  watch::WatchGateway gw(*registry, **db, **outbox, clock, options, relays,
                         [&link](gateway::OutboxItem item) { link.wake(std::move(item)); });
  if (auto s = gw.start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  link.on_event([&gw](const v1::StoredEvent& e) { return gw.on_event(e); });
  link.on_delivery([&gw](const gateway::OutboxItem& item, const gateway::Delivery& d) { gw.on_delivery(item, d); });
  link.on_counters([&gw](std::map<std::string, std::uint64_t>& c) {
    for (const auto& [k, v] : gw.counters()) c[k] = v;
  });
  if (auto s = link.start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  if (!ready_file.empty()) {
    if (auto s = write_file_atomically(ready_file, *bound + "\n"); !s.ok()) {
      spdlog::error("{}", s.message());
      return 1;
    }
  }
  spdlog::info("relays connect at {}; on the bus as '{}' with the broker at {}", *bound, config.name, config.broker);
  const auto handle = [&gw](const std::string& route, const std::vector<std::string>& frames) { gw.on_relay_message(route, frames); };
  while (!stop_requested()) {
    // Wait on the relays and the bus together: whichever speaks is served at once.
    zmq::pollitem_t items[] = {{relays.poll_handle(), 0, ZMQ_POLLIN, 0},
                               {bus.poll_handle(), 0, ZMQ_POLLIN, 0},
                               {relay_access.poll_handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, relay_access.poll_handle() ? 3 : 2, std::chrono::milliseconds(5));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) spdlog::warn("polling: {}", e.what());
    }
    relay_access.handle_pending();
    relays.poll(0, handle);
    link.poll(0);
    gw.tick();
  }
  if (!ready_file.empty()) std::remove(ready_file.c_str());
  spdlog::info("stopped");
  return 0;
}
