// Settings every gateway shares: defaults here, then the [gateway.<platform>] table of the
// deployment's TOML file (plus [broker].endpoint and [router].deployment), then flags.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/status.hpp"

namespace liandong::gateway {

struct GatewayConfig {
  std::string platform;                 // "96345", "110", "citymgmt", "watch"
  std::string name;                     // peer name on the bus; default "gateway.<platform>"
  std::string broker = "tcp://127.0.0.1:5570";
  std::string router = "router";
  std::string audit = "audit";
  std::string database;                 // default "gw-<platform>.db"; relative: under the data dir
  std::string listen;                   // where the platform side listens (HTTP host:port, or a ZeroMQ endpoint)
  std::string deployment;               // the deployment's data directory (households, service codes, ...)
  Millis retry_max_ms = 10'000;         // longest pause between re-sends of an unanswered outbox item
  std::string log_level = "info";
};

// Defaults for `platform` before any file is read; `listen` is the platform's usual port.
GatewayConfig default_gateway_config(const std::string& platform, const std::string& listen);

// Reads `path` over `config`. `extra` reads the gateway's own keys from its table (it is called
// before unknown keys are refused). A relative deployment is resolved against the file's folder.
Status load_gateway_config(const std::string& path, GatewayConfig& config,
                           const std::function<void(ConfigSection&)>& extra = {});

// The database path: absolute as given, relative under `data_dir`.
std::string database_path(const GatewayConfig& config, const std::string& data_dir);

}  // namespace liandong::gateway
