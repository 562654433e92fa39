// libFuzzer target: the LDP/1 envelope check and copy (core/envelope.hpp, schemas/README.md §2).
// The input is split into frames by fuzz_support.hpp's rule; check_envelope must answer every
// message with OK or one of its three codes, and to_envelope must copy what it accepted.
#include <zmq.hpp>

#include "core/envelope.hpp"
#include "schemas/messages.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace liandong;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parts = fuzz::split_frames(data, size);
  std::vector<zmq::message_t> frames;
  for (const auto& p : parts) frames.emplace_back(p.data(), p.size());
  // The real limit, and a tiny one so TOO_LARGE is reached with small inputs.
  for (std::size_t max_frame : {kDefaultMaxFrameBytes, std::size_t{16}}) {
    const Status s = check_envelope(frames, max_frame);
    if (!s.ok()) {
      fuzz::require(s.code() == ErrorCode::kTooLarge || s.code() == ErrorCode::kMalformed ||
                    s.code() == ErrorCode::kUnsupportedVersion);
      fuzz::require(!s.message().empty());
      continue;
    }
    const Envelope env = to_envelope(frames);
    fuzz::require(frames.size() == kEnvelopeFrames);
    fuzz::require(valid_command(env.command));
    fuzz::require(env.peer.empty() || valid_name(env.peer, kMaxPeerNameLength));
    fuzz::require(valid_name(env.message_id, kMaxMessageIdLength));
    fuzz::require(env.body == parts[kBodyFrame]);
    // What an endpoint does next: decode the body of a session command.
    fuzz::check_decoders<v1::Register, v1::Disconnect, v1::Error>(env.body);
  }
  return 0;
}
