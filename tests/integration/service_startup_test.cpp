// How every bus service starts when its broker is not there (core/bus_join.hpp): each waits a
// bounded time, then exits 1 saying why; and a service given --log-file writes its log there
// only, so its stderr (what `liandong up` keeps in logs/<service>.out) is not a second copy.
#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

using namespace liandong::testing;

namespace {

struct ServiceUnderTest {
  const char* name;
  std::string binary;
  std::vector<std::string> extra_args;
};

std::vector<ServiceUnderTest> bus_services() {
  std::vector<ServiceUnderTest> out = {
      {"audit", LIANDONG_AUDIT_BIN, {}},
      {"router", LIANDONG_ROUTER_BIN, {}},
  };
#ifdef LIANDONG_GW_96345_BIN
  out.push_back({"gw-96345", LIANDONG_GW_96345_BIN, {"--listen", "127.0.0.1:0"}});
#endif
#ifdef LIANDONG_GW_110_BIN
  out.push_back({"gw-110", LIANDONG_GW_110_BIN, {"--listen", "127.0.0.1:0"}});
#endif
#ifdef LIANDONG_GW_CITYMGMT_BIN
  out.push_back({"gw-citymgmt", LIANDONG_GW_CITYMGMT_BIN, {"--listen", "127.0.0.1:0"}});
#endif
#ifdef LIANDONG_GW_WATCH_BIN
  out.push_back({"gw-watch", LIANDONG_GW_WATCH_BIN, {"--listen", "tcp://127.0.0.1:0"}});
#endif
  return out;
}

}  // namespace

TEST_CASE("every bus service gives up on an absent broker after a bounded wait, the same way",
          "[integration][startup]") {
  TempDir dir;
  // Nobody ever listens at this ipc path: the services wait for a broker that never comes.
  const std::string no_broker = "ipc://" + dir.file("no-broker");
  const auto services = bus_services();
  REQUIRE(services.size() == 6);
  std::vector<ChildProcess> running;
  for (const auto& s : services) {
    std::vector<std::string> argv = {s.binary,     "--broker",  no_broker,
                                     "--config",   LIANDONG_SOURCE_DIR "/config/liandong.toml",
                                     "--log-file", dir.file(std::string(s.name) + ".log"),
                                     "--ready-file", dir.file(std::string(s.name) + ".ready")};
    argv.insert(argv.end(), s.extra_args.begin(), s.extra_args.end());
    // Every service with a database keeps it under --data-dir; the router has none.
    if (std::string(s.name) != "router") argv.insert(argv.end(), {"--data-dir", dir.file(std::string("data-") + s.name)});
    running.push_back(ChildProcess::start(argv, dir.file(std::string(s.name) + ".out")));
  }
  for (std::size_t i = 0; i < services.size(); ++i) {
    const std::string name = services[i].name;
    INFO(name);
    // The wait is the bus client's register timeout (5 s) after the service's own loading.
    const auto code = running[i].wait_exit(std::chrono::seconds(30));
    const std::string log = read_file(dir.file(name + ".log"));
    const std::string out = read_file(dir.file(name + ".out"));
    INFO("log:\n" << log << "\nstderr:\n" << out);
    REQUIRE(code.has_value());
    CHECK(*code == 1);
    CHECK_THAT(log, Catch::Contains("cannot join the bus as") && Catch::Contains("no answer from broker at " + no_broker) &&
                        Catch::Contains("exiting with status 1"));
    // The log went to its file only: stderr holds nothing of it.
    CHECK(out.empty());
    CHECK_FALSE(std::filesystem::exists(dir.file(name + ".ready")));
  }
}

TEST_CASE("what a service prints before its log opens stays on stderr", "[integration][startup]") {
  TempDir dir;
  auto p = ChildProcess::start({LIANDONG_ROUTER_BIN, "--config", dir.file("missing.toml"), "--log-file",
                                dir.file("router.log")},
                               dir.file("router.out"));
  const auto code = p.wait_exit(std::chrono::seconds(20));
  REQUIRE(code.has_value());
  CHECK(*code == 2);
  CHECK_THAT(read_file(dir.file("router.out")), Catch::Contains("missing.toml"));
}
