// The LDP/1 envelope (schemas/README.md, "Frames"): five frames
//   [ "LDP1" ][ COMMAND ][ peer name ][ message id ][ msgpack body ]
// where the peer name is the destination on the way to the broker and the source on the way out.
#pragma once

#include <zmq.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace liandong {

inline constexpr std::string_view kProtocolTag = "LDP1";
inline constexpr std::size_t kEnvelopeFrames = 5;
inline constexpr std::size_t kMaxCommandLength = 32;
inline constexpr std::size_t kMaxPeerNameLength = 64;
inline constexpr std::size_t kMaxMessageIdLength = 64;
inline constexpr std::size_t kDefaultMaxFrameBytes = 1 << 20;  // 1 MiB

enum FrameIndex : std::size_t { kTagFrame = 0, kCommandFrame = 1, kPeerFrame = 2, kIdFrame = 3, kBodyFrame = 4 };

// An envelope as endpoints see it, with its frames copied into strings.
struct Envelope {
  std::string command;
  std::string peer;        // destination when sending, source when received
  std::string message_id;
  std::string body;        // msgpack bytes
};

inline std::string_view frame_view(const zmq::message_t& m) {
  return {static_cast<const char*>(m.data()), m.size()};
}

// Checks the envelope rules (count, tag, command, peer, id, sizes) without touching the body's
// content, as the broker does. Returns MALFORMED, UNSUPPORTED_VERSION or TOO_LARGE on violation.
Status check_envelope(const std::vector<zmq::message_t>& frames, std::size_t max_frame_bytes);

// True for 1..32 characters of A-Z, 0-9 and _ starting with a letter.
bool valid_command(std::string_view command);
// True for 1..64 characters of a-z, A-Z, 0-9, '.', '_', '-', ':' (peer names, message ids).
bool valid_name(std::string_view name, std::size_t max_length);

std::vector<zmq::message_t> make_frames(std::string_view command, std::string_view peer,
                                        std::string_view message_id, std::string_view body);
// Copies checked frames into an Envelope.
Envelope to_envelope(const std::vector<zmq::message_t>& frames);

}  // namespace liandong
