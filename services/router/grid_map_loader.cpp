// grids.csv and households.csv of a deployment (formats in config/zhuji/README.md): every cell
// checked against towns.toml and units.toml, the grids' shapes (grid_map_check), and the counts
// towns.toml declares. Errors name the file, the line, the column and the value.
#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>

#include "services/router/deployment_files.hpp"
#include "services/router/grid_map_check.hpp"

namespace liandong::router::files {

namespace {

constexpr const char* kGridRoles[] = {"police", "fire", "ems", "traffic", "citymgmt"};  // columns 4..8

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

bool is_plain_id(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// Reads every data line of a CSV file (our generator's: no quoting, no embedded commas) after
// checking its header.
Status read_csv(const std::string& file, const std::string& header,
                const std::function<Status(const std::vector<std::string>&, std::size_t)>& row) {
  std::ifstream in(file);
  if (!in) return {ErrorCode::kConfig, file + ": cannot be read"};
  std::string line;
  if (!std::getline(in, line) || line != header) return bad_line(file, 1, "the header must be '" + header + "'");
  const std::size_t columns = split(header, ',').size();
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto cells = split(line, ',');
    if (cells.size() != columns) {
      return bad_line(file, number, std::to_string(cells.size()) + " columns, not " + std::to_string(columns));
    }
    if (auto s = row(cells, number); !s.ok()) return s;
  }
  return Status::Ok();
}

std::optional<double> number(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "lon lat" (longitude first, as in WKT).
Result<GeoPoint> vertex(const std::string& text, const MapExtent& extent) {
  const auto parts = split(text, ' ');
  const auto lon = parts.size() == 2 ? number(parts[0]) : std::nullopt;
  const auto lat = parts.size() == 2 ? number(parts[1]) : std::nullopt;
  if (!lon || !lat) return Status(ErrorCode::kConfig, "'" + text + "' is not \"<lon> <lat>\"");
  const GeoPoint p{*lat, *lon};
  if (*lat < -90 || *lat > 90 || !extent.contains(p)) {
    const bool swapped = extent.contains(GeoPoint{*lon, *lat});
    return Status(ErrorCode::kConfig, "'" + text + "' is outside the map of towns.toml [map]" +
                                          (swapped ? " (latitude written first? the order is \"<lon> <lat>\")" : ""));
  }
  return p;
}

Status read_grid(LoadContext& ctx, const std::string& file, const std::vector<std::string>& c, std::size_t line) {
  Grid g{c[0], c[1], c[2], c[3], {}, {}};
  const auto fail = [&](const std::string& column, const std::string& value, const std::string& why) {
    return bad_line(file, line, "grid " + g.id + ": column '" + column + "' = '" + value + "': " + why);
  };
  if (!is_plain_id(g.id)) return fail("id", g.id, "an id is letters, digits, '_' and '-'");
  auto zone = ctx.zones.find(g.zone);
  if (zone == ctx.zones.end()) return fail("zone", g.zone, "no [[zone]] of towns.toml has this id");
  auto town = ctx.towns.find(g.town);
  if (town == ctx.towns.end()) return fail("town", g.town, "no [[town]] of towns.toml has this id");
  if (zone->second.town != g.town) {
    return fail("town", g.town, "zone " + g.zone + " is in town '" + zone->second.town + "' (" + zone->second.where + ")");
  }
  for (std::size_t r = 0; r < std::size(kGridRoles); ++r) {
    const std::string role = kGridRoles[r];
    const std::string& unit = c[4 + r];
    const Unit* u = ctx.d.unit(unit);
    if (u == nullptr) return fail(role, unit, "no such unit in units.toml");
    if (u->agency != role) return fail(role, unit, "a " + u->agency + " unit in the " + role + " column");
    g.units[role] = unit;
  }
  if (g.units["police"] != town->second.police) {
    return fail("police", g.units["police"], "town " + g.town + "'s police is '" + town->second.police + "' (" +
                                                 town->second.police_where + ")");
  }
  if (g.units["citymgmt"] != town->second.citymgmt) {
    return fail("citymgmt", g.units["citymgmt"], "town " + g.town + "'s city management is '" + town->second.citymgmt +
                                                     "' (" + town->second.citymgmt_where + ")");
  }
  for (const auto& text : split(c[9], ';')) {
    auto p = vertex(text, ctx.extent);
    if (!p.ok()) return fail("polygon_lon_lat", text, p.status().message());
    g.polygon.push_back(*p);
  }
  if (g.polygon.size() < 3) return fail("polygon_lon_lat", c[9], "a polygon needs at least 3 vertices");
  if (!ctx.grid_line.emplace(g.id, line).second) {
    return bad_line(file, line, "grid " + g.id + " appears twice (first on line " + std::to_string(ctx.grid_line[g.id]) + ")");
  }
  ctx.d.grids.emplace(g.id, std::move(g));
  return Status::Ok();
}

Status check_count(const DeclaredCount& declared, std::size_t found, const std::string& what) {
  if (declared.value == static_cast<std::int64_t>(found)) return Status::Ok();
  return {ErrorCode::kConfig, declared.where + ": " + what + " = " + std::to_string(declared.value) + ", but " +
                                  std::to_string(found) + " are listed"};
}

// What towns.toml says of the grids: [map].grids, [map].towns, [map].zones, every town's and
// zone's grid count, every town's zone count, and each zone's first and last grid.
Status check_grid_counts(const LoadContext& ctx) {
  std::map<std::string, std::size_t> in_zone, in_town;
  for (const auto& [id, g] : ctx.d.grids) {
    ++in_zone[g.zone];
    ++in_town[g.town];
  }
  std::map<std::string, std::size_t> zones_of_town;
  for (const auto& [id, zone] : ctx.zones) {
    ++zones_of_town[zone.town];
    if (auto s = check_count(zone.grids, in_zone[id], "zone " + id + ": grids"); !s.ok()) return s;
    for (const auto& grid : {zone.first_grid, zone.last_grid}) {
      const Grid* g = ctx.d.grid(grid);
      if (!grid.empty() && (g == nullptr || g->zone != id)) {
        return {ErrorCode::kConfig, zone.where + ": zone " + id + " names grid '" + grid + "' as its first or last, " +
                                        (g == nullptr ? "not a grid of grids.csv" : "a grid of zone " + g->zone)};
      }
    }
  }
  for (const auto& [id, town] : ctx.towns) {
    if (auto s = check_count(town.grids, in_town[id], "town " + id + ": grids"); !s.ok()) return s;
    if (auto s = check_count(town.zones, zones_of_town[id], "town " + id + ": zones"); !s.ok()) return s;
  }
  const std::pair<const char*, std::size_t> totals[] = {
      {"grids", ctx.d.grids.size()}, {"zones", ctx.zones.size()}, {"towns", ctx.towns.size()}};
  for (const auto& [key, found] : totals) {
    if (auto it = ctx.map_counts.find(key); it != ctx.map_counts.end()) {
      if (auto s = check_count(it->second, found, std::string("[map] ") + key); !s.ok()) return s;
    }
  }
  return Status::Ok();
}

}  // namespace

Status load_grids(LoadContext& ctx) {
  const std::string file = ctx.file("grids.csv");
  auto s = read_csv(file, "id,zone,town,community,police,fire,ems,traffic,citymgmt,polygon_lon_lat",
                    [&](const std::vector<std::string>& c, std::size_t line) { return read_grid(ctx, file, c, line); });
  if (!s.ok()) return s;
  if (ctx.d.grids.empty()) return {ErrorCode::kConfig, file + ": has no grids"};
  if (auto problem = check_grid_shapes(ctx.d.grids)) {
    const std::string& grid = problem->grid;
    return bad_line(file, ctx.grid_line.at(grid),
                    "grid " + grid + ": column 'polygon_lon_lat': " + problem->why +
                        (problem->other.empty() ? "" : " (line " + std::to_string(ctx.grid_line.at(problem->other)) + ")"));
  }
  return check_grid_counts(ctx);
}

Status load_households(LoadContext& ctx) {
  const std::string file = ctx.file("households.csv");
  Deployment& d = ctx.d;
  std::map<std::string, std::size_t> line_of;
  auto s = read_csv(file, "id,phone,grid,neighbours", [&](const std::vector<std::string>& c, std::size_t line) -> Status {
    const auto fail = [&](const std::string& column, const std::string& value, const std::string& why) {
      return bad_line(file, line, "household " + c[0] + ": column '" + column + "' = '" + value + "': " + why);
    };
    if (!is_plain_id(c[0])) return fail("id", c[0], "an id is letters, digits, '_' and '-'");
    const bool digits = !c[1].empty() && std::all_of(c[1].begin(), c[1].end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    if (!digits) return fail("phone", c[1], "a phone number is digits only");
    if (!d.grids.contains(c[2])) return fail("grid", c[2], "no such grid in grids.csv");
    if (!line_of.emplace(c[0], line).second) {
      return fail("id", c[0], "appears twice (first on line " + std::to_string(line_of[c[0]]) + ")");
    }
    if (!d.household_by_phone.emplace(c[1], c[0]).second) {
      return fail("phone", c[1], "is household " + d.household_by_phone[c[1]] + "'s too");
    }
    Household h{c[0], c[1], c[2], {}};
    for (auto& n : split(c[3], ';')) {
      if (!n.empty()) h.neighbours.push_back(std::move(n));
    }
    d.households[h.id] = std::move(h);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  for (const auto& [id, h] : d.households) {
    for (const auto& n : h.neighbours) {
      if (n == id || !d.households.contains(n)) {
        return bad_line(file, line_of[id], "household " + id + ": column 'neighbours' names '" + n + "', " +
                                               (n == id ? "itself" : "not a household of households.csv"));
      }
    }
  }
  if (auto it = ctx.map_counts.find("households"); it != ctx.map_counts.end()) {
    return check_count(it->second, d.households.size(), "[map] households");
  }
  return Status::Ok();
}

}  // namespace liandong::router::files
