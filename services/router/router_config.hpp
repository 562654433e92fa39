// The router's settings: defaults here, the [router] table (and [broker].endpoint) of the
// deployment's TOML file over them, command-line flags over that.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace liandong::router {

struct RouterConfig {
  std::string name = "router";
  std::string broker = "tcp://127.0.0.1:5570";
  std::string audit = "audit";          // the audit service's peer name
  std::string deployment = "zhuji";     // directory of the deployment's data, relative to the config file
  std::int64_t audit_retry_ms = 1000;
  std::int64_t replay_timeout_ms = 60'000;
  std::string log_level = "info";
};

// Reads `path`; a relative `deployment` is resolved against the file's directory.
Result<RouterConfig> load_router_config(const std::string& path);

}  // namespace liandong::router
