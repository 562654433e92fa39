#include "tools/cli/bus_session.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/ids.hpp"

namespace liandong::cli {

Result<std::string> resolve_broker_endpoint(const std::string& broker_flag, const DataDir& data_dir) {
  if (!broker_flag.empty()) return broker_flag;
  auto endpoint = data_dir.read_endpoint("broker");
  if (endpoint.ok()) return endpoint;
  return Status(ErrorCode::kIo, "no broker endpoint known: pass --broker ENDPOINT, or start the system with "
                                "'liandong up --data-dir " + data_dir.root().string() + "' (" +
                                    endpoint.status().message() + ")");
}

Result<std::optional<CurveClientKeys>> cli_bus_keys(const DataDir& data_dir, std::string_view label) {
  const auto keys_dir = data_dir.root() / "keys";
  std::string security;
  {
    std::ifstream ready(data_dir.endpoint_file("broker"));
    std::string endpoint;
    if (ready && std::getline(ready, endpoint)) std::getline(ready, security);
  }
  if (security == "plain") return std::optional<CurveClientKeys>();
  const bool running_curve = security.rfind("curve ", 0) == 0;
  if (!running_curve && !std::filesystem::exists(public_key_path(keys_dir, kBrokerKeyLabel))) {
    return std::optional<CurveClientKeys>();
  }
  auto own = read_secret_key(keys_dir, label);
  if (!own.ok()) return own.status();
  CurveClientKeys keys{own->label, own->public_key, own->secret_key, {}};
  if (running_curve) {
    keys.broker_public_key = security.substr(6);
  } else {
    auto broker = read_key_file(public_key_path(keys_dir, kBrokerKeyLabel));
    if (!broker.ok()) return broker.status();
    keys.broker_public_key = broker->public_key;
  }
  return std::optional<CurveClientKeys>(std::move(keys));
}

Result<std::unique_ptr<BusConversation>> open_operator_session(const std::string& broker_flag, const DataDir& data_dir,
                                                                Millis timeout_ms) {
  auto endpoint = resolve_broker_endpoint(broker_flag, data_dir);
  if (!endpoint.ok()) return endpoint.status();
  auto keys = cli_bus_keys(data_dir, kOperatorKeyLabel);
  if (!keys.ok()) return keys.status();
  return BusConversation::open(*endpoint, cli_peer_name(), timeout_ms, std::move(*keys));
}

std::string cli_peer_name() {
  const std::string id = new_message_id();
  return "cli-" + std::to_string(::getpid()) + "-" + id.substr(id.size() - 8);
}

}  // namespace liandong::cli
