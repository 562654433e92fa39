#include "services/router/router_config.hpp"

#include <filesystem>

#include "core/config.hpp"

namespace liandong::router {

Result<RouterConfig> load_router_config(const std::string& path) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  RouterConfig config;
  if (const auto* broker = doc->get_as<toml::table>("broker")) {
    if (auto ep = broker->get_as<std::string>("endpoint")) config.broker = ep->get();
  }
  if (const auto* audit = doc->get_as<toml::table>("audit")) {
    if (auto name = audit->get_as<std::string>("name")) config.audit = name->get();
  }
  ConfigSection section(doc->get_as<toml::table>("router"), path, "router");
  section.read("name", config.name);
  section.read("deployment", config.deployment);
  section.read("audit_retry_ms", config.audit_retry_ms, 10, 600'000);
  section.read("replay_timeout_ms", config.replay_timeout_ms, 1000, 3'600'000);
  section.read("log_level", config.log_level);
  if (auto s = section.finish(); !s.ok()) return s;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (std::filesystem::path(config.deployment).is_relative()) config.deployment = (dir / config.deployment).string();
  return config;
}

}  // namespace liandong::router
