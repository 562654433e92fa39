// The broker's queue of security events for the audit log (broker/security_recorder.hpp):
// folding of repeats, retry until acknowledged, and the bound on the queue. A ManualClock drives
// the fold window and the retry interval.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "broker/security_recorder.hpp"
#include "core/codec.hpp"
#include "core/ids.hpp"

using namespace liandong;
using namespace liandong::broker;

namespace {
v1::SecurityEvent refusal(const std::string& peer, const std::string& command = "DISPATCH_ORDER") {
  return {peer, "unit", "units", command, "m-1", "role 'unit' may not send " + command, 0};
}

v1::SecurityEvent body_of(const v1::AuditEvent& event) {
  auto body = decode_body<v1::SecurityEvent>(event.body.bytes);
  REQUIRE(body.ok());
  return *body;
}
}  // namespace

TEST_CASE("one record becomes one AUDIT_EVENT from the broker carrying the security event",
          "[security][security_recorder]") {
  ManualClock clock;
  clock.advance(5000);
  SecurityRecorder recorder(clock);
  recorder.record(v1::security_event::kRefused,
                  {"unit:a", "unit", "units", "DISPATCH_ORDER", "m-42", "role 'unit' may not send DISPATCH_ORDER", 7});
  CHECK(recorder.pending() == 1);

  auto due = recorder.due();
  REQUIRE(due.size() == 1);
  const v1::AuditEvent& event = due[0];
  CHECK(event.type == "security.refused");
  CHECK(event.actor == "broker");
  CHECK(event.at_ms == clock.wall_ms());
  CHECK(looks_like_ulid(event.event_id));
  CHECK_FALSE(event.incident_id.has_value());
  CHECK(event.validate().ok());

  const v1::SecurityEvent body = body_of(event);
  CHECK(body.peer == "unit:a");
  CHECK(body.role == std::optional<std::string>("unit"));
  CHECK(body.key == std::optional<std::string>("units"));
  CHECK(body.command == std::optional<std::string>("DISPATCH_ORDER"));
  CHECK(body.message_id == std::optional<std::string>("m-42"));
  CHECK(body.reason == "role 'unit' may not send DISPATCH_ORDER");
  CHECK(body.repeated == 0);  // the first of its kind is never a repeat, whatever the caller set

  // Sent once; nothing more until the retry interval.
  CHECK(recorder.due().empty());
  CHECK(recorder.pending() == 1);
}

TEST_CASE("absent optional fields stay absent in the body", "[security][security_recorder]") {
  ManualClock clock;
  SecurityRecorder recorder(clock);
  recorder.record(v1::security_event::kKeyRefused,
                  {"tcp://10.0.0.9", std::nullopt, "PUBKEY", std::nullopt, std::nullopt, "not enrolled", 0});
  auto due = recorder.due();
  REQUIRE(due.size() == 1);
  CHECK(due[0].type == "security.key_refused");
  const auto body = body_of(due[0]);
  CHECK(body.peer == "tcp://10.0.0.9");
  CHECK_FALSE(body.role.has_value());
  CHECK_FALSE(body.command.has_value());
  CHECK_FALSE(body.message_id.has_value());
  CHECK(body.key == std::optional<std::string>("PUBKEY"));
}

TEST_CASE("repeats within the fold window become one event now and one with `repeated` later",
          "[security][security_recorder]") {
  ManualClock clock;
  SecurityRecorder recorder(clock);
  // 50 records 8 ms apart, the last at 392 ms: all inside the window opened by the first.
  for (int i = 0; i < 50; ++i) {
    if (i > 0) clock.advance(8);
    auto event = refusal("unit:a");
    event.message_id = "m-" + std::to_string(i);
    recorder.record(v1::security_event::kRefused, event);
  }
  REQUIRE(clock.monotonic_ms() == 392);
  auto first = recorder.due();
  REQUIRE(first.size() == 1);
  CHECK(body_of(first[0]).repeated == 0);
  CHECK(body_of(first[0]).message_id == std::optional<std::string>("m-0"));

  // Still inside the window: the repeats are held back.
  clock.advance(SecurityRecorder::kFoldWindowMs - 392 - 1);
  CHECK(recorder.due().empty());

  clock.advance(1);  // the window (1 s from the first record) has closed
  auto second = recorder.due();
  REQUIRE(second.size() == 1);
  CHECK(second[0].type == "security.refused");
  CHECK(second[0].event_id != first[0].event_id);
  const auto folded = body_of(second[0]);
  CHECK(folded.repeated == 49);
  CHECK(folded.peer == "unit:a");
  CHECK(folded.message_id == std::optional<std::string>("m-49"));  // the latest of the repeats
  CHECK(recorder.pending() == 2);

  recorder.acknowledged(first[0].event_id);
  recorder.acknowledged(second[0].event_id);
  CHECK(recorder.pending() == 0);
  // No more repeats came: nothing further, ever.
  clock.advance(10 * SecurityRecorder::kRetryMs);
  CHECK(recorder.due().empty());
}

TEST_CASE("a record after the window starts a new one and flushes the repeats of the old",
          "[security][security_recorder]") {
  ManualClock clock;
  SecurityRecorder recorder(clock);
  for (int i = 0; i < 3; ++i) recorder.record(v1::security_event::kRefused, refusal("unit:a"));
  clock.advance(SecurityRecorder::kFoldWindowMs);
  recorder.record(v1::security_event::kRefused, refusal("unit:a"));  // without due() in between
  auto due = recorder.due();
  REQUIRE(due.size() == 3);  // the first, the 2 folded repeats, the first of the new window
  std::vector<std::int64_t> repeated;
  for (const auto& e : due) repeated.push_back(body_of(e).repeated);
  std::sort(repeated.begin(), repeated.end());
  CHECK(repeated == std::vector<std::int64_t>{0, 0, 2});
}

TEST_CASE("refusals are folded per peer, command and type", "[security][security_recorder]") {
  ManualClock clock;
  SecurityRecorder recorder(clock);
  for (int i = 0; i < 10; ++i) {
    recorder.record(v1::security_event::kRefused, refusal("unit:a"));
    recorder.record(v1::security_event::kRefused, refusal("unit:b"));
    recorder.record(v1::security_event::kRefused, refusal("unit:a", "INCIDENT_REPORT"));
    recorder.record(v1::security_event::kRateLimited, refusal("unit:a"));
  }
  auto now = recorder.due();
  REQUIRE(now.size() == 4);
  std::set<std::string> seen;
  for (const auto& e : now) {
    const auto body = body_of(e);
    CHECK(body.repeated == 0);
    seen.insert(e.type + "|" + body.peer + "|" + body.command.value_or(""));
  }
  CHECK(seen == std::set<std::string>{"security.refused|unit:a|DISPATCH_ORDER", "security.refused|unit:b|DISPATCH_ORDER",
                                      "security.refused|unit:a|INCIDENT_REPORT",
                                      "security.rate_limited|unit:a|DISPATCH_ORDER"});
  clock.advance(SecurityRecorder::kFoldWindowMs);
  auto later = recorder.due();
  REQUIRE(later.size() == 4);
  for (const auto& e : later) CHECK(body_of(e).repeated == 9);
}

TEST_CASE("an unacknowledged event is sent again every kRetryMs until acknowledged",
          "[security][security_recorder]") {
  ManualClock clock;
  SecurityRecorder recorder(clock);
  recorder.record(v1::security_event::kSessionDropped,
                  {"unit:a", "unit", "units", std::nullopt, std::nullopt, "its key 'units' was revoked", 0});
  auto first = recorder.due();
  REQUIRE(first.size() == 1);
  const std::string id = first[0].event_id;

  clock.advance(SecurityRecorder::kRetryMs - 1);
  CHECK(recorder.due().empty());
  clock.advance(1);
  auto again = recorder.due();
  REQUIRE(again.size() == 1);
  CHECK(again[0].event_id == id);  // the same event: the audit log deduplicates by id
  CHECK(again[0].type == "security.session_dropped");

  clock.advance(SecurityRecorder::kRetryMs);
  REQUIRE(recorder.due().size() == 1);

  recorder.acknowledged("some-other-id");
  CHECK(recorder.pending() == 1);
  recorder.acknowledged(id);
  CHECK(recorder.pending() == 0);
  clock.advance(SecurityRecorder::kRetryMs);
  CHECK(recorder.due().empty());
  recorder.acknowledged(id);  // a duplicate ack is harmless
  CHECK(recorder.pending() == 0);
}

TEST_CASE("the queue is bounded at kMaxPending and counts what it drops", "[security][security_recorder]") {
  ManualClock clock;
  SecurityRecorder recorder(clock);
  constexpr std::size_t kExtra = 5;
  // One peer refused once per fold window: each record is a new event, and only one fold is kept.
  for (std::size_t i = 0; i < SecurityRecorder::kMaxPending + kExtra; ++i) {
    recorder.record(v1::security_event::kRefused, refusal("unit:a"));
    clock.advance(SecurityRecorder::kFoldWindowMs);
  }
  CHECK(recorder.pending() == SecurityRecorder::kMaxPending);
  CHECK(recorder.dropped() == kExtra);

  // Acknowledging makes room again.
  auto due = recorder.due();
  REQUIRE(due.size() == SecurityRecorder::kMaxPending);
  recorder.acknowledged(due.front().event_id);
  CHECK(recorder.pending() == SecurityRecorder::kMaxPending - 1);
  recorder.record(v1::security_event::kRefused, refusal("unit:b"));
  CHECK(recorder.pending() == SecurityRecorder::kMaxPending);
  CHECK(recorder.dropped() == kExtra);
}
