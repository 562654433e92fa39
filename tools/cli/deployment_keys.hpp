// The CurveZMQ keys of a Liandong system's own processes (docs/security.md, "Keys"): `liandong
// up` creates the missing ones in DATA_DIR/keys on first start and enrolls them, so a fresh
// system is authenticated from its first message without a manual step.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace liandong::cli {

struct DeploymentKey {
  std::string label;  // = the peer name the process registers with (its key file's name)
  std::string role;
  std::string names;  // the names it may register
};

// The broker, audit, router, the four gateways and "operator" (CLI commands, names cli-*).
std::vector<DeploymentKey> system_keys();
// What `liandong demo` adds: "demo-units", which may register as any unit:* (it plays every
// unit), and "demo-relay", the phone relay it plays on the watch gateway's relay socket.
DeploymentKey demo_units_key();
DeploymentKey demo_relay_key();

// Creates and enrolls each key of `keys` whose secret file is absent, saying so on `out`. A key
// whose file is gone while its label is still enrolled is an error: silently enrolling a new one
// would undo an operator's revocation or hide a lost file.
Status ensure_keys(const std::filesystem::path& keys_dir, const std::vector<DeploymentKey>& keys, std::ostream& out);

}  // namespace liandong::cli
