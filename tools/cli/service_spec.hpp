// The processes `liandong up` runs, in start order. Adding a service (audit, router, gateways)
// is adding one entry to system_services(); each starts once the one before it is ready.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "tools/cli/data_dir.hpp"

namespace liandong::cli {

struct ServiceSpec {
  std::string name;          // "broker": in messages, and names its endpoint and log files
  std::string binary;        // "liandong-broker"
  std::string build_subdir;  // its directory in the build tree: "broker", "services/router"
  // Arguments. "{endpoint:NAME}" is replaced, at each start, by the endpoint service NAME wrote
  // to its ready file (so a service finds a broker that was started on port 0).
  std::vector<std::string> args;
  std::filesystem::path ready_file;   // written by the service once it listens
  std::filesystem::path log_file;     // the service's log, shown to the operator
  std::filesystem::path output_file;  // its stdout and stderr
  // When set ("--endpoint") and that argument asks for a wildcard port (tcp://HOST:0 or :*), a
  // restart asks for the port the first run got, so connected peers find it again.
  std::string endpoint_flag;
  // How the operator is told the service is ready, followed by its ready file's first line:
  // "listening on tcp://..." for the broker, "on the bus as audit" for services that connect.
  std::string ready_label = "listening on";
};

struct SystemOptions {
  std::optional<std::filesystem::path> config_file;  // passed as --config to every service
  std::string broker_endpoint;                       // `up --endpoint`: overrides the config
  // When set (a host, "127.0.0.1"): every gateway listens on that host on a free port, whatever
  // the config says (tests, and several systems on one machine).
  std::string gateway_listen_any;
  // CurveZMQ: every service gets --keys DIR (the broker its own key and the allowlist there, the
  // others their NAME.key); with insecure_plain the broker gets --insecure-plain and nobody keys.
  std::filesystem::path keys_dir;
  bool insecure_plain = false;
};

// The services of a Liandong system, in start order: the broker, the audit service, the router,
// then the four platform gateways (gw-96345, gw-110, gw-citymgmt, gw-watch).
std::vector<ServiceSpec> system_services(const SystemOptions& options, const DataDir& data_dir);

// `args` with every "{endpoint:NAME}" replaced by endpoint_of(NAME); fails naming the first
// endpoint that is not known.
Result<std::vector<std::string>> expand_args(
    const std::vector<std::string>& args,
    const std::function<Result<std::string>(std::string_view)>& endpoint_of);

// `requested` ("tcp://127.0.0.1:0", "tcp://*:*") with its wildcard port replaced by the port of
// `bound` ("tcp://127.0.0.1:41234"); anything else is returned unchanged.
std::string pin_wildcard_port(const std::string& requested, const std::string& bound);

// `args` with the value after `flag` passed through pin_wildcard_port(value, bound).
std::vector<std::string> pin_endpoint_arg(std::vector<std::string> args, const std::string& flag,
                                          const std::string& bound);

}  // namespace liandong::cli
