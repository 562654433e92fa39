#include "services/gateway/gateway_config.hpp"

#include <filesystem>

namespace liandong::gateway {

GatewayConfig default_gateway_config(const std::string& platform, const std::string& listen) {
  GatewayConfig c;
  c.platform = platform;
  c.name = "gateway." + platform;
  c.database = "gw-" + platform + ".db";
  c.listen = listen;
  c.deployment = "config/zhuji";
  return c;
}

Status load_gateway_config(const std::string& path, GatewayConfig& config,
                           const std::function<void(ConfigSection&)>& extra) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  if (const auto* broker = doc->get_as<toml::table>("broker")) {
    if (auto ep = broker->get_as<std::string>("endpoint")) config.broker = ep->get();
  }
  std::string deployment = "zhuji";
  if (const auto* router = doc->get_as<toml::table>("router")) {
    if (auto d = router->get_as<std::string>("deployment")) deployment = d->get();
    if (auto n = router->get_as<std::string>("name")) config.router = n->get();
  }
  if (const auto* audit = doc->get_as<toml::table>("audit")) {
    if (auto n = audit->get_as<std::string>("name")) config.audit = n->get();
  }
  const toml::table* table = nullptr;
  if (const auto* gateways = doc->get_as<toml::table>("gateway")) table = gateways->get_as<toml::table>(config.platform);
  ConfigSection section(table, path, "gateway." + config.platform);
  section.read("name", config.name);
  section.read("database", config.database);
  section.read("listen", config.listen);
  section.read("retry_max_ms", config.retry_max_ms, 100, 600'000);
  section.read("log_level", config.log_level);
  if (extra) extra(section);
  if (auto s = section.finish(); !s.ok()) return s;
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  config.deployment = std::filesystem::path(deployment).is_relative() ? (dir / deployment).string() : deployment;
  return Status::Ok();
}

std::string database_path(const GatewayConfig& config, const std::string& data_dir) {
  const std::filesystem::path db(config.database);
  return db.is_relative() ? (std::filesystem::path(data_dir) / db).string() : db.string();
}

}  // namespace liandong::gateway
