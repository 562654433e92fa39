// The neighbourhood-watch household registry ("one household calls for help, ten households
// alert"): households enrolled in a few adjacent grids of every zone, each with a fake phone
// number and a neighbour group of ten households in the same or a touching grid.
#pragma once

#include <string>
#include <vector>

#include "tools/gen_zhuji/grid_map.hpp"
#include "tools/gen_zhuji/prng.hpp"

namespace liandong::gen {

inline constexpr int kHouseholdCount = 20000;
inline constexpr int kNeighbourCount = 10;
// Grids enrolled per zone: a seed grid and up to four grids touching it. With about 38
// households a zone, every household then has at least ten candidates in its own or a touching grid.
inline constexpr int kEnrolledGridsPerZone = 5;

struct Household {
  int grid = 0;
  std::string phone;            // 11 digits, "1xx0575dddd": fake, the middle is Shaoxing's area code
  std::vector<int> neighbours;  // household indices, nearest first
};

std::vector<Household> build_households(const GridMap& map, SplitMix64& rng);

std::string household_id(int index);  // H000001

}  // namespace liandong::gen
