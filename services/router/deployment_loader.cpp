// Loads a deployment directory file by file (deployment_files.hpp), each strictly: towns.toml,
// units.toml, categories.toml and merge.toml here; the grid map, workflows and routing in their
// own files.
#include "services/router/deployment_loader.hpp"

#include <sodium.h>
#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <sstream>
#include <tuple>

#include "core/config.hpp"
#include "services/router/deployment_files.hpp"

namespace liandong::router {

namespace files {

Status bad_line(const std::string& file, std::size_t line, const std::string& what) {
  return {ErrorCode::kConfig, file + ":" + std::to_string(line) + ": " + what};
}

namespace {

bool is_name_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }

bool is_name(std::string_view s) {
  return !s.empty() && s.front() >= 'a' && s.front() <= 'z' && std::all_of(s.begin(), s.end(), is_name_char);
}

std::string where_of(const std::string& file, const toml::table& t, const char* key) {
  const toml::node* n = t.get(key);
  return n != nullptr ? config_where(file, *n) : config_where(file, t);
}

// Calls `entry` with a section for each table of an array of tables ("[[unit]]"); anything else
// in the array is an error.
Status each_table(const std::string& file, const toml::array* list, const std::string& name,
                  const std::function<Status(ConfigSection&, const toml::table&)>& entry) {
  if (list == nullptr) return Status::Ok();
  for (const toml::node& node : *list) {
    const toml::table* t = node.as_table();
    if (t == nullptr) return {ErrorCode::kConfig, config_where(file, node) + ": [[" + name + "]] entries must be tables"};
    ConfigSection section(t, file, name);
    if (auto s = entry(section, *t); !s.ok()) return s;
    if (auto s = section.finish(); !s.ok()) return s;
  }
  return Status::Ok();
}

// lat and lon, both or neither; inside the map (with `margin_deg` around it). A latitude outside
// -90..90 whose longitude would be a latitude is reported as probably swapped.
std::optional<GeoPoint> read_point(ConfigSection& section, const MapExtent& extent, double margin_deg) {
  double lat = 1e9, lon = 1e9;
  section.read("lat", lat);
  section.read("lon", lon);
  if (!section.ok() || (lat == 1e9 && lon == 1e9)) return std::nullopt;
  if (lat == 1e9 || lon == 1e9) {
    section.reject(lat == 1e9 ? "lon" : "lat", "lat and lon go together: give both or neither");
    return std::nullopt;
  }
  const GeoPoint p{lat, lon};
  if (lat < -90 || lat > 90) {
    section.reject("lat", std::string("a latitude must be within -90..90") +
                              (lon >= -90 && lon <= 90 ? " (lat and lon swapped?)" : ""));
  } else if (lon < -180 || lon > 180) {
    section.reject("lon", "a longitude must be within -180..180");
  } else if (!extent.contains(p, margin_deg)) {
    section.reject("lat", "the point (" + std::to_string(lat) + ", " + std::to_string(lon) +
                              ") is outside the map of towns.toml [map]" +
                              (extent.contains(GeoPoint{lon, lat}, margin_deg) ? " (lat and lon swapped?)" : ""));
  }
  return p;
}

void read_count(ConfigSection& section, const toml::table& t, const std::string& file, const char* key,
                DeclaredCount& out) {
  section.require(key);
  section.read(key, out.value, 0, 10'000'000);
  out.where = where_of(file, t, key);
}

Status load_map(LoadContext& ctx, const std::string& file, const toml::table* map) {
  ConfigSection m(map, file, "map");
  for (const char* key : {"towns", "zones", "grids", "households"}) {
    if (map != nullptr) read_count(m, *map, file, key, ctx.map_counts[key]);
  }
  for (auto [key, out, lo, hi] : {std::tuple{"lat_min", &ctx.extent.lat_min, -90.0, 90.0},
                                  std::tuple{"lat_max", &ctx.extent.lat_max, -90.0, 90.0},
                                  std::tuple{"lon_min", &ctx.extent.lon_min, -180.0, 180.0},
                                  std::tuple{"lon_max", &ctx.extent.lon_max, -180.0, 180.0}}) {
    m.require(key);
    m.read(key, *out, lo, hi);
  }
  if (m.ok() && ctx.extent.lat_min >= ctx.extent.lat_max) m.reject("lat_max", "must be greater than lat_min");
  if (m.ok() && ctx.extent.lon_min >= ctx.extent.lon_max) m.reject("lon_max", "must be greater than lon_min");
  return m.finish();
}

}  // namespace

bool is_dotted_id(const std::string& id) {
  const auto dot = id.find('.');
  if (dot == std::string::npos) return false;
  const std::string_view kind = std::string_view(id).substr(dot + 1);  // "110" in "supervisor.110"
  return is_name(std::string_view(id).substr(0, dot)) && !kind.empty() && std::all_of(kind.begin(), kind.end(), is_name_char);
}

Status load_towns(LoadContext& ctx) {
  const std::string file = ctx.file("towns.toml");
  auto doc = load_toml_file(file);
  if (!doc.ok()) return doc.status();
  ConfigSection top(&*doc, file, "");
  for (const char* key : {"map", "town", "zone"}) top.require(key);
  const toml::table* map = top.table("map");
  const toml::array* towns = top.array("town");
  const toml::array* gaps = top.array("gap");
  const toml::array* zones = top.array("zone");
  if (auto s = top.finish(); !s.ok()) return s;
  if (auto s = load_map(ctx, file, map); !s.ok()) return s;

  auto s = each_table(file, towns, "town", [&](ConfigSection& t, const toml::table& table) -> Status {
    std::string id, name, name_en, kind;
    TownEntry town;
    for (const char* key : {"id", "police", "citymgmt"}) t.require(key);
    t.read("id", id);
    t.read("name", name);
    t.read("name_en", name_en);
    t.read("kind", kind);
    t.read("police", town.police);
    t.read("citymgmt", town.citymgmt);
    read_count(t, table, file, "zones", town.zones);
    read_count(t, table, file, "grids", town.grids);
    (void)read_point(t, ctx.extent, 0);
    if (!t.ok()) return Status::Ok();  // finish() reports it
    if (!is_name(id)) t.reject("id", "a town id is lower case letters, digits and '_'");
    if (!kind.empty() && kind != "street" && kind != "town" && kind != "township") {
      t.reject("kind", "is not \"street\", \"town\" or \"township\"");
    }
    town.police_where = where_of(file, table, "police");
    town.citymgmt_where = where_of(file, table, "citymgmt");
    if (t.ok() && !ctx.towns.emplace(id, town).second) t.reject("id", "town '" + id + "' appears twice");
    return Status::Ok();
  });
  if (!s.ok()) return s;

  s = each_table(file, gaps, "gap", [&](ConfigSection& g, const toml::table&) -> Status {
    std::string name;
    double radius = 0;
    g.read("name", name);
    g.read("name_en", name);
    g.read("radius_m", radius, 0, 1e6);
    (void)read_point(g, ctx.extent, 0);
    return Status::Ok();
  });
  if (!s.ok()) return s;

  return each_table(file, zones, "zone", [&](ConfigSection& z, const toml::table& table) -> Status {
    std::string id;
    ZoneEntry zone;
    for (const char* key : {"id", "town"}) z.require(key);
    z.read("id", id);
    z.read("town", zone.town);
    z.read("community", zone.community);
    z.read("first_grid", zone.first_grid);
    z.read("last_grid", zone.last_grid);
    read_count(z, table, file, "grids", zone.grids);
    zone.where = config_where(file, table);
    if (!z.ok()) return Status::Ok();
    if (!ctx.towns.contains(zone.town)) z.reject("town", "no [[town]] of towns.toml has this id");
    if (z.ok() && !ctx.zones.emplace(id, zone).second) z.reject("id", "zone '" + id + "' appears twice");
    return Status::Ok();
  });
}

Status load_units(LoadContext& ctx) {
  const std::string file = ctx.file("units.toml");
  auto doc = load_toml_file(file);
  if (!doc.ok()) return doc.status();
  Deployment& d = ctx.d;
  ConfigSection top(&*doc, file, "");
  top.require("agency");
  top.require("unit");
  const toml::array* agencies = top.array("agency");
  const toml::array* units = top.array("unit");
  if (auto s = top.finish(); !s.ok()) return s;

  auto s = each_table(file, agencies, "agency", [&](ConfigSection& a, const toml::table&) -> Status {
    std::string id, name;
    a.require("id");
    a.read("id", id);
    a.read("name", name);
    a.read("name_en", name);
    if (a.ok() && !is_name(id)) a.reject("id", "an agency id is lower case letters, digits and '_'");
    if (a.ok() && !ctx.agencies.insert(id).second) a.reject("id", "agency '" + id + "' appears twice");
    return Status::Ok();
  });
  if (!s.ok()) return s;

  s = each_table(file, units, "unit", [&](ConfigSection& section, const toml::table&) -> Status {
    Unit u;
    std::vector<std::string> towns;
    std::string name_en;
    section.require("id");
    section.read("id", u.id);
    section.read("agency", u.agency);
    section.read("name", u.name);
    section.read("name_en", name_en);
    section.read("towns", towns);
    // A unit may be a little outside the city (a station across the boundary), not kilometres.
    constexpr double kUnitMarginDeg = 0.5;
    u.location = read_point(section, ctx.extent, kUnitMarginDeg);
    if (!section.ok()) return Status::Ok();
    if (!is_dotted_id(u.id)) {
      section.reject("id", "a unit id is \"<agency>.<name>\", lower case letters, digits and '_'");
      return Status::Ok();
    }
    const std::string prefix = u.id.substr(0, u.id.find('.'));
    if (u.agency.empty()) u.agency = prefix;
    if (u.agency != prefix) section.reject("agency", "a unit's agency is the part of its id before the dot, '" + prefix + "'");
    if (!ctx.agencies.contains(u.agency)) section.reject("id", "agency '" + u.agency + "' is not an [[agency]] of units.toml");
    for (const auto& town : towns) {
      if (town != "*" && !ctx.towns.contains(town)) section.reject("towns", "'" + town + "' is not a town of towns.toml");
    }
    if (u.name.empty()) u.name = u.id;
    if (section.ok() && d.units.contains(u.id)) section.reject("id", "unit '" + u.id + "' appears twice");
    if (!section.ok()) return Status::Ok();
    if (u.agency == "supervisor") d.supervisors[u.id.substr(u.id.find('.') + 1)] = u.id;
    d.units[u.id] = std::move(u);
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (!d.units.contains(d.command_centre)) return {ErrorCode::kConfig, file + ": has no unit '" + d.command_centre + "'"};

  // towns.toml names each town's police station and city-management squad.
  for (const auto& [id, town] : ctx.towns) {
    for (auto [unit, where, agency] : {std::tuple{&town.police, &town.police_where, "police"},
                                       std::tuple{&town.citymgmt, &town.citymgmt_where, "citymgmt"}}) {
      const Unit* u = d.unit(*unit);
      if (u == nullptr || u->agency != agency) {
        return {ErrorCode::kConfig, *where + ": town '" + id + "': " + agency + " = \"" + *unit + "\" is not a " +
                                        agency + " unit of units.toml"};
      }
    }
  }
  return Status::Ok();
}

Status load_categories(LoadContext& ctx) {
  const std::string file = ctx.file("categories.toml");
  auto doc = load_toml_file(file);
  if (!doc.ok()) return doc.status();
  ConfigSection top(&*doc, file, "");
  top.require("category");
  const toml::array* families = top.array("family");
  const toml::array* categories = top.array("category");
  if (auto s = top.finish(); !s.ok()) return s;

  auto s = each_table(file, families, "family", [&](ConfigSection& f, const toml::table&) -> Status {
    std::string id, text;
    f.require("id");
    f.read("id", id);
    f.read("name", text);
    f.read("description", text);
    if (f.ok() && !is_name(id)) f.reject("id", "a family id is lower case letters, digits and '_'");
    if (f.ok() && !ctx.families.insert(id).second) f.reject("id", "family '" + id + "' appears twice");
    return Status::Ok();
  });
  if (!s.ok()) return s;

  return each_table(file, categories, "category", [&](ConfigSection& section, const toml::table&) -> Status {
    Category c;
    std::string text;
    std::int64_t priority = 0;
    section.require("id");
    section.require("priority");
    section.read("id", c.id);
    section.read("family", c.family);
    section.read("priority", priority, 1, 4);
    section.read("name", text);
    section.read("description", text);
    if (!section.ok()) return Status::Ok();
    if (!is_dotted_id(c.id)) {
      section.reject("id", "a category id is \"<group>.<kind>\": lower case letters, digits and '_', exactly one dot");
      return Status::Ok();
    }
    if (c.family.empty()) c.family = c.id.substr(0, c.id.find('.'));
    if (!ctx.families.empty() && !ctx.families.contains(c.family)) {
      section.reject("family", "family '" + c.family + "' is not a [[family]] of categories.toml");
    }
    c.default_priority = static_cast<int>(priority);
    if (section.ok() && ctx.d.categories.contains(c.id)) section.reject("id", "category '" + c.id + "' appears twice");
    if (section.ok()) ctx.d.categories[c.id] = std::move(c);
    return Status::Ok();
  });
}

// merge.toml: one [family.<id>] per family of categories.toml. Its keys are read in
// read_merge_family below; a new key is one more section.read line there.
Status load_merge(LoadContext& ctx) {
  const std::string file = ctx.file("merge.toml");
  auto doc = load_toml_file(file);
  if (!doc.ok()) return doc.status();
  ConfigSection top(&*doc, file, "");
  const toml::table* families = top.table("family");
  if (auto s = top.finish(); !s.ok()) return s;
  if (families == nullptr) return Status::Ok();
  for (const auto& [key, node] : *families) {
    const std::string name(key.str());
    ConfigSection section(node.as_table(), file, "family." + name);
    if (node.as_table() == nullptr) {
      return {ErrorCode::kConfig, config_where(file, node) + ": family." + name + " must be a table"};
    }
    bool enabled = false;
    std::int64_t window_minutes = 0;
    MergeWindow w;
    // The keys of a [family.<id>] table:
    for (const char* key : {"enabled", "distance_m", "window_minutes"}) section.require(key);
    section.read("enabled", enabled);
    section.read("distance_m", w.distance_m, 0, 1e6);
    section.read("window_minutes", window_minutes, 0, 10 * 24 * 60);
    section.read("same_household", w.same_household);
    section.read("same_category", w.same_category);
    // mode and link_categories: whether a nearby report is the same incident or only possibly
    // related (merge.toml's header says which one each family is, and why).
    std::string mode = "merge";
    std::vector<std::string> link_categories;
    section.read("mode", mode);
    section.read("link_categories", link_categories);
    if (mode != "merge" && mode != "link") {
      section.reject("mode", "must be \"merge\" (the same incident, not dispatched again) or \"link\" "
                             "(possibly related: dispatched and linked on the trail)");
    }
    w.mode = mode == "link" ? MergeMode::kLink : MergeMode::kMerge;
    if (w.mode == MergeMode::kLink && !link_categories.empty()) {
      section.reject("link_categories", "is for mode = \"merge\" families: in a link family every category links");
    }
    const bool known_family = ctx.families.empty() || ctx.families.contains(name);  // refused below otherwise
    for (const auto& id : known_family ? link_categories : std::vector<std::string>{}) {
      auto c = ctx.d.categories.find(id);
      if (c == ctx.d.categories.end() || c->second.family != name) {
        section.reject("link_categories", "names '" + id + "', which is not a category of the " + name +
                                              " family in categories.toml");
        break;
      }
      w.link_categories.insert(id);
    }
    w.window_ms = window_minutes * 60'000;
    if (section.ok() && !ctx.families.empty() && !ctx.families.contains(name)) {
      return {ErrorCode::kConfig, config_where(file, node) + ": [family." + name +
                                      "]: '" + name + "' is not a [[family]] of categories.toml"};
    }
    if (auto s = section.finish(); !s.ok()) return s;
    if (enabled) ctx.d.merge_windows[name] = w;
  }
  return Status::Ok();
}

}  // namespace files

Result<Deployment> load_deployment(const std::string& directory) {
  files::LoadContext ctx;
  ctx.dir = directory;
  if (!files::fs::is_directory(ctx.dir)) {
    return Status(ErrorCode::kConfig, "deployment directory '" + directory + "' does not exist");
  }
  // In dependency order: each file is checked against the ones before it.
  for (auto load : {files::load_towns, files::load_units, files::load_grids, files::load_households,
                    files::load_categories, files::load_workflows, files::load_routing, files::load_merge}) {
    if (auto s = load(ctx); !s.ok()) return s;
  }
  // Every file the loaders above read, in that order: the version changes with any of them.
  static const std::vector<std::string> kFiles = {"towns.toml",      "units.toml",     "grids.csv",
                                                  "households.csv",  "categories.toml", "workflows.toml",
                                                  "routing.toml",    "merge.toml"};
  auto version = deployment_version(directory, kFiles);
  if (!version.ok()) return version.status();
  ctx.d.version = std::move(*version);
  return std::move(ctx.d);
}

Result<std::string> deployment_version(const std::string& directory, const std::vector<std::string>& files) {
  if (sodium_init() < 0) return Status(ErrorCode::kInternal, "libsodium failed to initialise");
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  const auto feed = [&](std::string_view bytes) {
    crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  };
  for (const auto& name : files) {
    const auto path = files::fs::path(directory) / name;
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status(ErrorCode::kConfig, path.string() + ": cannot be read");
    std::ostringstream whole;
    whole << in.rdbuf();  // one bulk copy: a character-by-character read costs seconds unoptimised
    const std::string content = std::move(whole).str();
    // Name and length before the bytes, so that no two different sets of files hash alike.
    const std::string head = name + '\0' + std::to_string(content.size()) + '\0';
    feed(head);
    feed(content);
  }
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256_final(&state, digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned char b : digest) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xf]);
  }
  return hex;
}

}  // namespace liandong::router
