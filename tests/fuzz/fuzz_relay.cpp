// libFuzzer target: the LDR/1 relay protocol (services/gw_watch/relay_protocol.hpp,
// schemas/relay.md): frame checks, then every relay body decoder on the body frame.
#include "core/envelope.hpp"
#include "services/gw_watch/relay_protocol.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace liandong;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto frames = fuzz::split_frames(data, size);
  watch::RelayFrame partial;
  auto parsed = watch::parse_relay_frames(frames, &partial);
  if (!parsed.ok()) {
    const ErrorCode code = parsed.status().code();
    fuzz::require(code == ErrorCode::kTooLarge || code == ErrorCode::kMalformed ||
                  code == ErrorCode::kUnsupportedVersion);
    fuzz::require(partial.command.empty() || valid_command(partial.command));
    fuzz::require(partial.message_id.empty() || valid_name(partial.message_id, kMaxMessageIdLength));
  } else {
    fuzz::require(valid_command(parsed->command));
    fuzz::require(valid_name(parsed->message_id, kMaxMessageIdLength));
    fuzz::require(parsed->body == frames[3]);
  }
  // The body decoders run on the last frame whatever the frame checks said, so they are reached
  // by every input, not only by well-formed envelopes.
  const std::string body = frames.empty() ? std::string() : frames.back();
  using namespace watch;
  fuzz::check_decoders<Hello, Welcome, Alarm, AlarmAck, NeighbourAlert, AlertDelivered, RelayNeighbourAck,
                       AckRecorded, Ping, Pong, v1::Error>(body);
  return 0;
}
