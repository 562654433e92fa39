// Made-up community and village names for the generated zones ("东溪村", "杨桥社区").
#pragma once

#include <string>
#include <vector>

#include "tools/gen_zhuji/prng.hpp"

namespace liandong::gen {

// `count` distinct two-character stems, drawn deterministically from `rng`.
std::vector<std::string> community_stems(SplitMix64& rng, int count);

}  // namespace liandong::gen
