#include "tools/gen_zhuji/grid_map.hpp"

#include <algorithm>
#include <cstdio>
#include <span>
#include <stdexcept>

#include "tools/gen_zhuji/names.hpp"
#include "tools/gen_zhuji/pieces.hpp"
#include "tools/gen_zhuji/zhuji_tables.hpp"

namespace liandong::gen {

namespace {

constexpr int kBaseRows = kFineRows / 2;
constexpr int kBaseCols = kFineCols / 2;

struct Candidate {
  int row = 0;  // base cell
  int col = 0;
  double scale = 0.0;
  bool urban = false;
};

Point base_centre(int row, int col) { return {kLatMin + (2 * row + 1) * kFineLat, kLonMin + (2 * col + 1) * kFineLon}; }

bool in_gap(Point p) {
  for (const GapDef& gap : gaps()) {
    if (within_metres(p, gap.centre, gap.radius_m)) return true;
  }
  return false;
}

// Index of the point nearest to `p`; ties go to the lower index.
template <typename T, typename At>
int nearest(std::span<const T> items, Point p, At at) {
  int best = 0;
  std::int64_t best_d = distance2_mm(p, at(items[0]));
  for (std::size_t i = 1; i < items.size(); ++i) {
    const std::int64_t d = distance2_mm(p, at(items[i]));
    if (d < best_d) {
      best = static_cast<int>(i);
      best_d = d;
    }
  }
  return best;
}

int nearest_unit(std::span<const UnitDef> units, Point p) {
  return nearest(units, p, [](const UnitDef& u) { return u.at; });
}

// The base cells that carry grids: the ones most inside the outline (smallest scale), avoiding
// the gaps, until the grid count is exactly kGridCount (an urban cell counts four). Cells cut off
// from the main area (touching it only at a corner) are left out and replaced.
std::vector<Candidate> select_cells() {
  std::vector<Candidate> all;
  for (int r = 0; r < kBaseRows; ++r) {
    for (int c = 0; c < kBaseCols; ++c) {
      const Point p = base_centre(r, c);
      if (in_gap(p)) continue;
      all.push_back({r, c, outline_scale(outline(), city_centre(), p), within_metres(p, city_centre(), kUrbanRadiusM)});
    }
  }
  std::sort(all.begin(), all.end(), [](const Candidate& a, const Candidate& b) {
    if (a.scale != b.scale) return a.scale < b.scale;
    if (a.row != b.row) return a.row < b.row;
    return a.col < b.col;
  });
  std::vector<char> excluded(static_cast<std::size_t>(kBaseRows * kBaseCols), 0);
  for (;;) {
    std::vector<Candidate> taken;
    std::vector<int> label(excluded.size(), -1);
    int total = 0;
    for (const Candidate& cand : all) {
      const int weight = cand.urban ? 4 : 1;
      if (excluded[static_cast<std::size_t>(cand.row * kBaseCols + cand.col)] || total + weight > kGridCount) continue;
      taken.push_back(cand);
      label[static_cast<std::size_t>(cand.row * kBaseCols + cand.col)] = 0;
      total += weight;
      if (total == kGridCount) break;
    }
    if (total != kGridCount) throw std::logic_error("select_cells: cannot reach the grid count");
    const Pieces pieces = find_pieces(label, kBaseRows, kBaseCols);
    if (pieces.cells.size() == 1) return taken;
    std::size_t main = 0;
    for (std::size_t i = 1; i < pieces.cells.size(); ++i) {
      if (pieces.cells[i].size() > pieces.cells[main].size()) main = i;
    }
    for (std::size_t i = 0; i < pieces.cells.size(); ++i) {
      if (i == main) continue;
      for (int cell : pieces.cells[i]) excluded[static_cast<std::size_t>(cell)] = 1;
    }
  }
}

// Towns as Voronoi cells of their seeds; a piece of a town cut off from its main piece (by a gap
// or the outline) goes to the neighbouring town, so every town is contiguous. Returns the town
// of every base cell (-1 = no grid).
std::vector<int> assign_towns(const std::vector<Candidate>& cells) {
  std::vector<int> town(static_cast<std::size_t>(kBaseRows * kBaseCols), -1);
  for (const Candidate& cell : cells) {
    town[static_cast<std::size_t>(cell.row * kBaseCols + cell.col)] =
        nearest(towns(), base_centre(cell.row, cell.col), [](const TownDef& t) { return t.seed; });
  }
  merge_stray_pieces(town, kBaseRows, kBaseCols, [](int, int) { return true; });
  return town;
}

Grid make_grid(int row, int col, int size, int town) {
  Grid g;
  g.row = row;
  g.col = col;
  g.size = size;
  g.town = town;
  g.fire = nearest_unit(fire_stations(), g.centre());
  g.ems = nearest_unit(ems_stations(), g.centre());
  g.traffic = nearest_unit(traffic_squadrons(), g.centre());
  g.hilbert = hilbert_index(8, static_cast<std::uint32_t>(col), static_cast<std::uint32_t>(row));
  return g;
}

// Zones per town in proportion to its grids (largest remainder; ties to the earlier town).
std::vector<int> allocate_zones(const std::vector<int>& grids_per_town) {
  const std::size_t n = grids_per_town.size();
  std::vector<int> zones(n);
  std::vector<std::pair<long long, std::size_t>> remainders;
  int given = 0;
  for (std::size_t t = 0; t < n; ++t) {
    const long long quota = static_cast<long long>(kZoneCount) * grids_per_town[t];
    zones[t] = static_cast<int>(quota / kGridCount);
    given += zones[t];
    remainders.emplace_back(-(quota % kGridCount), t);
  }
  std::sort(remainders.begin(), remainders.end());
  for (int i = 0; given < kZoneCount; ++i, ++given) ++zones[remainders[i].second];
  for (std::size_t t = 0; t < n; ++t) {
    if (zones[t] < 1) throw std::logic_error("allocate_zones: a town without a zone");
  }
  return zones;
}

}  // namespace

int GridMap::owner_at(int row, int col) const {
  if (row < 0 || row >= kFineRows || col < 0 || col >= kFineCols) return -1;
  return owner[static_cast<std::size_t>(row * kFineCols + col)];
}

GridMap build_grid_map(SplitMix64& rng) {
  const std::vector<Candidate> cells = select_cells();
  const std::vector<int> town_of_cell = assign_towns(cells);
  std::vector<Grid> grids;
  for (const Candidate& cell : cells) {
    const int town = town_of_cell[static_cast<std::size_t>(cell.row * kBaseCols + cell.col)];
    if (!cell.urban) {
      grids.push_back(make_grid(2 * cell.row, 2 * cell.col, 2, town));
      continue;
    }
    for (int part = 0; part < 4; ++part)
      grids.push_back(make_grid(2 * cell.row + part / 2, 2 * cell.col + part % 2, 1, town));
  }

  GridMap map;
  map.grids_per_town.assign(towns().size(), 0);
  for (const Grid& g : grids) ++map.grids_per_town[static_cast<std::size_t>(g.town)];
  map.zones_per_town = allocate_zones(map.grids_per_town);

  // Zones: first cut each town's run along the Hilbert curve into its share of zones, then hand
  // pieces of a zone cut off from its main piece to a touching zone of the same town.
  std::sort(grids.begin(), grids.end(),
            [](const Grid& a, const Grid& b) { return a.town != b.town ? a.town < b.town : a.hilbert < b.hilbert; });
  std::vector<int> zone_town;
  for (std::size_t i = 0, t = 0; t < towns().size(); ++t) {
    const int count = map.grids_per_town[t], zones = map.zones_per_town[t];
    for (int z = 0; z < zones; ++z) {
      const int size = count / zones + (z < count % zones ? 1 : 0);
      for (int k = 0; k < size; ++k, ++i) grids[i].zone = static_cast<int>(zone_town.size());
      zone_town.push_back(static_cast<int>(t));
    }
  }
  std::vector<int> zone_of_cell(static_cast<std::size_t>(kFineRows * kFineCols), -1);
  for (const Grid& g : grids) {
    for (int r = g.row; r < g.row + g.size; ++r) {
      for (int c = g.col; c < g.col + g.size; ++c) zone_of_cell[static_cast<std::size_t>(r * kFineCols + c)] = g.zone;
    }
  }
  merge_stray_pieces(zone_of_cell, kFineRows, kFineCols, [&](int from, int to) {
    return zone_town[static_cast<std::size_t>(from)] == zone_town[static_cast<std::size_t>(to)];
  });
  for (Grid& g : grids) g.zone = zone_of_cell[static_cast<std::size_t>(g.row * kFineCols + g.col)];

  // Ids run zone by zone (zones run town by town) along the Hilbert curve.
  std::sort(grids.begin(), grids.end(),
            [](const Grid& a, const Grid& b) { return a.zone != b.zone ? a.zone < b.zone : a.hilbert < b.hilbert; });
  map.grids = std::move(grids);
  const std::vector<std::string> stems = community_stems(rng, kZoneCount);
  for (std::size_t z = 0; z < zone_town.size(); ++z) {
    Zone zone;
    zone.town = zone_town[z];
    zone.community = stems[z] + (towns()[static_cast<std::size_t>(zone.town)].kind == "street" ? "社区" : "村");
    map.zones.push_back(std::move(zone));
  }
  for (std::size_t i = map.grids.size(); i-- > 0;) {
    Zone& zone = map.zones[static_cast<std::size_t>(map.grids[i].zone)];
    zone.first_grid = static_cast<int>(i);
    ++zone.grid_count;
  }

  map.owner.assign(static_cast<std::size_t>(kFineRows * kFineCols), -1);
  for (std::size_t i = 0; i < map.grids.size(); ++i) {
    const Grid& g = map.grids[i];
    for (int r = g.row; r < g.row + g.size; ++r) {
      for (int c = g.col; c < g.col + g.size; ++c)
        map.owner[static_cast<std::size_t>(r * kFineCols + c)] = static_cast<int>(i);
    }
  }
  return map;
}

std::vector<int> touching_grids(const GridMap& map, int grid) {
  const Grid& g = map.grids[static_cast<std::size_t>(grid)];
  std::vector<int> out;
  for (int r = g.row - 1; r <= g.row + g.size; ++r) {
    for (int c = g.col - 1; c <= g.col + g.size; ++c) {
      const int o = map.owner_at(r, c);
      if (o >= 0 && o != grid) out.push_back(o);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

int town_pieces(const GridMap& map, int town) {
  std::vector<int> label(map.owner.size(), -1);
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (map.owner[i] >= 0 && map.grids[static_cast<std::size_t>(map.owner[i])].town == town) label[i] = 0;
  }
  return static_cast<int>(find_pieces(label, kFineRows, kFineCols).cells.size());
}

int zone_pieces(const GridMap& map, int zone) {
  std::vector<int> label(map.owner.size(), -1);
  for (std::size_t i = 0; i < label.size(); ++i) {
    if (map.owner[i] >= 0 && map.grids[static_cast<std::size_t>(map.owner[i])].zone == zone) label[i] = 0;
  }
  return static_cast<int>(find_pieces(label, kFineRows, kFineCols).cells.size());
}

std::string grid_id(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "G%05d", index + 1);
  return buf;
}

std::string zone_id(int index) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "Z%03d", index + 1);
  return buf;
}

}  // namespace liandong::gen
