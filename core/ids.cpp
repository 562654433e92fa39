#include "core/ids.hpp"

#include <sodium.h>

#include <stdexcept>

namespace liandong {

namespace {
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void fill_random(std::array<std::uint8_t, 10>& bytes) {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium failed to initialise");
  randombytes_buf(bytes.data(), bytes.size());
  bytes[0] &= 0x7F;  // leave headroom so increments within one millisecond never wrap
}
}  // namespace

IdGenerator::IdGenerator(const Clock& clock) : clock_(clock) {}

std::string IdGenerator::next() {
  std::array<std::uint8_t, 16> raw{};
  {
    std::lock_guard lock(mu_);
    Millis ms = clock_.wall_ms();
    if (ms <= last_ms_) {
      // Same (or an earlier, after a clock step back) millisecond: keep order by counting up.
      ms = last_ms_;
      for (int i = 9; i >= 0; --i) {
        if (++random_[i] != 0) break;
      }
    } else {
      fill_random(random_);
    }
    last_ms_ = ms;
    auto t = static_cast<std::uint64_t>(ms);
    for (int i = 5; i >= 0; --i) {
      raw[i] = static_cast<std::uint8_t>(t & 0xFF);
      t >>= 8;
    }
    for (int i = 0; i < 10; ++i) raw[6 + i] = random_[i];
  }
  // 128 bits -> 26 base32 digits, most significant first; the value is padded with two
  // leading zero bits to 130, so the first digit holds only the top 3 bits.
  std::string out(26, '0');
  for (int digit = 0; digit < 26; ++digit) {
    unsigned value = 0;
    for (int b = 0; b < 5; ++b) {
      const int bit = digit * 5 + b - 2;  // index into the 128 bits, MSB first
      unsigned bitval = 0;
      if (bit >= 0) bitval = (raw[bit / 8] >> (7 - bit % 8)) & 1U;
      value = (value << 1) | bitval;
    }
    out[digit] = kCrockford[value];
  }
  return out;
}

std::string new_message_id() {
  static SystemClock clock;
  static IdGenerator gen(clock);
  return gen.next();
}

bool looks_like_ulid(const std::string& id) {
  if (id.size() != 26) return false;
  for (char c : id) {
    bool found = false;
    for (const char* p = kCrockford; *p; ++p) found = found || (*p == c);
    if (!found) return false;
  }
  return id[0] <= '7';
}

}  // namespace liandong
