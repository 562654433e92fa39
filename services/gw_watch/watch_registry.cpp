// Loading the deployment files the watch gateway needs (config/zhuji/README.md describes their
// formats; watch.toml is described in docs/gateways.md, "## watch").
#include "services/gw_watch/watch_registry.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/config.hpp"

namespace liandong::watch {
namespace {

std::vector<std::string> split(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(sep, start);
    out.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return out;
}

Status file_error(const std::string& path, std::size_t line, const std::string& why) {
  return {ErrorCode::kConfig, path + ":" + std::to_string(line) + ": " + why};
}

// Reads a CSV with a header into rows of at least `columns` fields; `row` is called per data line.
template <class F>
Status read_csv(const std::string& path, std::size_t columns, F row) {
  std::ifstream in(path);
  if (!in) return {ErrorCode::kConfig, "cannot read " + path};
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (n == 1 || line.empty()) continue;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fields = split(line, ',');
    if (fields.size() < columns) {
      return file_error(path, n, "expected " + std::to_string(columns) + " columns, got " + std::to_string(fields.size()));
    }
    if (auto s = row(fields, n); !s.ok()) return s;
  }
  return Status::Ok();
}

// Ray casting: true when (lon, lat) is inside the polygon "lon lat;lon lat;...".
bool polygon_contains(const std::string& polygon, double lon, double lat) {
  std::vector<std::pair<double, double>> pts;
  for (const auto& v : split(polygon, ';')) {
    std::istringstream s(v);
    double x = 0, y = 0;
    if (s >> x >> y) pts.emplace_back(x, y);
  }
  bool inside = false;
  for (std::size_t i = 0, j = pts.size() - 1; i < pts.size(); j = i++) {
    const auto [xi, yi] = pts[i];
    const auto [xj, yj] = pts[j];
    if ((yi > lat) != (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

}  // namespace

std::string normalize_number(std::string_view number) {
  std::string digits;
  for (char c : number) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.starts_with("0086")) {
    digits.erase(0, 4);
  } else if (!number.empty() && number.front() == '+' && digits.starts_with("86")) {
    digits.erase(0, 2);
  }
  return digits;
}

Result<WatchRegistry> WatchRegistry::load(const std::string& dir, const std::string& prefix_file) {
  namespace fs = std::filesystem;
  WatchRegistry r;
  const std::string households = (fs::path(dir) / "households.csv").string();
  const std::string grids = (fs::path(dir) / "grids.csv").string();
  const std::string towns = (fs::path(dir) / "towns.toml").string();

  std::map<std::string, std::vector<std::pair<std::string, std::string>>> town_polygons;  // town -> (grid, polygon)
  Status s = read_csv(grids, 10, [&](const std::vector<std::string>& f, std::size_t) {
    r.add_grid(GridInfo{f[0], f[2], f[4]});
    town_polygons[f[2]].emplace_back(f[0], f[9]);
    return Status::Ok();
  });
  if (!s.ok()) return s;

  s = read_csv(households, 4, [&](const std::vector<std::string>& f, std::size_t line) {
    if (!r.grids_.contains(f[2])) return file_error(households, line, "household " + f[0] + ": unknown grid '" + f[2] + "'");
    Household h{f[0], f[1], f[2], {}};
    for (auto& n : split(f[3], ';')) {
      if (!n.empty()) h.neighbours.push_back(std::move(n));
    }
    r.add_household(std::move(h));
    return Status::Ok();
  });
  if (!s.ok()) return s;

  auto doc = load_toml_file(towns);
  if (!doc.ok()) return doc.status();
  if (const auto* list = doc->get_as<toml::array>("town")) {
    for (const auto& node : *list) {
      const auto* t = node.as_table();
      if (!t) continue;
      const std::string id = t->get_as<std::string>("id") ? t->get_as<std::string>("id")->get() : "";
      const double lat = t->get("lat") ? t->get("lat")->value<double>().value_or(0) : 0;
      const double lon = t->get("lon") ? t->get("lon")->value<double>().value_or(0) : 0;
      auto& polys = town_polygons[id];
      if (id.empty() || polys.empty()) return Status(ErrorCode::kConfig, towns + ": town '" + id + "' has no grids");
      std::string chosen = polys.front().first;  // grids.csv is in id order
      for (const auto& [grid, polygon] : polys) {
        if (polygon_contains(polygon, lon, lat)) {
          chosen = grid;
          break;
        }
      }
      r.add_town(id, chosen);
    }
  }
  if (r.town_grid_.empty()) return Status(ErrorCode::kConfig, towns + ": no [[town]] tables");

  if (!prefix_file.empty() && fs::exists(prefix_file)) {
    auto pdoc = load_toml_file(prefix_file);
    if (!pdoc.ok()) return pdoc.status();
    // Strict like the router's deployment files: a misspelt key is an error, not a silent default.
    ConfigSection top(&*pdoc, prefix_file, "");
    const toml::array* list = top.array("prefix");
    if (auto st = top.finish(); !st.ok()) return st;
    if (list != nullptr) {
      for (const auto& node : *list) {
        if (!node.is_table()) return Status(ErrorCode::kConfig, config_where(prefix_file, node) + ": [[prefix]] entries must be tables");
        ConfigSection entry(node.as_table(), prefix_file, "prefix");
        std::string prefix, town;
        entry.require("prefix");
        entry.require("town");
        entry.read("prefix", prefix);
        entry.read("town", town);
        const std::string digits = normalize_number(prefix);
        if (entry.ok() && (digits.empty() || digits != prefix)) entry.reject("prefix", "must be digits only");
        if (entry.ok() && !r.is_town(town)) entry.reject("town", "is not a town of towns.toml");
        if (auto st = entry.finish(); !st.ok()) return st;
        r.add_prefix(digits, town);
      }
    }
  }
  return r;
}

void WatchRegistry::add_household(Household h) {
  by_number_[normalize_number(h.phone)] = h.id;
  const std::string id = h.id;
  households_[id] = std::move(h);
}

void WatchRegistry::add_grid(GridInfo g) {
  const std::string id = g.id;
  grids_[id] = std::move(g);
}

const Household* WatchRegistry::household(std::string_view id) const {
  auto it = households_.find(std::string(id));
  return it == households_.end() ? nullptr : &it->second;
}

const Household* WatchRegistry::household_by_number(std::string_view number) const {
  const std::string digits = normalize_number(number);
  if (digits.empty()) return nullptr;
  auto it = by_number_.find(digits);
  return it == by_number_.end() ? nullptr : household(it->second);
}

const GridInfo* WatchRegistry::grid(std::string_view id) const {
  auto it = grids_.find(std::string(id));
  return it == grids_.end() ? nullptr : &it->second;
}

std::optional<std::string> WatchRegistry::town_grid(std::string_view town) const {
  auto it = town_grid_.find(std::string(town));
  if (it == town_grid_.end()) return std::nullopt;
  return it->second;
}

std::optional<std::string> WatchRegistry::town_for_number(std::string_view number) const {
  std::string digits = normalize_number(number);
  if (digits.size() == 8 && digits.front() != '0' && digits.front() != '1') digits = "0575" + digits;  // a local number
  for (std::size_t len = digits.size(); len > 0; --len) {
    auto it = prefixes_.find(digits.substr(0, len));
    if (it != prefixes_.end()) return it->second;
  }
  return std::nullopt;
}

std::optional<Placement> WatchRegistry::place_area(std::string_view area) const {
  if (const GridInfo* g = grid(area)) return Placement{g->id, g->town, "relay area grid " + g->id};
  if (auto g = town_grid(area)) return Placement{*g, std::string(area), "relay area town " + std::string(area) + " (grid " + *g + ")"};
  return std::nullopt;
}

}  // namespace liandong::watch
