// The generator's pseudo-random numbers: SplitMix64 with a fixed seed. Written out here (not
// std::uniform_*_distribution, whose output differs between standard libraries) so that the
// generated Zhuji deployment is the same byte for byte on every platform.
#pragma once

#include <cstdint>

namespace liandong::gen {

class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) for n > 0; rejection sampling, so no modulo bias.
  std::uint64_t below(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t x = next();
    while (x >= limit) x = next();
    return x % n;
  }

 private:
  std::uint64_t state_;
};

}  // namespace liandong::gen
