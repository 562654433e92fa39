#include "tools/gen_zhuji/households.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace liandong::gen {

namespace {

constexpr std::array kMobilePrefixes{130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155,
                                     156, 157, 158, 159, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189};

std::vector<int> enrolled_grids(const GridMap& map, const Zone& zone, SplitMix64& rng) {
  const int seed = zone.first_grid + static_cast<int>(rng.below(static_cast<std::uint64_t>(zone.grid_count)));
  const Point seed_centre = map.grids[static_cast<std::size_t>(seed)].centre();
  std::vector<int> ring;
  for (int g : touching_grids(map, seed)) {
    if (map.grids[static_cast<std::size_t>(g)].zone == map.grids[static_cast<std::size_t>(seed)].zone)
      ring.push_back(g);
  }
  std::stable_sort(ring.begin(), ring.end(), [&](int a, int b) {
    return distance2_mm(map.grids[static_cast<std::size_t>(a)].centre(), seed_centre) <
           distance2_mm(map.grids[static_cast<std::size_t>(b)].centre(), seed_centre);
  });
  constexpr std::size_t kRing = kEnrolledGridsPerZone - 1;
  if (ring.size() > kRing) ring.resize(kRing);
  ring.push_back(seed);
  std::sort(ring.begin(), ring.end());
  return ring;
}

std::string fake_phone(SplitMix64& rng, std::set<std::string>& used) {
  for (;;) {
    // Two statements: the order in which function arguments are evaluated is unspecified.
    const int prefix = kMobilePrefixes[rng.below(kMobilePrefixes.size())];
    const int line = static_cast<int>(rng.below(10000));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%d0575%04d", prefix, line);
    if (used.insert(buf).second) return buf;
  }
}

// Ten neighbours: the household's own grid first (nearest ids first), then touching grids,
// nearest grid first.
std::vector<int> neighbour_group(const GridMap& map, const std::vector<std::vector<int>>& in_grid, int household,
                                 int grid) {
  std::vector<int> same = in_grid[static_cast<std::size_t>(grid)];
  std::erase(same, household);
  std::stable_sort(same.begin(), same.end(),
                   [&](int a, int b) { return std::abs(a - household) < std::abs(b - household); });
  std::vector<int> near = touching_grids(map, grid);
  const Point centre = map.grids[static_cast<std::size_t>(grid)].centre();
  std::stable_sort(near.begin(), near.end(), [&](int a, int b) {
    return distance2_mm(map.grids[static_cast<std::size_t>(a)].centre(), centre) <
           distance2_mm(map.grids[static_cast<std::size_t>(b)].centre(), centre);
  });
  std::vector<int> group = same;
  for (int g : near) {
    for (int h : in_grid[static_cast<std::size_t>(g)]) group.push_back(h);
  }
  constexpr std::size_t kWanted = kNeighbourCount;
  if (group.size() < kWanted) throw std::logic_error("neighbour_group: fewer than ten candidates");
  group.resize(kWanted);
  return group;
}

}  // namespace

std::vector<Household> build_households(const GridMap& map, SplitMix64& rng) {
  const int zones = static_cast<int>(map.zones.size());
  std::vector<Household> out;
  std::set<std::string> used_phones;
  for (int z = 0; z < zones; ++z) {
    // kHouseholdCount spread evenly: every zone 38 or 39 households.
    const int count = (z + 1) * kHouseholdCount / zones - z * kHouseholdCount / zones;
    const std::vector<int> grids = enrolled_grids(map, map.zones[static_cast<std::size_t>(z)], rng);
    const int n = static_cast<int>(grids.size());
    for (int i = 0; i < n; ++i) {
      const int in_this = count / n + (i < count % n ? 1 : 0);
      for (int k = 0; k < in_this; ++k) {
        Household h;
        h.grid = grids[static_cast<std::size_t>(i)];
        h.phone = fake_phone(rng, used_phones);
        out.push_back(std::move(h));
      }
    }
  }
  std::vector<std::vector<int>> in_grid(map.grids.size());
  for (std::size_t i = 0; i < out.size(); ++i)
    in_grid[static_cast<std::size_t>(out[i].grid)].push_back(static_cast<int>(i));
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i].neighbours = neighbour_group(map, in_grid, static_cast<int>(i), out[i].grid);
  }
  return out;
}

std::string household_id(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "H%06d", index + 1);
  return buf;
}

}  // namespace liandong::gen
