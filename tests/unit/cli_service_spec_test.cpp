// What `liandong up` starts (tools/cli/service_spec.hpp): the broker's arguments, endpoint
// placeholders, and restarts keeping the port a wildcard endpoint got.
#include <catch2/catch.hpp>

#include <algorithm>

#include "tools/cli/service_spec.hpp"

using namespace liandong;
using namespace liandong::cli;

namespace {
bool has_pair(const std::vector<std::string>& args, const std::string& flag, const std::string& value) {
  for (std::size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == flag && args[i + 1] == value) return true;
  }
  return false;
}
}  // namespace

TEST_CASE("the broker writes its endpoint and log into the data dir", "[unit][cli]") {
  const DataDir dir("/srv/ld");
  SystemOptions options;
  auto services = system_services(options, dir);
  REQUIRE(!services.empty());
  const ServiceSpec& broker = services.front();
  CHECK(broker.name == "broker");
  CHECK(broker.binary == "liandong-broker");
  CHECK(broker.ready_file == "/srv/ld/endpoints/broker");
  CHECK(has_pair(broker.args, "--ready-file", "/srv/ld/endpoints/broker"));
  CHECK(has_pair(broker.args, "--log-file", "/srv/ld/logs/broker.log"));
  CHECK(std::find(broker.args.begin(), broker.args.end(), "--config") == broker.args.end());
  CHECK(std::find(broker.args.begin(), broker.args.end(), "--endpoint") == broker.args.end());

  options.config_file = "/etc/liandong.toml";
  options.broker_endpoint = "tcp://127.0.0.1:0";
  const ServiceSpec with = system_services(options, dir).front();
  CHECK(has_pair(with.args, "--config", "/etc/liandong.toml"));
  CHECK(has_pair(with.args, "--endpoint", "tcp://127.0.0.1:0"));
}

TEST_CASE("the audit service follows the broker and finds it through its endpoint", "[unit][cli]") {
  const DataDir dir("/srv/ld");
  SystemOptions options;
  options.config_file = "/etc/liandong.toml";
  auto services = system_services(options, dir);
  REQUIRE(services.size() >= 2);
  const ServiceSpec& audit = services[1];
  CHECK(audit.name == "audit");
  CHECK(audit.binary == "liandong-audit");
  CHECK(has_pair(audit.args, "--broker", "{endpoint:broker}"));
  CHECK(has_pair(audit.args, "--data-dir", "/srv/ld"));
  CHECK(has_pair(audit.args, "--ready-file", "/srv/ld/endpoints/audit"));
  CHECK(has_pair(audit.args, "--config", "/etc/liandong.toml"));
}

TEST_CASE("endpoint placeholders are replaced by what the service reported", "[unit][cli]") {
  auto endpoint_of = [](std::string_view name) -> Result<std::string> {
    if (name == "broker") return std::string("tcp://127.0.0.1:5570");
    return Status(ErrorCode::kIo, "not ready");
  };
  auto args = expand_args({"--broker", "{endpoint:broker}", "x={endpoint:broker}/y", "plain"}, endpoint_of);
  REQUIRE(args.ok());
  CHECK(*args == std::vector<std::string>{"--broker", "tcp://127.0.0.1:5570", "x=tcp://127.0.0.1:5570/y", "plain"});

  auto missing = expand_args({"{endpoint:router}"}, endpoint_of);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("'router'") != std::string::npos);
}

TEST_CASE("a restart asks for the port a wildcard endpoint got the first time", "[unit][cli]") {
  CHECK(pin_wildcard_port("tcp://127.0.0.1:0", "tcp://127.0.0.1:41234") == "tcp://127.0.0.1:41234");
  CHECK(pin_wildcard_port("tcp://*:*", "tcp://127.0.0.1:41234") == "tcp://*:41234");
  CHECK(pin_wildcard_port("tcp://127.0.0.1:5570", "tcp://127.0.0.1:5570") == "tcp://127.0.0.1:5570");
  CHECK(pin_wildcard_port("ipc:///tmp/bus", "ipc:///tmp/bus") == "ipc:///tmp/bus");
  // An HTTP gateway's listen address (HOST:PORT) and the URL it reported.
  CHECK(pin_wildcard_port("127.0.0.1:0", "http://127.0.0.1:8311") == "127.0.0.1:8311");
  CHECK(pin_wildcard_port("127.0.0.1:8110", "http://127.0.0.1:8110") == "127.0.0.1:8110");

  const std::vector<std::string> args{"--ready-file", "f", "--endpoint", "tcp://127.0.0.1:0"};
  CHECK(pin_endpoint_arg(args, "--endpoint", "tcp://127.0.0.1:41234") ==
        std::vector<std::string>{"--ready-file", "f", "--endpoint", "tcp://127.0.0.1:41234"});
}

TEST_CASE("the four gateways start after the router, each on its platform's address", "[unit][cli]") {
  const DataDir dir("/srv/ld");
  SystemOptions options;
  auto services = system_services(options, dir);
  REQUIRE(services.size() == 7);
  CHECK(services[2].name == "router");
  const std::vector<std::pair<std::string, std::string>> expected = {{"gw-96345", "127.0.0.1:8345"},
                                                                     {"gw-110", "127.0.0.1:8110"},
                                                                     {"gw-citymgmt", "127.0.0.1:8311"},
                                                                     {"gw-watch", "tcp://127.0.0.1:5571"}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const ServiceSpec& gw = services[3 + i];
    CHECK(gw.name == expected[i].first);
    CHECK(gw.binary == "liandong-" + expected[i].first);
    CHECK(has_pair(gw.args, "--broker", "{endpoint:broker}"));
    CHECK(has_pair(gw.args, "--data-dir", "/srv/ld"));
    CHECK(has_pair(gw.args, "--listen", expected[i].second));
    CHECK(gw.endpoint_flag == "--listen");
  }
  // The shipped config says the same; "any port" overrides it.
  options.config_file = LIANDONG_SOURCE_DIR "/config/liandong.toml";
  options.gateway_listen_any = "127.0.0.1";
  services = system_services(options, dir);
  CHECK(has_pair(services[3].args, "--listen", "127.0.0.1:0"));
  CHECK(has_pair(services[6].args, "--listen", "tcp://127.0.0.1:0"));
}
