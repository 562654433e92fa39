// The broker's per-peer token buckets (broker/rate_limiter.hpp), driven by explicit millisecond
// timestamps: no clock, no sleeps.
#include <catch2/catch.hpp>

#include "broker/rate_limiter.hpp"

using namespace liandong;
using namespace liandong::broker;

namespace {
// How many of `n` messages sent at `now` the limiter admits.
int admitted(RateLimiter& limiter, const std::string& peer, const std::string& role, Millis now, int n) {
  int ok = 0;
  for (int i = 0; i < n; ++i) ok += limiter.admit(peer, role, now) ? 1 : 0;
  return ok;
}
}  // namespace

TEST_CASE("a fresh peer may spend its burst at once and is then refused", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {10, 5}}});
  for (int i = 0; i < 5; ++i) CHECK(limiter.admit("A", "unit", 1000));
  CHECK_FALSE(limiter.admit("A", "unit", 1000));
  CHECK_FALSE(limiter.admit("A", "unit", 1000));
}

TEST_CASE("the default limits refuse a unit after its burst of 200", "[security][rate_limiter]") {
  RateLimiter limiter;  // default_rate_limits()
  const RateLimit unit = limiter.limit_of("unit");
  CHECK(unit.per_second == 50);
  CHECK(unit.burst == 200);
  CHECK(admitted(limiter, "A", "unit", 0, 201) == 200);
  CHECK_FALSE(limiter.admit("A", "unit", 0));
}

TEST_CASE("tokens refill at per_second over time, capped at burst", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {10, 5}}});  // one token every 100 ms
  REQUIRE(admitted(limiter, "A", "unit", 0, 5) == 5);
  CHECK_FALSE(limiter.admit("A", "unit", 0));

  SECTION("less than one token's worth of time admits nothing") {
    CHECK_FALSE(limiter.admit("A", "unit", 99));
  }
  SECTION("one token after 100 ms, then empty again") {
    CHECK(limiter.admit("A", "unit", 100));
    CHECK_FALSE(limiter.admit("A", "unit", 100));
  }
  SECTION("three tokens after 300 ms") {
    CHECK(admitted(limiter, "A", "unit", 300, 10) == 3);
  }
  SECTION("partial tokens add up across calls") {
    CHECK_FALSE(limiter.admit("A", "unit", 50));  // half a token
    CHECK(limiter.admit("A", "unit", 100));       // the other half makes one
    CHECK_FALSE(limiter.admit("A", "unit", 100));
  }
  SECTION("a long quiet spell refills only up to burst") {
    CHECK(admitted(limiter, "A", "unit", 60'000, 100) == 5);
  }
  SECTION("time going backwards adds nothing") {
    CHECK_FALSE(limiter.admit("A", "unit", -10'000));
  }
}

TEST_CASE("roles without a limit are never refused", "[security][rate_limiter]") {
  RateLimiter limiter;  // default_rate_limits()
  for (const std::string role : {"router", "audit", "no-such-role"}) {
    INFO(role);
    CHECK(limiter.limit_of(role).per_second == 0);
    CHECK(admitted(limiter, "peer-" + role, role, 0, 50'000) == 50'000);
  }
  CHECK(default_rate_limits().count("router") == 0);
  CHECK(default_rate_limits().count("audit") == 0);
}

TEST_CASE("a role with per_second 0 is unlimited", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {0, 1}}});
  CHECK(admitted(limiter, "A", "unit", 0, 1000) == 1000);
}

TEST_CASE("a disabled limiter admits everything", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {1, 1}}}, false);
  CHECK_FALSE(limiter.enabled());
  CHECK(admitted(limiter, "A", "unit", 0, 10'000) == 10'000);
  CHECK(RateLimiter().enabled());
}

TEST_CASE("forget() gives a peer a fresh full bucket", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {1, 3}}});
  REQUIRE(admitted(limiter, "A", "unit", 0, 3) == 3);
  REQUIRE_FALSE(limiter.admit("A", "unit", 0));
  limiter.forget("A");
  CHECK(admitted(limiter, "A", "unit", 0, 10) == 3);
  limiter.forget("never-seen");  // harmless
}

TEST_CASE("two peers have separate buckets, even with the same role", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {1, 3}}});
  REQUIRE(admitted(limiter, "A", "unit", 0, 10) == 3);
  CHECK(admitted(limiter, "B", "unit", 0, 10) == 3);
  CHECK_FALSE(limiter.admit("A", "unit", 0));
  // Refilling A does not refill B.
  CHECK(limiter.admit("A", "unit", 1000));
  CHECK_FALSE(limiter.admit("B", "unit", 0));
}

TEST_CASE("each role gets its own limit", "[security][rate_limiter]") {
  RateLimiter limiter({{"unit", {1, 2}}, {"relay", {1, 4}}});
  CHECK(admitted(limiter, "U", "unit", 0, 10) == 2);
  CHECK(admitted(limiter, "R", "relay", 0, 10) == 4);
  CHECK(limiter.limit_of("relay").burst == 4);
}
