// The broker's registration table: registration, replacement and heartbeat expiry on a test clock.
#include <catch2/catch.hpp>

#include "broker/peer_table.hpp"
#include "core/clock.hpp"

using namespace liandong;
using liandong::broker::PeerTable;

TEST_CASE("peers register, are found both ways and leave", "[unit][peers]") {
  PeerTable table;
  auto out = table.register_peer("router", "router", "id-1", 0);
  CHECK_FALSE(out.replaced_routing_id.has_value());
  REQUIRE(table.by_name("router") != nullptr);
  CHECK(table.by_routing_id("id-1")->name == "router");
  CHECK(table.size() == 1);
  CHECK(table.remove_by_routing_id("id-1")->name == "router");
  CHECK(table.by_name("router") == nullptr);
  CHECK(table.size() == 0);
}

TEST_CASE("a name registered again from a new connection replaces the old one", "[unit][peers]") {
  PeerTable table;
  table.register_peer("gw-110", "gateway", "old", 0);
  auto out = table.register_peer("gw-110", "gateway", "new", 5);
  REQUIRE(out.replaced_routing_id == "old");
  CHECK(table.by_name("gw-110")->routing_id == "new");
  CHECK(table.by_routing_id("old") == nullptr);
  CHECK(table.size() == 1);
  // The same connection registering again is a refresh, not a replacement.
  CHECK_FALSE(table.register_peer("gw-110", "gateway", "new", 6).replaced_routing_id.has_value());
}

TEST_CASE("a connection that registers a second name gives up the first", "[unit][peers]") {
  PeerTable table;
  table.register_peer("a", "unit", "conn", 0);
  table.register_peer("b", "unit", "conn", 1);
  CHECK(table.by_name("a") == nullptr);
  CHECK(table.by_routing_id("conn")->name == "b");
  CHECK(table.size() == 1);
}

TEST_CASE("heartbeat expiry follows the test clock", "[unit][peers]") {
  ManualClock clock;
  PeerTable table;
  const Millis max_silence = 3 * 100;
  table.register_peer("quiet", "unit", "q", clock.monotonic_ms());
  table.register_peer("chatty", "unit", "c", clock.monotonic_ms());
  for (int i = 0; i < 5; ++i) {
    clock.advance(100);
    table.touch("c", clock.monotonic_ms());
    // Silent for 100..500 ms: dropped on the first check past 300 ms, and only once.
    CHECK(table.expire(clock.monotonic_ms(), max_silence).size() == (i == 3 ? 1U : 0U));
  }
  CHECK(table.by_name("quiet") == nullptr);
  CHECK(table.by_name("chatty") != nullptr);

  // Exactly at the limit a peer is still alive; one millisecond later it is gone.
  table.register_peer("edge", "unit", "e", clock.monotonic_ms());
  clock.advance(max_silence);
  table.touch("c", clock.monotonic_ms());
  CHECK(table.expire(clock.monotonic_ms(), max_silence).empty());
  clock.advance(1);
  auto expired = table.expire(clock.monotonic_ms(), max_silence);
  REQUIRE(expired.size() == 1);
  CHECK(expired.front().name == "edge");
}
