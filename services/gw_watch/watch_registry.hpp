// What the watch gateway knows about the deployment: the household registry (households.csv,
// the same file the router loads), each grid's town and police station (grids.csv), the towns
// (towns.toml), and the number-prefix table that places an unregistered caller (watch.toml).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.hpp"

namespace liandong::watch {

struct Household {
  std::string id;
  std::string phone;  // personal data
  std::string grid;
  std::vector<std::string> neighbours;
};

struct GridInfo {
  std::string id;
  std::string town;
  std::string police;  // unit id
};

// Where an alarm is placed.
struct Placement {
  std::string grid;
  std::string town;
  std::string how;  // "household", "number prefix 0575870 (jiyang)", "relay area G00017", ...
};

// Digits only, without a leading international prefix (+86 / 0086): "+86 150-0575-2171" ->
// "15005752171".
std::string normalize_number(std::string_view number);

class WatchRegistry {
 public:
  // Loads households.csv, grids.csv and towns.toml from `deployment_dir`, and the prefix table
  // from `prefix_file` when not empty (absent file: no prefixes). Errors name file and line.
  static Result<WatchRegistry> load(const std::string& deployment_dir, const std::string& prefix_file);

  const Household* household(std::string_view id) const;
  const Household* household_by_number(std::string_view number) const;  // any format
  const GridInfo* grid(std::string_view id) const;
  bool is_town(std::string_view id) const { return town_grid_.contains(std::string(id)); }
  // The grid that stands for a town: the grid containing the town's centre, else the town's first
  // grid in id order.
  std::optional<std::string> town_grid(std::string_view town) const;
  // The town of a number by the longest matching prefix of its normalized digits.
  std::optional<std::string> town_for_number(std::string_view number) const;
  // A relay's area (grid id or town id) as a grid and its town; nullopt when neither.
  std::optional<Placement> place_area(std::string_view area) const;

  std::size_t household_count() const { return households_.size(); }
  std::size_t grid_count() const { return grids_.size(); }
  std::size_t prefix_count() const { return prefixes_.size(); }

  // For tests and small deployments built in code.
  void add_household(Household h);
  void add_grid(GridInfo g);
  void add_town(const std::string& town, const std::string& grid) { town_grid_[town] = grid; }
  void add_prefix(const std::string& prefix, const std::string& town) { prefixes_[prefix] = town; }

 private:
  std::unordered_map<std::string, Household> households_;
  std::unordered_map<std::string, std::string> by_number_;  // normalized phone -> household id
  std::unordered_map<std::string, GridInfo> grids_;
  std::map<std::string, std::string> town_grid_;
  std::map<std::string, std::string> prefixes_;  // digits -> town
};

}  // namespace liandong::watch
