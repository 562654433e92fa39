// The whole core of a Liandong system as real processes on per-test loopback ports: broker,
// audit, router (Zhuji deployment), plus any gateway a test starts. Stopped by PID when the
// fixture goes out of scope.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tests/integration/broker_fixture.hpp"

namespace liandong::testing {

struct LiandongSystem {
  BrokerProcess broker;
  ChildProcess audit;
  std::optional<ChildProcess> router;

  explicit LiandongSystem(bool with_router = true) : audit(start_audit()) {
    if (with_router) router.emplace(start_router());
  }

  ChildProcess start_audit() {
    auto p = ChildProcess::start({LIANDONG_AUDIT_BIN, "--broker", broker.endpoint, "--db", db(), "--ready-file",
                                  broker.dir.file("audit.ready")},
                                 broker.dir.file("audit.log"));
    INFO(read_file(broker.dir.file("audit.log")));
    REQUIRE(wait_for_ready_file(broker.dir.file("audit.ready")).has_value());
    return p;
  }
  // Starts the router without waiting for it (a test can keep its own peers alive meanwhile).
  ChildProcess launch_router() {
    std::filesystem::remove(broker.dir.file("router.ready"));
    return ChildProcess::start({LIANDONG_ROUTER_BIN, "--config", LIANDONG_SOURCE_DIR "/config/liandong.toml",
                                "--broker", broker.endpoint, "--ready-file", broker.dir.file("router.ready")},
                               broker.dir.file("router.log"));
  }
  ChildProcess start_router() {
    auto p = launch_router();
    INFO(read_file(broker.dir.file("router.log")));
    REQUIRE(wait_for_ready_file(broker.dir.file("router.ready"), std::chrono::seconds(30)).has_value());
    return p;
  }

  // Starts a gateway binary with the default config, this test's data directory and its platform
  // side on `listen` (port 0: "127.0.0.1:0" or "tcp://127.0.0.1:0"); returns the process and sets
  // `endpoint` to the first line of its ready file (where the platform side listens).
  ChildProcess start_gateway(const std::string& binary, const std::string& platform, const std::string& listen,
                             std::string& endpoint, std::vector<std::string> extra = {}) {
    const std::string ready = broker.dir.file("gw-" + platform + ".ready");
    std::filesystem::remove(ready);
    std::vector<std::string> argv = {binary, "--config", LIANDONG_SOURCE_DIR "/config/liandong.toml", "--broker",
                                     broker.endpoint, "--data-dir", broker.dir.path(), "--ready-file", ready,
                                     "--listen", listen};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = ChildProcess::start(argv, broker.dir.file("gw-" + platform + ".log"));
    auto line = wait_for_ready_file(ready, std::chrono::seconds(20));
    INFO(read_file(broker.dir.file("gw-" + platform + ".log")));
    REQUIRE(line.has_value());
    endpoint = *line;
    return p;
  }

  std::string db() const { return broker.dir.file("audit.db"); }
};

}  // namespace liandong::testing
