// Internal to deployment_loader: the loaders of the deployment's files, each strict (unknown keys,
// wrong types and unknown names refused with file:line, key and value), and what one file's
// loader leaves for the next one's cross-checks. Not for use outside services/router.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "core/status.hpp"
#include "services/router/deployment.hpp"

namespace liandong::router::files {

namespace fs = std::filesystem;

// The extent [map] of towns.toml gives: every grid vertex lies inside it.
struct MapExtent {
  double lat_min = -90, lat_max = 90, lon_min = -180, lon_max = 180;
  bool contains(const GeoPoint& p, double margin_deg = 0) const {
    return p.lat >= lat_min - margin_deg && p.lat <= lat_max + margin_deg && p.lon >= lon_min - margin_deg &&
           p.lon <= lon_max + margin_deg;
  }
};

// A count a file declares ([map].grids, a town's zones), with where it was written.
struct DeclaredCount {
  std::int64_t value = 0;
  std::string where;  // "towns.toml:8"
};

struct TownEntry {
  DeclaredCount zones, grids;
  std::string police, police_where;
  std::string citymgmt, citymgmt_where;
};

struct ZoneEntry {
  std::string town;
  std::string community;
  std::string first_grid, last_grid;
  DeclaredCount grids;
  std::string where;
};

struct LoadContext {
  fs::path dir;
  Deployment d;
  // towns.toml
  MapExtent extent;
  std::map<std::string, DeclaredCount> map_counts;  // "towns", "zones", "grids", "households"
  std::map<std::string, TownEntry> towns;
  std::map<std::string, ZoneEntry> zones;
  // units.toml
  std::set<std::string> agencies;
  // grids.csv, households.csv: where each was defined, for errors found later
  std::map<std::string, std::size_t> grid_line;
  // categories.toml
  std::set<std::string> families;

  std::string file(const char* name) const { return (dir / name).string(); }
};

// Each loads one file into ctx.d, after the files it depends on (the order of load_deployment).
Status load_towns(LoadContext& ctx);       // towns.toml
Status load_units(LoadContext& ctx);       // units.toml (and towns.toml's police/citymgmt)
Status load_grids(LoadContext& ctx);       // grids.csv (and towns.toml's counts)
Status load_households(LoadContext& ctx);  // households.csv
Status load_categories(LoadContext& ctx);  // categories.toml
Status load_workflows(LoadContext& ctx);   // workflows.toml
Status load_routing(LoadContext& ctx);     // routing.toml (precedence, ambiguity, coverage)
Status load_merge(LoadContext& ctx);       // merge.toml

// "<file>:<line>: <what>".
Status bad_line(const std::string& file, std::size_t line, const std::string& what);

// A unit or category id: "<group>.<name>", lower case letters, digits and '_' on each side of
// exactly one dot ("police.ps01", "fire.building").
bool is_dotted_id(const std::string& id);

}  // namespace liandong::router::files
