// Writing the generated deployment: towns.toml, units.toml, grids.csv and households.csv
// (formats in config/zhuji/README.md). Output is plain ASCII/UTF-8 with "\n" line ends, built from
// integers only, so it is the same byte for byte wherever the generator runs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tools/gen_zhuji/grid_map.hpp"
#include "tools/gen_zhuji/households.hpp"

namespace liandong::gen {

std::string towns_toml(const GridMap& map, const std::vector<Household>& households);
std::string units_toml(const GridMap& map);
std::string grids_csv(const GridMap& map);
std::string households_csv(const std::vector<Household>& households);

// Writes the four files into `dir` (created if missing). Throws std::runtime_error naming the
// file on failure.
void write_deployment(const std::filesystem::path& dir, const GridMap& map, const std::vector<Household>& households);

}  // namespace liandong::gen
