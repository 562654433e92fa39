// RestartPolicy (tools/cli/restart_policy.hpp): the backoff `liandong up` applies to a service
// that keeps exiting, driven by a ManualClock.
#include <catch2/catch.hpp>

#include "core/clock.hpp"
#include "tools/cli/restart_policy.hpp"

using namespace liandong;
using namespace liandong::cli;

TEST_CASE("backoff doubles from 0.5 s and stops at 30 s", "[unit][cli]") {
  const BackoffSettings s;
  CHECK(backoff_delay(0, s) == 500);
  CHECK(backoff_delay(1, s) == 1000);
  CHECK(backoff_delay(2, s) == 2000);
  CHECK(backoff_delay(5, s) == 16'000);
  CHECK(backoff_delay(6, s) == 30'000);
  CHECK(backoff_delay(7, s) == 30'000);
  CHECK(backoff_delay(1'000'000, s) == 30'000);  // a long streak does not overflow
}

TEST_CASE("a service that keeps crashing waits longer each time", "[unit][cli]") {
  ManualClock clock;
  RestartPolicy policy(clock);
  policy.started();
  CHECK_FALSE(policy.restart_pending());
  CHECK_FALSE(policy.restart_due());

  const Millis expected[] = {500, 1000, 2000, 4000, 8000, 16'000, 30'000, 30'000};
  for (Millis delay : expected) {
    clock.advance(100);  // crashes soon after each start
    REQUIRE(policy.exited() == delay);
    CHECK(policy.restart_pending());
    clock.advance(delay - 1);
    CHECK_FALSE(policy.restart_due());
    clock.advance(1);
    CHECK(policy.restart_due());
    policy.started();
    CHECK_FALSE(policy.restart_pending());
  }
  CHECK(policy.failures_in_a_row() == 8);
}

TEST_CASE("a stable run of 60 s forgets earlier failures", "[unit][cli]") {
  ManualClock clock;
  RestartPolicy policy(clock);
  policy.started();
  for (int i = 0; i < 4; ++i) {
    clock.advance(10);
    policy.exited();
    policy.started();
  }
  REQUIRE(policy.failures_in_a_row() == 4);

  SECTION("59.999 s is not stable yet") {
    clock.advance(59'999);
    CHECK(policy.exited() == 8000);
  }
  SECTION("60 s is") {
    clock.advance(60'000);
    CHECK(policy.exited() == 500);
    CHECK(policy.failures_in_a_row() == 1);
  }
}

TEST_CASE("the first exit of a long-running service restarts quickly", "[unit][cli]") {
  ManualClock clock;
  RestartPolicy policy(clock);
  policy.started();
  clock.advance(3'600'000);
  CHECK(policy.exited() == 500);
}

TEST_CASE("backoff settings can be changed", "[unit][cli]") {
  ManualClock clock;
  BackoffSettings s;
  s.first_delay_ms = 100;
  s.max_delay_ms = 250;
  s.stable_after_ms = 1000;
  RestartPolicy policy(clock, s);
  policy.started();
  CHECK(policy.exited() == 100);
  policy.started();
  CHECK(policy.exited() == 200);
  policy.started();
  CHECK(policy.exited() == 250);
  policy.started();
  clock.advance(1000);
  CHECK(policy.exited() == 100);
}

TEST_CASE("the same failure in a row is counted, a different one or a ready start begins anew", "[unit][cli]") {
  ManualClock clock;
  RestartPolicy policy(clock);
  CHECK(policy.same_failures_in_a_row() == 0);
  policy.started();
  policy.exited("killed by signal 9 (SIGKILL)");
  policy.started();
  policy.exited("killed by signal 9 (SIGKILL)");
  CHECK(policy.same_failures_in_a_row() == 2);
  CHECK(policy.last_failure() == "killed by signal 9 (SIGKILL)");

  policy.started();
  policy.exited("exited with status 1");
  CHECK(policy.same_failures_in_a_row() == 1);
  CHECK(policy.failures_in_a_row() == 3);  // the backoff still counts every quick failure

  policy.started();
  policy.became_ready();
  policy.exited("exited with status 1");
  CHECK(policy.same_failures_in_a_row() == 1);

  policy.started();
  clock.advance(60'000);  // a stable run forgets them too
  policy.exited("exited with status 1");
  CHECK(policy.same_failures_in_a_row() == 1);
  CHECK(policy.failures_in_a_row() == 1);
}
