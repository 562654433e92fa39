// liandong-gen-zhuji: writes the generated part of the default Zhuji deployment (towns.toml,
// units.toml, grids.csv, households.csv) into a directory, the same bytes on every run.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "tools/gen_zhuji/grid_map.hpp"
#include "tools/gen_zhuji/households.hpp"
#include "tools/gen_zhuji/write_files.hpp"
#include "tools/gen_zhuji/zhuji_tables.hpp"

namespace {

constexpr std::uint64_t kSeed = 0x5A4855'4A49'2011ULL;  // "ZHUJI" 2011, the seed document's year

// One character per rural-sized cell, north at the top: a town letter, '.' for no grid.
void print_map(const liandong::gen::GridMap& map) {
  using namespace liandong::gen;
  for (int r = kFineRows - 2; r >= 0; r -= 2) {
    std::string line;
    for (int c = 0; c < kFineCols; c += 2) {
      const int g = map.owner_at(r, c);
      if (g < 0) {
        line += '.';
      } else {
        const int t = map.grids[static_cast<std::size_t>(g)].town;
        line += static_cast<char>(t < 26 ? 'a' + t : 'A' + (t - 26));
      }
    }
    std::printf("%s\n", line.c_str());
  }
}

void print_summary(const liandong::gen::GridMap& map, std::size_t households) {
  using namespace liandong::gen;
  std::printf("%-12s %6s %5s %6s\n", "town", "grids", "zones", "pieces");
  for (std::size_t t = 0; t < towns().size(); ++t) {
    std::printf("%-12s %6d %5d %6d\n", std::string(towns()[t].id).c_str(), map.grids_per_town[t], map.zones_per_town[t],
                town_pieces(map, static_cast<int>(t)));
  }
  int split_zones = 0;
  for (std::size_t z = 0; z < map.zones.size(); ++z) split_zones += zone_pieces(map, static_cast<int>(z)) > 1 ? 1 : 0;
  std::printf("zones in more than one piece: %d\n", split_zones);
  std::printf("%zu towns, %zu zones, %zu grids, %zu households\n", towns().size(), map.zones.size(), map.grids.size(),
              households);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Write the generated Zhuji deployment (towns, units, grids, households) deterministically"};
  std::string out = "config/zhuji";
  bool map_only = false;
  bool quiet = false;
  app.add_option("--out", out, "output directory")->capture_default_str();
  app.add_flag("--print-map", map_only, "print an ASCII map of the towns and write nothing");
  app.add_flag("-q,--quiet", quiet, "print nothing on success");
  CLI11_PARSE(app, argc, argv);
  try {
    liandong::gen::SplitMix64 rng(kSeed);
    const liandong::gen::GridMap map = liandong::gen::build_grid_map(rng);
    if (map_only) {
      print_map(map);
      return 0;
    }
    const auto households = liandong::gen::build_households(map, rng);
    liandong::gen::write_deployment(out, map, households);
    if (!quiet) print_summary(map, households.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "liandong-gen-zhuji: %s\n", e.what());
    return 1;
  }
  return 0;
}
