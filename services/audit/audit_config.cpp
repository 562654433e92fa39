#include "services/audit/audit_config.hpp"

#include "core/config.hpp"

namespace liandong::audit {

Result<AuditConfig> load_audit_config(const std::string& path) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  AuditConfig config;
  // The broker's endpoint is where the audit service connects.
  if (const auto* broker = doc->get_as<toml::table>("broker")) {
    if (auto ep = broker->get_as<std::string>("endpoint")) config.broker = ep->get();
  }
  ConfigSection section(doc->get_as<toml::table>("audit"), path, "audit");
  section.read("name", config.name);
  section.read("database", config.database);
  section.read("sync", config.sync);
  section.read("busy_timeout_ms", config.busy_timeout_ms, 0, 600'000);
  section.read("max_batch", config.max_batch, 1, 100'000);
  section.read("log_level", config.log_level);
  if (auto s = section.finish(); !s.ok()) return s;
  if (auto s = validate(config); !s.ok()) return s.with_context(path);
  return config;
}

Status validate(const AuditConfig& config) {
  if (config.sync != "full" && config.sync != "normal") {
    return {ErrorCode::kConfig, "sync '" + config.sync + "' must be \"full\" or \"normal\""};
  }
  if (config.database.empty()) return {ErrorCode::kConfig, "database must name a file"};
  return Status::Ok();
}

}  // namespace liandong::audit
