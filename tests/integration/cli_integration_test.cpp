// The `liandong` CLI against real processes: `up` starts and supervises the broker, `stats`
// reads its counters, commands refuse clearly when they cannot work.
#include <nlohmann/json.hpp>

#include <map>
#include <optional>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include <signal.h>

#include "tests/integration/broker_fixture.hpp"

using namespace liandong::testing;

namespace {
// Runs the CLI to completion (bounded) and returns its exit code and combined output.
std::pair<int, std::string> run_cli(const TempDir& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {LIANDONG_CLI_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = dir.file("cli-" + std::to_string(std::rand()) + ".out");
  auto p = ChildProcess::start(argv, out);
  auto code = p.wait_exit(std::chrono::seconds(20));
  REQUIRE(code.has_value());
  return {*code, read_file(out)};
}

// Live children of `parent`, optionally only those whose command name is `comm`.
std::vector<pid_t> children_of(pid_t parent, const std::string& comm = "") {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces, so split at the parentheses.
    const auto open = line.find('(');
    const auto close = line.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    const std::string command = line.substr(open + 1, close - open - 1);
    std::istringstream rest(line.substr(close + 2));
    char state = 0;
    pid_t ppid = 0;
    rest >> state >> ppid;
    if (ppid == parent && state != 'Z' && (comm.empty() || command == comm)) out.push_back(std::stoi(name));
  }
  return out;
}

}  // namespace

TEST_CASE("liandong up runs the system, restarts a gateway killed while it starts, stats reads it, and a "
          "killed broker is restarted",
          "[integration][cli]") {
  TempDir dir;
  const std::string data = dir.file("data");
  auto up = ChildProcess::start({LIANDONG_CLI_BIN, "up", "--data-dir", data, "--free-ports", "--config",
                                 LIANDONG_SOURCE_DIR "/config/liandong.toml"},
                                dir.file("up.log"));
  auto endpoint = wait_for_ready_file(data + "/endpoints/broker");
  INFO(read_file(dir.file("up.log")));
  REQUIRE(endpoint.has_value());

  // The last gateway, killed while it starts (once it runs its own program, before its ready
  // file): `up` starts it again instead of giving up on the whole system.
  pid_t starting = -1;
  const auto look_until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (starting < 0 && up.running() && std::chrono::steady_clock::now() < look_until) {
    auto pids = children_of(up.pid(), "liandong-gw-wat");  // the kernel keeps 15 characters
    if (!pids.empty()) {
      starting = pids.front();
      ::kill(starting, SIGSTOP);  // holds it where it is while the ready file is looked at
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  INFO(read_file(dir.file("up.log")));
  REQUIRE(starting > 0);
  REQUIRE_FALSE(std::filesystem::exists(data + "/endpoints/gw-watch"));
  ::kill(starting, SIGKILL);

  REQUIRE(wait_for_ready_file(data + "/endpoints/audit").has_value());
  REQUIRE(wait_for_ready_file(data + "/endpoints/router", std::chrono::seconds(30)).has_value());
  for (const char* gw : {"gw-96345", "gw-110", "gw-citymgmt", "gw-watch"}) {
    REQUIRE(wait_for_ready_file(data + "/endpoints/" + gw, std::chrono::seconds(30)).has_value());
  }
  REQUIRE(up.running());
  const auto watch_now = children_of(up.pid(), "liandong-gw-wat");
  REQUIRE(watch_now.size() == 1);
  CHECK(watch_now.front() != starting);
  CHECK_THAT(read_file(dir.file("up.log")),
             Catch::Contains("gw-watch (pid " + std::to_string(starting) + ") killed by signal 9 (SIGKILL) before it was ready"));

  auto [code, out] = run_cli(dir, {"stats", "--json", "--data-dir", data});
  INFO(out);
  REQUIRE(code == 0);
  auto stats = nlohmann::json::parse(out.substr(out.find('{')));
  CHECK(stats["counters"]["registrations"].get<int>() >= 6);
  std::map<std::string, nlohmann::json> services;
  for (const auto& s : stats["services"]) services[s["service"].get<std::string>()] = s;
  REQUIRE(services.size() == 6);  // audit, router and the four gateways
  CHECK(services["audit"]["counters"].contains("transactions"));
  CHECK(services["router"]["counters"].contains("open_incidents"));
  for (const char* gw : {"gateway.96345", "gateway.110", "gateway.citymgmt", "gateway.watch"}) {
    INFO(gw);
    REQUIRE(services.contains(gw));
    CHECK(services[gw]["counters"].contains("outbox_pending"));
  }

  // Kill the broker; `up` must start it again on the same endpoint, and the audit service must
  // find it again by itself.
  auto brokers = children_of(up.pid(), "liandong-broker");
  REQUIRE(brokers.size() == 1);
  ::kill(brokers.front(), SIGKILL);
  bool restarted = false;
  for (int i = 0; i < 100 && !restarted; ++i) {  // at most ~10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto now = children_of(up.pid(), "liandong-broker");
    restarted = now.size() == 1 && now.front() != brokers.front() &&
                wait_for_ready_file(data + "/endpoints/broker", std::chrono::milliseconds(100)).has_value();
  }
  REQUIRE(restarted);
  bool audit_back = false;
  std::string out2;
  for (int i = 0; i < 50 && !audit_back; ++i) {  // the audit re-registers within a few heartbeats
    int code2 = 0;
    std::tie(code2, out2) = run_cli(dir, {"stats", "--data-dir", data});
    audit_back = code2 == 0 && out2.find("audit at bus peer 'audit'") != std::string::npos;
    if (!audit_back) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO(out2);
  CHECK(audit_back);

  CHECK(up.stop(std::chrono::milliseconds(10000)));
  CHECK(children_of(up.pid()).empty());
  CHECK_FALSE(std::filesystem::exists(data + "/endpoints/broker"));
  CHECK_THAT(read_file(dir.file("up.log")), Catch::Contains("restart"));
}

TEST_CASE("an installed liandong up runs from any directory on its installed configuration", "[integration][cli]") {
  TempDir dir;
  const std::string prefix = dir.file("prefix");
  const std::string data = dir.file("data");
  // What `make install` runs, into a fresh prefix (stripped: the test needs no debug info).
  auto install = ChildProcess::start({LIANDONG_CMAKE_COMMAND, "--install", LIANDONG_BUILD_DIR, "--prefix", prefix, "--strip"},
                                     dir.file("install.log"));
  const auto installed = install.wait_exit(std::chrono::seconds(120));
  INFO(read_file(dir.file("install.log")));
  REQUIRE(installed == std::optional<int>(0));
  for (const char* f : {"bin/liandong", "bin/liandong-broker", "bin/liandong-gw-watch", "share/liandong/liandong.toml",
                        "share/liandong/zhuji/units.toml"}) {
    INFO(f);
    CHECK(std::filesystem::is_regular_file(prefix + "/" + f));
  }

  // From / (no config/ there): no --config, so it must find PREFIX/share/liandong/liandong.toml.
  auto up = ChildProcess::start({"/bin/sh", "-c", "cd / && exec \"$0\" up --data-dir \"$1\" --free-ports",
                                 prefix + "/bin/liandong", data},
                                dir.file("up.log"));
  bool all_ready = true;
  for (const char* service : {"broker", "audit", "router", "gw-96345", "gw-110", "gw-citymgmt", "gw-watch"}) {
    INFO(service);
    const bool ready = wait_for_ready_file(data + "/endpoints/" + service, std::chrono::seconds(30)).has_value();
    CHECK(ready);
    all_ready = all_ready && ready;
  }
  const std::string said = read_file(dir.file("up.log"));
  INFO(said);
  REQUIRE(all_ready);
  CHECK_THAT(said, Catch::Contains("config " + prefix + "/share/liandong/liandong.toml (the installed default)"));
  for (const char* service : {"broker", "gw-110", "gw-watch"}) {
    INFO(service);
    // Its log is in logs/<service>.log; logs/<service>.out keeps only what came before (nothing here).
    CHECK_THAT(read_file(data + "/logs/" + service + ".log"), Catch::Contains(" info "));
    CHECK(read_file(data + "/logs/" + service + ".out").empty());
  }
  CHECK(up.stop(std::chrono::milliseconds(10000)));
}

TEST_CASE("CLI commands refuse clearly when they cannot work", "[integration][cli]") {
  TempDir dir;
  SECTION("a report with no running system") {
    auto [code, out] = run_cli(dir, {"report", "--source", "110", "--category", "fire.building", "--grid", "G00001",
                                     "--data-dir", dir.file("nothing-here")});
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("--broker"));
  }
  SECTION("stats with no running system") {
    auto [code, out] = run_cli(dir, {"stats", "--data-dir", dir.file("nothing-here")});
    CHECK(code == 1);
    CHECK_THAT(out, Catch::Contains("--broker"));
  }
  SECTION("every subcommand explains itself") {
    for (const auto& cmd : std::vector<std::vector<std::string>>{
             {"up", "--help"}, {"demo", "--help"}, {"report", "--help"}, {"incident", "show", "--help"},
             {"incidents", "--help"}, {"unit", "listen", "--help"}, {"unit", "ack", "--help"},
             {"unit", "status", "--help"}, {"keys", "gen", "--help"}, {"keys", "enroll", "--help"},
             {"keys", "revoke", "--help"}, {"keys", "list", "--help"}, {"transfer", "--help"}, {"audit", "trail", "--help"},
             {"audit", "verify", "--help"}, {"audit", "export", "--help"}, {"stats", "--help"}}) {
      auto [code, out] = run_cli(dir, cmd);
      INFO(cmd.front());
      CHECK(code == 0);
      CHECK(out.size() > 200);
    }
  }
}
