// liandong-broker: the bus. Parses options, loads config, binds, writes the ready file, runs.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <iostream>

#include "broker/broker_server.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-broker: the Liandong message bus (LDP/1 over a ZeroMQ ROUTER socket).\n"
               "Peers register with a name and role; messages are forwarded by destination name."};
  std::string config_path;
  std::string endpoint;
  std::string ready_file;
  std::string log_level;
  std::string log_file;
  std::int64_t heartbeat_ms = 0;
  std::int64_t max_frame_bytes = 0;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "TOML file; its [broker] table overrides the defaults");
  app.add_option("-e,--endpoint", endpoint, "where to listen: tcp://HOST:PORT (port 0 picks one) or ipc://PATH");
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval; peers silent for 3 intervals are dropped");
  app.add_option("--max-frame-bytes", max_frame_bytes, "largest frame accepted (default 1 MiB)");
  app.add_option("--ready-file", ready_file, "write the bound endpoint here once listening");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_option("--log-file", log_file, "also append the log to this file");
  app.add_flag("--check-config", check_only, "validate the configuration, print it and exit");
  CLI11_PARSE(app, argc, argv);

  broker::BrokerConfig config;
  if (!config_path.empty()) {
    auto loaded = broker::load_broker_config(config_path);
    if (!loaded.ok()) {
      std::cerr << "liandong-broker: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  if (!endpoint.empty()) config.endpoint = endpoint;
  if (heartbeat_ms != 0) config.heartbeat_ms = heartbeat_ms;
  if (max_frame_bytes != 0) config.max_frame_bytes = max_frame_bytes;
  if (!log_level.empty()) config.log_level = log_level;
  if (auto s = broker::validate(config); !s.ok()) {
    std::cerr << "liandong-broker: " << s.message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "endpoint = " << config.endpoint << "\nheartbeat_ms = " << config.heartbeat_ms
              << "\nliveness = " << config.liveness << "\nmax_frame_bytes = " << config.max_frame_bytes
              << "\nconfig ok\n";
    return 0;
  }
  if (auto s = init_logging("broker", config.log_level, log_file); !s.ok()) {
    std::cerr << "liandong-broker: " << s.message() << "\n";
    return 2;
  }

  install_stop_handlers();
  SystemClock clock;
  broker::BrokerServer server(config, clock);
  auto bound = server.bind();
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().message());
    return 1;
  }
  const std::string where = connectable_endpoint(*bound);
  spdlog::info("listening on {} (heartbeat {} ms, max frame {} bytes)", where, config.heartbeat_ms,
               config.max_frame_bytes);
  if (!ready_file.empty()) {
    if (auto s = write_file_atomically(ready_file, where + "\n"); !s.ok()) {
      spdlog::error("{}", s.message());
      return 1;
    }
  }
  server.run(stop_flag());
  // A ready file outliving the process would send clients to an endpoint nobody serves.
  if (!ready_file.empty()) std::remove(ready_file.c_str());
  spdlog::info("stopped");
  return 0;
}
