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
  if (auto s = section.finish(); !s.ok()) return s;
  if (auto s = validate(config); !s.ok()) return s.with_context(path);
  return config;
}

Status validate(const BrokerConfig& config) {
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
  return Status::Ok();
}

}  // namespace liandong::broker
