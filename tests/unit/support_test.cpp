// Ids, masks, status and config reading from core.
#include <catch2/catch.hpp>

#include <set>

#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"

using namespace liandong;

TEST_CASE("ids are unique, 26 base32 characters, and sort in creation order", "[unit][ids]") {
  ManualClock clock;
  IdGenerator gen(clock);
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) {
    if (i % 1000 == 0) clock.advance(1);
    ids.push_back(gen.next());
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  CHECK(unique.size() == ids.size());
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  for (const auto& id : ids) REQUIRE(looks_like_ulid(id));
  // The first ten characters encode the millisecond.
  IdGenerator other(clock);
  CHECK(other.next().substr(0, 10) == ids.back().substr(0, 10));
  CHECK_FALSE(looks_like_ulid("not-an-id"));
}

TEST_CASE("personal data masks", "[unit][log]") {
  CHECK(mask_phone("13812345678") == "138****5678");
  CHECK(mask_phone("+86 138-1234-5678") == "+86 1**-****-5678");
  CHECK(mask_phone("110") == "***");
  CHECK(mask_phone("87654321") == "******21");
  CHECK(mask_name("张三丰") == "张**");
  CHECK(mask_name("Li Wei") == "L* ***");
  CHECK(mask_name("") == "");
  CHECK(mask_text("call 13812345678 or room 302") == "call 138****5678 or room 302");
  CHECK(mask_text("home 0575-87012345") == "home 0575-******45");
}

TEST_CASE("config sections read typed keys and name every problem", "[unit][config]") {
  auto doc = parse_toml(R"(
[broker]
endpoint = "tcp://127.0.0.1:5570"
heartbeat_ms = 250
liveness = "three"
)", "test.toml");
  REQUIRE(doc.ok());
  std::string endpoint;
  std::int64_t hb = 1000;
  std::int64_t liveness = 3;
  ConfigSection s(doc->get_as<toml::table>("broker"), "test.toml", "broker");
  s.read("endpoint", endpoint);
  s.read("heartbeat_ms", hb, 10, 60000);
  s.read("liveness", liveness, 2, 100);
  auto st = s.finish();
  CHECK(endpoint == "tcp://127.0.0.1:5570");
  CHECK(hb == 250);
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "test.toml:5: key 'broker.liveness' = 'three': expected an integer, got string");

  auto typo = parse_toml("[broker]\nheartbeat_sm = 5\n", "t.toml");
  ConfigSection t(typo->get_as<toml::table>("broker"), "t.toml", "broker");
  t.read("heartbeat_ms", hb, 10, 60000);
  CHECK_THAT(t.finish().message(), Catch::StartsWith("t.toml:2: unknown key 'broker.heartbeat_sm'") &&
                                       Catch::Contains("known here: heartbeat_ms"));

  auto range = parse_toml("[broker]\nheartbeat_ms = 5\n", "r.toml");
  ConfigSection r(range->get_as<toml::table>("broker"), "r.toml", "broker");
  r.read("heartbeat_ms", hb, 10, 60000);
  CHECK_THAT(r.finish().message(), Catch::Contains("value 5 is outside 10..60000"));

  auto broken = parse_toml("[broker\n", "b.toml");
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.status().message(), Catch::StartsWith("b.toml:1:"));
  CHECK_THAT(load_toml_file("/nonexistent/x.toml").status().message(), Catch::Contains("/nonexistent/x.toml"));
}
