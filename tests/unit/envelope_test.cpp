// The envelope rules the broker enforces before it looks at anything else.
#include <catch2/catch.hpp>

#include "core/envelope.hpp"

using namespace liandong;

namespace {
std::vector<zmq::message_t> frames_of(std::initializer_list<std::string> parts) {
  std::vector<zmq::message_t> out;
  for (const auto& p : parts) out.emplace_back(p.data(), p.size());
  return out;
}
}  // namespace

TEST_CASE("check_envelope accepts a proper envelope and refuses each violation", "[unit][envelope]") {
  CHECK(check_envelope(frames_of({"LDP1", "INCIDENT_REPORT", "router", "01J0ABC", "\x80"}), 1024).ok());
  CHECK(check_envelope(frames_of({"LDP1", "HEARTBEAT", "", "1", "\x80"}), 1024).ok());

  auto code_of = [](std::initializer_list<std::string> parts, std::size_t limit = 1024) {
    return check_envelope(frames_of(parts), limit).code();
  };
  CHECK(code_of({"LDP1", "X", "y"}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP2", "HEARTBEAT", "", "1", "\x80"}) == ErrorCode::kUnsupportedVersion);
  CHECK(code_of({"HTTP/1.1", "GET", "", "1", ""}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP1", "lower_case", "", "1", "\x80"}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP1", "", "", "1", "\x80"}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP1", "PING", "bad name", "1", "\x80"}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP1", "PING", "router", "", "\x80"}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP1", "PING", "router", std::string(65, 'a'), "\x80"}) == ErrorCode::kMalformed);
  CHECK(code_of({"LDP1", "PING", "router", "1", std::string(2000, 'x')}) == ErrorCode::kTooLarge);
  const auto s = check_envelope(frames_of({"LDP1", "PING", "router", "1", std::string(2000, 'x')}), 1024);
  CHECK_THAT(s.message(), Catch::Contains("frame 4 is 2000 bytes, over the limit of 1024"));
}

TEST_CASE("make_frames and to_envelope are inverse", "[unit][envelope]") {
  auto frames = make_frames("DISPATCH_ORDER", "unit:police.ps03", "01J", std::string("\x81\xa1x\x01", 4));
  REQUIRE(check_envelope(frames, 1024).ok());
  auto env = to_envelope(frames);
  CHECK(env.command == "DISPATCH_ORDER");
  CHECK(env.peer == "unit:police.ps03");
  CHECK(env.message_id == "01J");
  CHECK(env.body == std::string("\x81\xa1x\x01", 4));
}
