// What every CLI command that talks to the bus shares: finding the broker (--broker, else the
// endpoint file `liandong up` wrote) and a peer name no other running CLI uses.
#pragma once

#include <string>

#include "core/status.hpp"
#include "tools/cli/data_dir.hpp"

namespace liandong::cli {

// `broker_flag` when not empty, else the first line of DATA_DIR/endpoints/broker. The error
// names both ways of telling the CLI where the broker is.
Result<std::string> resolve_broker_endpoint(const std::string& broker_flag, const DataDir& data_dir);

// "cli-4711-7K3QX2ZD": the pid and the random tail of a fresh ULID, so concurrent CLIs (and a
// CLI started again with a recycled pid) never take over each other's registration.
std::string cli_peer_name();

}  // namespace liandong::cli
