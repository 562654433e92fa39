// What every CLI command that talks to the bus shares: finding the broker (--broker, else the
// endpoint file `liandong up` wrote) and a peer name no other running CLI uses.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/curve_keys.hpp"
#include "core/status.hpp"
#include "tools/cli/bus_conversation.hpp"
#include "tools/cli/data_dir.hpp"

namespace liandong::cli {

// `broker_flag` when not empty, else the first line of DATA_DIR/endpoints/broker. The error
// names both ways of telling the CLI where the broker is.
Result<std::string> resolve_broker_endpoint(const std::string& broker_flag, const DataDir& data_dir);

// The CurveZMQ keys a CLI peer connects with (docs/security.md): DATA_DIR/keys/LABEL.key, and the
// broker's public key from the second line of DATA_DIR/endpoints/broker ("curve KEY"), else from
// DATA_DIR/keys/broker.pub. Nothing when the broker runs --insecure-plain ("plain") or, with no
// running system known, when the data directory has no keys.
Result<std::optional<CurveClientKeys>> cli_bus_keys(const DataDir& data_dir, std::string_view label);

// The key label of operator commands: its names are "cli-*", the role "cli".
inline constexpr std::string_view kOperatorKeyLabel = "operator";

// An operator command's session: the broker from --broker or the data directory, the operator
// key when the system uses CurveZMQ, a fresh cli peer name.
Result<std::unique_ptr<BusConversation>> open_operator_session(const std::string& broker_flag, const DataDir& data_dir,
                                                                Millis timeout_ms);

// "cli-4711-7K3QX2ZD": the pid and the random tail of a fresh ULID, so concurrent CLIs (and a
// CLI started again with a recycled pid) never take over each other's registration.
std::string cli_peer_name();

}  // namespace liandong::cli
