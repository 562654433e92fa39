// The audit service's settings: defaults here, the [audit] table of the deployment's TOML file
// over them, command-line flags over that.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"

namespace liandong::audit {

struct AuditConfig {
  std::string name = "audit";              // peer name on the bus
  std::string broker = "tcp://127.0.0.1:5570";  // from [broker].endpoint unless --broker
  std::string database = "audit.db";       // relative paths are under the data directory
  std::string sync = "full";               // "full": durable against power loss; "normal": see docs
  std::int64_t busy_timeout_ms = 2000;
  std::int64_t max_batch = 1000;
  std::string log_level = "info";
};

Result<AuditConfig> load_audit_config(const std::string& path);
Status validate(const AuditConfig& config);

}  // namespace liandong::audit
