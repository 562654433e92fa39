// A real liandong-broker process on a per-test loopback port, plus bus clients connected to it.
#pragma once

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "core/bus_client.hpp"
#include "core/clock.hpp"
#include "tests/support/process.hpp"

namespace liandong::testing {

struct BrokerProcess {
  TempDir dir;
  ChildProcess process;
  std::string endpoint;

  explicit BrokerProcess(std::vector<std::string> extra_args = {}, std::string endpoint_arg = "tcp://127.0.0.1:0")
      : process(start(extra_args, endpoint_arg)) {
    auto ready = wait_for_ready_file(dir.file("broker.ready"));
    INFO(read_file(dir.file("broker.log")));
    REQUIRE(ready.has_value());
    endpoint = *ready;
  }

  ChildProcess start(const std::vector<std::string>& extra, const std::string& endpoint_arg) {
    std::vector<std::string> argv = {LIANDONG_BROKER_BIN, "--endpoint", endpoint_arg, "--ready-file",
                                     dir.file("broker.ready"), "--heartbeat-ms", "250"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    // Tests of the bus itself run without keys unless they bring their own (security_test.cpp).
    if (std::find(extra.begin(), extra.end(), "--keys") == extra.end()) argv.push_back("--insecure-plain");
    return ChildProcess::start(argv, dir.file("broker.log"));
  }

  // Stops the broker and requires that it stopped cleanly on SIGTERM.
  void stop_cleanly() {
    INFO(read_file(dir.file("broker.log")));
    REQUIRE(process.stop());
    CHECK_FALSE(std::filesystem::exists(dir.file("broker.ready")));  // no stale endpoint left behind
  }
};

inline std::unique_ptr<BusClient> connect_client(zmq::context_t& context, const Clock& clock,
                                                 const std::string& endpoint, const std::string& name,
                                                 const std::string& role = "unit") {
  BusClientOptions options;
  options.endpoint = endpoint;
  options.name = name;
  options.role = role;
  options.heartbeat_ms = 100;
  auto client = std::make_unique<BusClient>(context, options, clock);
  auto status = client->connect();
  INFO(status.to_string());
  REQUIRE(status.ok());
  return client;
}

// Receives until a message passes `want` or the timeout ends (bounded in time).
template <class Pred>
std::optional<Envelope> receive_until(BusClient& client, Millis timeout_ms, Pred want) {
  SystemClock clock;
  const Millis deadline = clock.monotonic_ms() + timeout_ms;
  while (clock.monotonic_ms() < deadline) {
    auto env = client.receive(deadline - clock.monotonic_ms());
    if (env && want(*env)) return env;
  }
  return std::nullopt;
}

}  // namespace liandong::testing
