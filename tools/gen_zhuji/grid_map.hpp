// The Zhuji grid map: a tiling of rectangles over the city's rough outline, cut into the 27
// towns (Voronoi cells of their centres), 520 zones and 12,170 grids, each grid with the units
// responsible for it. Urban cells near the city centre are split 2×2, so grids there are smaller.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tools/gen_zhuji/geo.hpp"
#include "tools/gen_zhuji/prng.hpp"

namespace liandong::gen {

// The lattice: fine cells of 0.002° lat × 0.0025° lon from (29.45° N, 119.95° E); a rural
// grid covers 2×2 fine cells (about 444 m × 483 m), an urban grid one fine cell.
inline constexpr E5 kLatMin = 2945000;
inline constexpr E5 kLonMin = 11995000;
inline constexpr E5 kFineLat = 200;
inline constexpr E5 kFineLon = 250;
inline constexpr int kFineRows = 250;  // up to 29.95° N
inline constexpr int kFineCols = 240;  // up to 120.55° E
inline constexpr int kGridCount = 12170;
inline constexpr int kZoneCount = 520;
inline constexpr std::int64_t kUrbanRadiusM = 3500;

struct Grid {
  int row = 0;  // south-west fine cell
  int col = 0;
  int size = 2;  // side in fine cells: 1 urban, 2 elsewhere
  int town = 0;  // index into towns()
  int zone = 0;  // index into GridMap::zones
  int fire = 0;  // indices into the station tables: the nearest station by straight line
  int ems = 0;
  int traffic = 0;
  std::uint32_t hilbert = 0;

  Point south_west() const { return {kLatMin + row * kFineLat, kLonMin + col * kFineLon}; }
  Point north_east() const { return {kLatMin + (row + size) * kFineLat, kLonMin + (col + size) * kFineLon}; }
  Point centre() const {
    return {kLatMin + row * kFineLat + size * kFineLat / 2, kLonMin + col * kFineLon + size * kFineLon / 2};
  }
};

struct Zone {
  int town = 0;
  int first_grid = 0;  // a zone's grids are consecutive in GridMap::grids
  int grid_count = 0;
  std::string community;  // 社区 in streets, 村 elsewhere
};

struct GridMap {
  std::vector<Grid> grids;  // id order: grids[0] is G00001
  std::vector<Zone> zones;  // zones[0] is Z001
  std::vector<int> owner;   // per fine cell (row * kFineCols + col): grid index, or -1 for no grid
  std::vector<int> grids_per_town;
  std::vector<int> zones_per_town;

  int owner_at(int row, int col) const;  // -1 outside the lattice too
};

GridMap build_grid_map(SplitMix64& rng);

// Grids sharing an edge or a corner with `grid`, ascending.
std::vector<int> touching_grids(const GridMap& map, int grid);

// Number of 4-connected pieces a town's grids form (1 = contiguous).
int town_pieces(const GridMap& map, int town);
int zone_pieces(const GridMap& map, int zone);

std::string grid_id(int index);  // G00001
std::string zone_id(int index);  // Z001

}  // namespace liandong::gen
