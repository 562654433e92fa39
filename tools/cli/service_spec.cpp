#include "tools/cli/service_spec.hpp"

#include "core/config.hpp"

namespace liandong::cli {

namespace {

struct GatewaySpec {
  const char* platform;
  const char* default_listen;
};
constexpr GatewaySpec kGateways[] = {
    {"96345", "127.0.0.1:8345"},
    {"110", "127.0.0.1:8110"},
    {"citymgmt", "127.0.0.1:8311"},
    {"watch", "tcp://127.0.0.1:5571"},
};

// [gateway.<platform>].listen of the config file, or the gateway's default. A file that cannot be
// read is reported by the gateway itself when it starts.
std::string gateway_listen(const SystemOptions& options, const GatewaySpec& gw) {
  if (!options.gateway_listen_any.empty()) {
    return std::string(gw.platform) == "watch" ? "tcp://" + options.gateway_listen_any + ":0"
                                               : options.gateway_listen_any + ":0";
  }
  if (options.config_file) {
    auto doc = load_toml_file(options.config_file->string());
    if (doc.ok()) {
      if (auto listen = (*doc)["gateway"][gw.platform]["listen"].value<std::string>()) return *listen;
    }
  }
  return gw.default_listen;
}

}  // namespace

std::vector<ServiceSpec> system_services(const SystemOptions& options, const DataDir& data_dir) {
  std::vector<ServiceSpec> services;

  ServiceSpec broker;
  broker.name = "broker";
  broker.binary = "liandong-broker";
  broker.build_subdir = "broker";
  broker.ready_file = data_dir.endpoint_file(broker.name);
  broker.log_file = data_dir.log_file(broker.name);
  broker.output_file = data_dir.output_file(broker.name);
  broker.endpoint_flag = "--endpoint";
  broker.args = {"--ready-file", broker.ready_file.string(), "--log-file", broker.log_file.string()};
  if (options.config_file) broker.args.insert(broker.args.end(), {"--config", options.config_file->string()});
  if (!options.broker_endpoint.empty()) broker.args.insert(broker.args.end(), {"--endpoint", options.broker_endpoint});
  if (options.insecure_plain) {
    broker.args.push_back("--insecure-plain");
  } else {
    broker.args.insert(broker.args.end(), {"--keys", options.keys_dir.string()});
  }
  services.push_back(std::move(broker));

  ServiceSpec audit;
  audit.name = "audit";
  audit.binary = "liandong-audit";
  audit.build_subdir = "services/audit";
  audit.ready_file = data_dir.endpoint_file(audit.name);
  audit.log_file = data_dir.log_file(audit.name);
  audit.output_file = data_dir.output_file(audit.name);
  audit.ready_label = "on the bus as";
  audit.args = {"--broker",     "{endpoint:broker}",          "--data-dir", data_dir.root().string(),
                "--ready-file", audit.ready_file.string(), "--log-file", audit.log_file.string()};
  if (options.config_file) audit.args.insert(audit.args.end(), {"--config", options.config_file->string()});
  if (!options.insecure_plain) audit.args.insert(audit.args.end(), {"--keys", options.keys_dir.string()});
  services.push_back(std::move(audit));

  ServiceSpec router;
  router.name = "router";
  router.binary = "liandong-router";
  router.build_subdir = "services/router";
  router.ready_file = data_dir.endpoint_file(router.name);
  router.log_file = data_dir.log_file(router.name);
  router.output_file = data_dir.output_file(router.name);
  router.ready_label = "on the bus as";
  router.args = {"--broker", "{endpoint:broker}", "--ready-file", router.ready_file.string(), "--log-file",
                 router.log_file.string()};
  if (options.config_file) router.args.insert(router.args.end(), {"--config", options.config_file->string()});
  if (!options.insecure_plain) router.args.insert(router.args.end(), {"--keys", options.keys_dir.string()});
  services.push_back(std::move(router));

  // The four platform gateways (issue #5). Each listens where its [gateway.<platform>] table
  // says (or its built-in default); the address is passed as --listen so that a restart of a
  // gateway that asked for port 0 asks for the port its first run got.
  for (const GatewaySpec& gw : kGateways) {
    ServiceSpec spec;
    spec.name = std::string("gw-") + gw.platform;
    spec.binary = std::string("liandong-gw-") + gw.platform;
    spec.build_subdir = std::string("services/gw_") + gw.platform;
    spec.ready_file = data_dir.endpoint_file(spec.name);
    spec.log_file = data_dir.log_file(spec.name);
    spec.output_file = data_dir.output_file(spec.name);
    spec.endpoint_flag = "--listen";
    spec.args = {"--broker",     "{endpoint:broker}",      "--data-dir", data_dir.root().string(),
                 "--ready-file", spec.ready_file.string(), "--log-file", spec.log_file.string(),
                 "--listen",     gateway_listen(options, gw)};
    if (options.config_file) spec.args.insert(spec.args.end(), {"--config", options.config_file->string()});
    if (!options.insecure_plain) spec.args.insert(spec.args.end(), {"--keys", options.keys_dir.string()});
    services.push_back(std::move(spec));
  }
  return services;
}

Result<std::vector<std::string>> expand_args(
    const std::vector<std::string>& args,
    const std::function<Result<std::string>(std::string_view)>& endpoint_of) {
  static constexpr std::string_view kOpen = "{endpoint:";
  std::vector<std::string> out;
  out.reserve(args.size());
  for (const std::string& arg : args) {
    std::string expanded;
    std::size_t pos = 0;
    while (true) {
      const std::size_t open = arg.find(kOpen, pos);
      const std::size_t close = open == std::string::npos ? open : arg.find('}', open);
      if (close == std::string::npos) {
        expanded += arg.substr(pos);
        break;
      }
      const std::string name = arg.substr(open + kOpen.size(), close - open - kOpen.size());
      auto endpoint = endpoint_of(name);
      if (!endpoint.ok()) return endpoint.status().with_context("endpoint of '" + name + "' is not known");
      expanded += arg.substr(pos, open - pos) + *endpoint;
      pos = close + 1;
    }
    out.push_back(std::move(expanded));
  }
  return out;
}

std::string pin_wildcard_port(const std::string& requested, const std::string& bound) {
  // tcp://HOST:0 (a ZeroMQ endpoint) or HOST:0 (an HTTP listen address, bound as http://HOST:PORT).
  const bool zmq_endpoint = requested.rfind("tcp://", 0) == 0 && bound.rfind("tcp://", 0) == 0;
  const bool http_address = requested.find("://") == std::string::npos && bound.rfind("http://", 0) == 0;
  if (!zmq_endpoint && !http_address) return requested;
  const std::size_t colon = requested.rfind(':');
  const std::size_t bound_colon = bound.rfind(':');
  if (colon == std::string::npos || bound_colon < 6 || (zmq_endpoint && colon < 6)) return requested;
  const std::string port = requested.substr(colon + 1);
  if (port != "0" && port != "*") return requested;
  return requested.substr(0, colon + 1) + bound.substr(bound_colon + 1);
}

std::vector<std::string> pin_endpoint_arg(std::vector<std::string> args, const std::string& flag,
                                          const std::string& bound) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag) args[i + 1] = pin_wildcard_port(args[i + 1], bound);
  }
  return args;
}

}  // namespace liandong::cli
