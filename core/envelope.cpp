#include "core/envelope.hpp"

namespace liandong {

bool valid_command(std::string_view command) {
  if (command.empty() || command.size() > kMaxCommandLength) return false;
  if (command[0] < 'A' || command[0] > 'Z') return false;
  for (char c : command) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

bool valid_name(std::string_view name, std::size_t max_length) {
  if (name.empty() || name.size() > max_length) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == ':';
    if (!ok) return false;
  }
  return true;
}

namespace {
std::string printable(std::string_view raw) {
  std::string out;
  for (char c : raw.substr(0, 40)) {
    out.push_back((c >= 0x20 && c < 0x7F) ? c : '?');
  }
  if (raw.size() > 40) out += "...";
  return out;
}
}  // namespace

Status check_envelope(const std::vector<zmq::message_t>& frames, std::size_t max_frame_bytes) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    if (frames[i].size() > max_frame_bytes) {
      return {ErrorCode::kTooLarge, "frame " + std::to_string(i) + " is " + std::to_string(frames[i].size()) +
                                        " bytes, over the limit of " + std::to_string(max_frame_bytes)};
    }
  }
  if (!frames.empty()) {
    const auto tag = frame_view(frames[kTagFrame]);
    if (tag != kProtocolTag) {
      if (tag.size() >= 4 && tag.substr(0, 3) == "LDP") {
        return {ErrorCode::kUnsupportedVersion,
                "protocol '" + printable(tag) + "' is not supported; this broker speaks " + std::string(kProtocolTag)};
      }
      return {ErrorCode::kMalformed, "first frame must be the protocol tag 'LDP1', got '" + printable(tag) + "'"};
    }
  }
  if (frames.size() != kEnvelopeFrames) {
    return {ErrorCode::kMalformed, "expected 5 frames (tag, command, peer, message id, body), got " +
                                       std::to_string(frames.size())};
  }
  const auto command = frame_view(frames[kCommandFrame]);
  if (!valid_command(command)) {
    return {ErrorCode::kMalformed,
            "command '" + printable(command) + "' is not 1-32 characters of A-Z, 0-9 and _ starting with a letter"};
  }
  const auto peer = frame_view(frames[kPeerFrame]);
  if (!peer.empty() && !valid_name(peer, kMaxPeerNameLength)) {
    return {ErrorCode::kMalformed, "peer name '" + printable(peer) +
                                       "' is not 1-64 characters of letters, digits and . _ - :"};
  }
  const auto id = frame_view(frames[kIdFrame]);
  if (!valid_name(id, kMaxMessageIdLength)) {
    return {ErrorCode::kMalformed, "message id '" + printable(id) +
                                       "' is not 1-64 characters of letters, digits and . _ - :"};
  }
  return Status::Ok();
}

std::vector<zmq::message_t> make_frames(std::string_view command, std::string_view peer,
                                        std::string_view message_id, std::string_view body) {
  std::vector<zmq::message_t> frames;
  frames.reserve(kEnvelopeFrames);
  frames.emplace_back(kProtocolTag.data(), kProtocolTag.size());
  frames.emplace_back(command.data(), command.size());
  frames.emplace_back(peer.data(), peer.size());
  frames.emplace_back(message_id.data(), message_id.size());
  frames.emplace_back(body.data(), body.size());
  return frames;
}

Envelope to_envelope(const std::vector<zmq::message_t>& frames) {
  return Envelope{std::string(frame_view(frames[kCommandFrame])), std::string(frame_view(frames[kPeerFrame])),
                  std::string(frame_view(frames[kIdFrame])), std::string(frame_view(frames[kBodyFrame]))};
}

}  // namespace liandong
