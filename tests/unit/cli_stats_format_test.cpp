// How `liandong stats` prints a STATS_REPLY (tools/cli/stats_format.hpp).
#include <catch2/catch.hpp>

#include "tools/cli/stats_format.hpp"

using namespace liandong;
using namespace liandong::cli;

namespace {
v1::StatsReply sample() {
  v1::StatsReply r;
  r.service = "broker";
  r.uptime_ms = 125'000;
  r.counters = {{"messages_in", 42}, {"peers", 2}};
  r.errors = {{"UNROUTABLE", 3}};
  r.peers = std::vector<v1::PeerInfo>{{"router", "router", 120}, {"cli-1-ABCDEFGH", "cli", 0}};
  return r;
}
}  // namespace

TEST_CASE("the stats table shows counters, errors and peers", "[unit][cli]") {
  const std::string table = format_stats_table(sample(), "tcp://127.0.0.1:5570", "cli-1-ABCDEFGH");
  CHECK(table.find("broker at tcp://127.0.0.1:5570, up 2m 05s") != std::string::npos);
  CHECK(table.find("messages_in  42") != std::string::npos);
  CHECK(table.find("UNROUTABLE  3") != std::string::npos);
  CHECK(table.find("peers (2)") != std::string::npos);
  CHECK(table.find("router          router  120 ms") != std::string::npos);
  CHECK(table.find("cli-1-ABCDEFGH  cli     0 ms  (this command)") != std::string::npos);
}

TEST_CASE("empty sections say so", "[unit][cli]") {
  v1::StatsReply r;
  r.service = "broker";
  r.peers = std::vector<v1::PeerInfo>{};
  const std::string table = format_stats_table(r, "ep", "");
  CHECK(table.find("errors\n  (none)") != std::string::npos);
  CHECK(table.find("peers (0)\n  (none)") != std::string::npos);
}

TEST_CASE("a service that lists no peers gets no peers section", "[unit][cli]") {
  v1::StatsReply r;
  r.service = "audit";
  r.counters = {{"transactions", 4}};
  const std::string table = format_stats_table(r, "bus peer 'audit'", "");
  CHECK(table.find("transactions  4") != std::string::npos);
  CHECK(table.find("peers") == std::string::npos);
}

TEST_CASE("stats JSON carries the same content", "[unit][cli]") {
  const auto j = stats_to_json(sample(), "tcp://127.0.0.1:5570");
  CHECK(j["service"] == "broker");
  CHECK(j["endpoint"] == "tcp://127.0.0.1:5570");
  CHECK(j["uptime_ms"] == 125'000);
  CHECK(j["counters"]["messages_in"] == 42);
  CHECK(j["errors"]["UNROUTABLE"] == 3);
  REQUIRE(j["peers"].size() == 2);
  CHECK(j["peers"][0]["name"] == "router");
  CHECK(j["peers"][0]["idle_ms"] == 120);

  v1::StatsReply bare;
  bare.service = "broker";
  const auto k = stats_to_json(bare, "ep");
  CHECK(k["errors"].is_object());
  CHECK(k["peers"].is_array());
  CHECK(k["peers"].empty());
}
