// Small helpers of the `liandong` CLI: finding binaries, the data dir, durations, help wrapping
// and the not-built message.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tools/cli/binary_locator.hpp"
#include "tools/cli/bus_session.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/duration_text.hpp"
#include "tools/cli/help_formatter.hpp"

using namespace liandong;
using namespace liandong::cli;
namespace fs = std::filesystem;

TEST_CASE("binaries are looked for next to liandong, in the build tree, then on PATH", "[unit][cli]") {
  const auto c = binary_candidates("liandong-broker", "broker", "/b/tools", "/usr/bin::/opt/x");
  REQUIRE(c.size() == 5);
  CHECK(c[0] == "/b/tools/liandong-broker");
  CHECK(c[1] == "/b/broker/liandong-broker");
  CHECK(c[2] == "/usr/bin/liandong-broker");
  CHECK(c[3] == "./liandong-broker");  // an empty PATH entry is the current directory
  CHECK(c[4] == "/opt/x/liandong-broker");
  CHECK(binary_candidates("x", "", "", "").empty());
}

TEST_CASE("the data dir names its files and reads endpoints", "[unit][cli]") {
  const fs::path root = fs::temp_directory_path() / ("liandong-cli-test-" + cli_peer_name());
  const DataDir dir(root.string() + "/");
  CHECK(dir.root() == root);
  CHECK(dir.endpoint_file("broker") == root / "endpoints" / "broker");
  CHECK(dir.log_file("broker") == root / "logs" / "broker.log");
  REQUIRE(dir.create().ok());

  auto missing = dir.read_endpoint("broker");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message().find("not found") != std::string::npos);
  auto resolved = resolve_broker_endpoint("", dir);
  REQUIRE_FALSE(resolved.ok());
  CHECK(resolved.status().message().find("--broker") != std::string::npos);
  CHECK(resolved.status().message().find((root / "endpoints" / "broker").string()) != std::string::npos);
  CHECK(*resolve_broker_endpoint("tcp://h:1", dir) == "tcp://h:1");

  std::ofstream(dir.endpoint_file("broker")) << "  tcp://127.0.0.1:5570 \nsecond line\n";
  CHECK(*dir.read_endpoint("broker") == "tcp://127.0.0.1:5570");
  CHECK(*resolve_broker_endpoint("", dir) == "tcp://127.0.0.1:5570");
  fs::remove_all(root);
}

TEST_CASE("CLI peer names are valid and distinct", "[unit][cli]") {
  const std::string a = cli_peer_name();
  const std::string b = cli_peer_name();
  CHECK(a.rfind("cli-", 0) == 0);
  CHECK(a != b);
  CHECK(a.size() <= 64);
}

TEST_CASE("durations read well", "[unit][cli]") {
  CHECK(format_duration(-5) == "0 ms");
  CHECK(format_duration(850) == "850 ms");
  CHECK(format_duration(12'345) == "12.3 s");
  CHECK(format_duration(125'000) == "2m 05s");
  CHECK(format_duration(3'720'000) == "1h 02m");
  CHECK(format_duration(2 * 86'400'000LL + 3'600'000) == "2d 01h");
}

TEST_CASE("help text wraps between words", "[unit][cli]") {
  CHECK(wrap_text("aaa bbb ccc", 7) == "aaa bbb\nccc");
  CHECK(wrap_text("one\ntwo three", 5) == "one\ntwo\nthree");
  CHECK(wrap_text("averyverylongword x", 5) == "averyverylongword\nx");
}

TEST_CASE("a subcommand's path names it as the operator types it", "[unit][cli]") {
  CLI::App app{"t"};
  CLI::App* unit = app.add_subcommand("unit");
  CLI::App* ack = unit->add_subcommand("ack");
  CHECK(command_path(*ack) == "unit ack");
  CHECK(command_path(*unit) == "unit");
}
