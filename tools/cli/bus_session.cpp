#include "tools/cli/bus_session.hpp"

#include <unistd.h>

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

std::string cli_peer_name() {
  const std::string id = new_message_id();
  return "cli-" + std::to_string(::getpid()) + "-" + id.substr(id.size() - 8);
}

}  // namespace liandong::cli
