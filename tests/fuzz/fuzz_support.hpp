// Helpers shared by the libFuzzer targets (docs/security.md, "Hostile input: limits and fuzzing"):
// the frame-splitting rule that turns one fuzz input into a multipart message, and the checks every
// body decoder must pass. A broken property calls std::abort(), which libFuzzer reports as a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec.hpp"
#include "core/status.hpp"

namespace liandong::fuzz {

inline void require(bool condition) {
  if (!condition) std::abort();
}

// Byte 0: the frame count (0-7); then per frame a 2-byte little-endian length and that many
// bytes. A length past the end takes whatever is left, so every input is some message.
inline std::vector<std::string> split_frames(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> frames;
  if (size == 0) return frames;
  const std::size_t count = data[0] % 8;
  std::size_t pos = 1;
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t len = 0;
    if (pos + 2 <= size) {
      len = static_cast<std::size_t>(data[pos]) | (static_cast<std::size_t>(data[pos + 1]) << 8);
      pos += 2;
    } else {
      pos = size;
    }
    const std::size_t take = len < size - pos ? len : size - pos;
    frames.emplace_back(reinterpret_cast<const char*>(data + pos), take);
    pos += take;
  }
  return frames;
}

// Decodes `body` as M. A refusal must be one of the body error codes with a message; an accepted
// body must pass validate() and survive encode -> decode -> encode unchanged.
template <class M>
void check_decoder(std::string_view body) {
  auto decoded = decode_body<M>(body);
  if (!decoded.ok()) {
    const ErrorCode code = decoded.status().code();
    require(code == ErrorCode::kInvalidBody || code == ErrorCode::kMissingField || code == ErrorCode::kWrongType ||
            code == ErrorCode::kInvalidValue);
    require(!decoded.status().message().empty());
    return;
  }
  require(codec_detail::validate_if_any(*decoded).ok());
  const std::string again = encode_body(*decoded);
  auto redecoded = decode_body<M>(again);
  require(redecoded.ok());
  require(encode_body(*redecoded) == again);
}

template <class... M>
void check_decoders(std::string_view body) {
  (check_decoder<M>(body), ...);
}

}  // namespace liandong::fuzz
