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
  std::string keys_dir;
  bool insecure_plain = false;
  bool no_rate_limits = false;
  app.add_option("-c,--config", config_path, "TOML file; its [broker] table overrides the defaults");
  app.add_option("-e,--endpoint", endpoint, "where to listen: tcp://HOST:PORT (port 0 picks one) or ipc://PATH");
  app.add_option("--heartbeat-ms", heartbeat_ms, "heartbeat interval; peers silent for 3 intervals are dropped");
  app.add_option("--max-frame-bytes", max_frame_bytes, "largest frame accepted (default 1 MiB)");
  app.add_option("--ready-file", ready_file, "write the bound endpoint here once listening");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_option("--log-file", log_file, "append the log to this file instead of stderr (stderr keeps what comes before the log opens)");
  app.add_option("--keys", keys_dir,
                 "CurveZMQ key directory: broker.key (this broker's pair) and enrolled.toml (the allowlist of\n"
                 "peers' public keys); see `liandong keys` and docs/security.md");
  app.add_flag("--insecure-plain", insecure_plain,
               "accept unauthenticated peers with self-declared names and roles; LOCAL DEVELOPMENT ONLY");
  app.add_flag("--no-rate-limits", no_rate_limits, "switch off per-peer rate limits (benchmarks)");
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
  if (!keys_dir.empty()) config.keys_dir = keys_dir;
  if (insecure_plain) config.insecure_plain = true;
  if (no_rate_limits) config.rate_limits_enabled = false;
  if (auto s = broker::validate(config); !s.ok()) {
    std::cerr << "liandong-broker: " << s.message() << "\n";
    return 2;
  }
  if (check_only) {
    std::cout << "endpoint = " << config.endpoint << "\nheartbeat_ms = " << config.heartbeat_ms
              << "\nliveness = " << config.liveness << "\nmax_frame_bytes = " << config.max_frame_bytes
              << "\nsecurity = " << (config.insecure_plain ? "plain (INSECURE)" : "curve, keys in " + config.keys_dir)
              << "\nrate_limits = " << (config.rate_limits_enabled ? "on" : "off") << "\nconfig ok\n";
    return 0;
  }
  if (auto s = init_logging("broker", config.log_level, log_file); !s.ok()) {
    std::cerr << "liandong-broker: " << s.message() << "\n";
    return 2;
  }

  install_stop_handlers();
  SystemClock clock;
  broker::BrokerServer server(config, clock);
  if (auto s = server.start_security(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  if (config.insecure_plain) {
    spdlog::warn("INSECURE: --insecure-plain: no authentication; any process that can reach {} may join the bus "
                 "under any name and role. For local development only.",
                 config.endpoint);
  }
  if (!config.rate_limits_enabled) spdlog::warn("per-peer rate limits are off (--no-rate-limits)");
  auto bound = server.bind();
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().message());
    return 1;
  }
  const std::string where = connectable_endpoint(*bound);
  spdlog::info("listening on {} (heartbeat {} ms, max frame {} bytes)", where, config.heartbeat_ms,
               config.max_frame_bytes);
  if (!ready_file.empty()) {
    // The second line tells clients how to connect: "curve <broker public key>" or "plain".
    const std::string security = config.insecure_plain ? "plain" : "curve " + server.public_key();
    if (auto s = write_file_atomically(ready_file, where + "\n" + security + "\n"); !s.ok()) {
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
