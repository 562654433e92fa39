#include "broker/broker_config.hpp"

#include "core/config.hpp"

namespace liandong::broker {

Result<BrokerConfig> load_broker_config(const std::string& path) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  BrokerConfig config;
  ConfigSection section(doc->get_as<toml::table>("broker"), path, "broker");
  section.read("endpoint", config.endpoint);
  section.read("heartbeat_ms", config.heartbeat_ms, 10, 60'000);
  section.read("liveness", config.liveness, 2, 100);
  section.read("max_frame_bytes", config.max_frame_bytes, 1024, 256LL << 20);
  section.read("log_level", config.log_level);
  section.read("keys_dir", config.keys_dir);
  section.read("rate_limits_enabled", config.rate_limits_enabled);
  if (const toml::table* limits = section.table("rate_limits")) {
    for (const auto& [role, node] : *limits) {
      const std::string name(role.str());
      RateLimit limit = config.rate_limits.count(name) ? config.rate_limits.at(name) : RateLimit{};
      ConfigSection one(node.as_table(), path, "broker.rate_limits." + name);
      if (node.as_table() == nullptr) {
        return Status(ErrorCode::kConfig, path + ": broker.rate_limits." + name +
                                              " must be a table like { per_second = 50, burst = 200 }");
      }
      one.read("per_second", limit.per_second, 0, 1e9);
      one.read("burst", limit.burst, 1, 1e9);
      if (auto s = one.finish(); !s.ok()) return s;
      config.rate_limits[name] = limit;
    }
  }
  if (auto s = section.finish(); !s.ok()) return s;
  if (auto s = validate(config, false); !s.ok()) return s.with_context(path);
  return config;
}

Status validate(const BrokerConfig& config, bool require_security_choice) {
  if (config.endpoint.rfind("tcp://", 0) != 0 && config.endpoint.rfind("ipc://", 0) != 0) {
    return {ErrorCode::kConfig, "endpoint '" + config.endpoint + "' must start with tcp:// or ipc://"};
  }
  if (config.heartbeat_ms < 10 || config.heartbeat_ms > 60'000) {
    return {ErrorCode::kConfig, "heartbeat_ms " + std::to_string(config.heartbeat_ms) + " is outside 10..60000"};
  }
  if (config.liveness < 2 || config.liveness > 100) {
    return {ErrorCode::kConfig, "liveness " + std::to_string(config.liveness) + " is outside 2..100"};
  }
  if (config.max_frame_bytes < 1024 || config.max_frame_bytes > (256LL << 20)) {
    return {ErrorCode::kConfig,
            "max_frame_bytes " + std::to_string(config.max_frame_bytes) + " is outside 1024..268435456"};
  }
  if (require_security_choice && config.keys_dir.empty() && !config.insecure_plain) {
    return {ErrorCode::kConfig,
            "no keys: give --keys DIR (CurveZMQ, see docs/security.md; `liandong up` creates them) or, for local "
            "development only, --insecure-plain"};
  }
  if (!config.keys_dir.empty() && config.insecure_plain) {
    return {ErrorCode::kConfig, "--keys and --insecure-plain contradict each other; choose one"};
  }
  for (const auto& [role, limit] : config.rate_limits) {
    if (limit.per_second > 0 && limit.burst < 1) {
      return {ErrorCode::kConfig, "rate limit of role '" + role + "' needs burst >= 1"};
    }
  }
  return Status::Ok();
}

}  // namespace liandong::broker
