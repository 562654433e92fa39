// `liandong demo` end to end, shortened: the whole system (broker, audit, router, four gateways)
// started by the CLI on free ports, a short scenario replayed through every gateway with the
// deployment's acknowledgement deadlines cut to 3 s, and the summary checked against what the
// scenario must cause.
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "tests/integration/broker_fixture.hpp"

using namespace liandong;
using namespace liandong::testing;
namespace fs = std::filesystem;

namespace {

// A copy of the Zhuji deployment whose every acknowledgement deadline is 3 s, so the unit that
// never answers escalates within the test.
void write_fast_deployment(const TempDir& dir) {
  fs::copy(LIANDONG_SOURCE_DIR "/config/zhuji", dir.file("zhuji"), fs::copy_options::recursive);
  std::ifstream in(dir.file("zhuji/routing.toml"));
  std::stringstream text;
  text << in.rdbuf();
  const std::string fast = std::regex_replace(text.str(), std::regex(R"(ack_seconds = \d+)"), "ack_seconds = 3");
  std::ofstream(dir.file("zhuji/routing.toml"), std::ios::trunc) << fast;
  fs::copy_file(LIANDONG_SOURCE_DIR "/config/liandong.toml", dir.file("liandong.toml"));
}

constexpr const char* kShortScenario = R"(
duration_seconds = 7
settle_seconds = 4

[units]
accept_min_ms = 100
accept_max_ms = 400
never_acknowledge = ["fire.st01"]

[[step]]
at = 0.2
platform = "110"
category = "traffic.accident"
priority = 1
lat = 29.6910
lon = 120.25375
caller = "13857501234"
text = "lorry and car collided, the car is on fire"

[[step]]
at = 0.5
platform = "110"
category = "fire.building"
priority = 1
lat = 29.7230
lon = 120.3625
text = "smoke from the warehouse"

[[step]]
at = 1.5
platform = "110"
category = "fire.building"
priority = 1
lat = 29.7232
lon = 120.3628
text = "fire at the warehouse behind my house"

[[step]]
at = 1.0
platform = "watch"
household = "H000500"
neighbour_acks = 2

[[step]]
at = 1.2
platform = "96345"
category = "utility.water_leak"
grid = "G00450"
text = "broken main"

[[step]]
at = 1.4
platform = "citymgmt"
category = "manhole_cover"
lat = 29.4560
lon = 120.2525

[[step]]
at = 0.8
name = "noise"
platform = "110"
category = "complaint.noise"
lat = 29.7105
lon = 120.2312

[[step]]
at = 3
action = "transfer"
of = "noise"
to = "96345"
reason = "not a police matter"
)";

// The numbers of the summary row for `platform`: reports, merged, orders, accepted, escalated,
// transferred out.
std::vector<int> summary_row(const std::string& out, const std::string& platform) {
  std::smatch m;
  const std::regex row("\\n\\s+" + platform + R"(\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\n)");
  const auto summary_at = out.find("summary (");
  if (summary_at == std::string::npos) return {};
  const std::string tail = out.substr(summary_at);
  if (!std::regex_search(tail, m, row)) return {};
  std::vector<int> v;
  for (std::size_t i = 1; i < m.size(); ++i) v.push_back(std::stoi(m[i]));
  return v;
}

}  // namespace

TEST_CASE("liandong demo replays a short scenario through all four gateways to its summary", "[integration][demo]") {
  TempDir dir;
  write_fast_deployment(dir);
  const std::string scenario = dir.file("short.toml");
  std::ofstream(scenario) << kShortScenario;

  auto demo = ChildProcess::start({LIANDONG_CLI_BIN, "demo", "--config", dir.file("liandong.toml"), "--data-dir",
                                   dir.file("data"), "--free-ports", "--scenario", scenario},
                                  dir.file("demo.out"));
  auto code = demo.wait_exit(std::chrono::seconds(90));
  if (!code) demo.stop(std::chrono::seconds(15));  // SIGTERM: the CLI stops the services it started
  const std::string out = read_file(dir.file("demo.out"));
  INFO(out);
  REQUIRE(code.has_value());
  CHECK(*code == 0);

  CHECK(out.find("audit verify: intact") != std::string::npos);
  const auto p110 = summary_row(out, "110");
  const auto p96345 = summary_row(out, "96345");
  const auto city = summary_row(out, "citymgmt");
  const auto watch = summary_row(out, "watch");
  REQUIRE(p110.size() == 6);
  REQUIRE(p96345.size() == 6);
  REQUIRE(city.size() == 6);
  REQUIRE(watch.size() == 6);
  CHECK(p110[0] == 4);   // accident, fire, duplicate fire, noise
  CHECK(p110[1] == 1);   // the duplicate fire is linked, not dispatched again
  CHECK(p110[2] >= 6);   // the accident alone makes four orders, the fire at least one
  CHECK(p110[4] >= 1);   // fire.st01 never answers: its order escalates
  CHECK(p110[5] == 1);   // the noise complaint moves to the hotline
  CHECK(p96345[0] == 1);
  CHECK(p96345[2] >= 2);  // the water leak and the transferred noise complaint
  CHECK(city[0] == 1);
  CHECK(city[2] >= 1);
  CHECK(watch[0] == 1);
  CHECK(watch[2] >= 1);   // the police station of the household's grid
  CHECK(out.find("neighbours of H000500 alerted") != std::string::npos);
  CHECK(out.find("neighbour H0") != std::string::npos);  // an acknowledgement came back
  CHECK(std::regex_search(out, std::regex(R"(intake -> dispatch order at the unit: p50 [0-9.]+ ms, p99 [0-9.]+ ms)")));
  // Nothing of the system is left running: the CLI stopped what it started.
  CHECK(out.find("stopping") != std::string::npos);
}
