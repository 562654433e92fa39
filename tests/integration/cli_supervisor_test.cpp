// The supervisor behind `liandong up` (tools/cli/supervisor.hpp) with small shell programs as
// its services, so a start can be made to fail exactly as a test needs: killed by SIGKILL or
// exiting before it writes its ready file, a given number of times, then starting for good.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "tests/support/process.hpp"
#include "tools/cli/supervisor.hpp"

using namespace liandong;
using namespace liandong::cli;
using namespace liandong::testing;

namespace {

// A service whose n-th start (from 0) does what the n-th word of `fates` says: "kill" (SIGKILL
// to itself), "exitN" (exit with status N); a start beyond the list writes its ready file and
// stays up. Each start appends its pid to `starts_file`, which is how the script counts.
constexpr const char* kScript =
    "ready=$1; starts=$2; fates=$3\n"
    "n=0; [ -f \"$starts\" ] && n=$(wc -l < \"$starts\")\n"
    "echo $$ >> \"$starts\"\n"
    "i=0\n"
    "for fate in $fates; do\n"
    "  if [ $i -eq $n ]; then\n"
    "    echo \"start $n: $fate\"\n"
    "    case $fate in kill) kill -9 $$ ;; exit*) exit ${fate#exit} ;; esac\n"
    "  fi\n"
    "  i=$((i+1))\n"
    "done\n"
    "echo fake://$n > \"$ready.tmp\" && mv \"$ready.tmp\" \"$ready\"\n"
    "exec sleep 60\n";

ResolvedService scripted_service(const TempDir& dir, const std::string& name, const std::string& fates) {
  ResolvedService s;
  s.program = "/bin/sh";
  s.spec.name = name;
  s.spec.binary = "sh";
  s.spec.ready_file = dir.file(name + ".ready");
  s.spec.log_file = dir.file(name + ".log");
  s.spec.output_file = dir.file(name + ".out");
  s.spec.args = {"-c", kScript, "sh", s.spec.ready_file.string(), dir.file(name + ".starts"), fates};
  return s;
}

int starts_of(const TempDir& dir, const std::string& name) {
  const std::string text = read_file(dir.file(name + ".starts"));
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

SupervisorSettings quick_settings() {
  SupervisorSettings s;
  s.backoff.first_delay_ms = 10;
  s.backoff.max_delay_ms = 40;
  s.poll_ms = 10;
  s.stop_grace_ms = 2000;
  return s;
}

}  // namespace

TEST_CASE("a service killed while it starts is started again and up goes on", "[integration][cli]") {
  TempDir dir;
  std::vector<ResolvedService> services = {scripted_service(dir, "first", ""),
                                           scripted_service(dir, "last", "kill kill")};
  SystemClock clock;
  std::ostringstream out;
  Supervisor supervisor(std::move(services), clock, out, quick_settings());
  std::atomic<bool> stop{false};
  const Status started = supervisor.start_all(stop);
  INFO(started.message() << "\n" << out.str() << read_file(dir.file("last.out")));
  REQUIRE(started.ok());
  CHECK(starts_of(dir, "first") == 1);
  CHECK(starts_of(dir, "last") == 3);  // killed twice, ready the third time
  CHECK(read_file(dir.file("last.ready")) == "fake://2\n");
  CHECK_THAT(out.str(), Catch::Contains("last") && Catch::Contains("restart 2"));
  supervisor.stop_all();
}

TEST_CASE("different start failures in a row do not stop up", "[integration][cli]") {
  TempDir dir;
  std::vector<ResolvedService> services = {scripted_service(dir, "svc", "exit3 kill exit3 kill exit3 kill exit3")};
  SystemClock clock;
  std::ostringstream out;
  Supervisor supervisor(std::move(services), clock, out, quick_settings());
  std::atomic<bool> stop{false};
  const Status started = supervisor.start_all(stop);
  INFO(started.message());
  REQUIRE(started.ok());
  CHECK(starts_of(dir, "svc") == 8);
  supervisor.stop_all();
}

TEST_CASE("the same start failure again and again stops up, naming the service and why", "[integration][cli]") {
  TempDir dir;
  SupervisorSettings settings = quick_settings();

  SECTION("killed every time") {
    std::vector<ResolvedService> services = {scripted_service(dir, "first", ""),
                                             scripted_service(dir, "gw", "kill kill kill kill kill kill kill")};
    SystemClock clock;
    std::ostringstream out;
    Supervisor supervisor(std::move(services), clock, out, settings);
    std::atomic<bool> stop{false};
    const Status started = supervisor.start_all(stop);
    REQUIRE_FALSE(started.ok());
    CHECK_THAT(started.message(), Catch::Contains("gw killed by signal 9 (SIGKILL) before it was ready, 5 times in a row"));
    CHECK(starts_of(dir, "gw") == 5);
    CHECK_FALSE(std::filesystem::exists(dir.file("first.ready")));  // everything was stopped
  }
  SECTION("exiting with the same status, with the service's last words; the limit can be changed") {
    settings.max_same_start_failures = 3;
    std::vector<ResolvedService> services = {scripted_service(dir, "svc", "exit7 exit7 exit7 exit7")};
    SystemClock clock;
    std::ostringstream out;
    Supervisor supervisor(std::move(services), clock, out, settings);
    std::atomic<bool> stop{false};
    const Status started = supervisor.start_all(stop);
    REQUIRE_FALSE(started.ok());
    CHECK_THAT(started.message(),
               Catch::Contains("svc exited with status 7 before it was ready, 3 times in a row: start 2: exit7"));
    CHECK(starts_of(dir, "svc") == 3);
  }
}
