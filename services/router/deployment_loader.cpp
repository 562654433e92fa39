#include "services/router/deployment_loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "core/config.hpp"

namespace liandong::router {

namespace {

namespace fs = std::filesystem;

Status bad(const fs::path& file, const std::string& what) {
  return {ErrorCode::kConfig, file.string() + ": " + what};
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

std::string str(const toml::table& t, const char* key, const std::string& fallback = "") {
  return t[key].value_or(fallback);
}

// Reads every data line of a CSV file (our generator's: no quoting, no embedded commas) after
// checking its header.
Status read_csv(const fs::path& file, const std::string& header,
                const std::function<Status(const std::vector<std::string>&, std::size_t)>& row) {
  std::ifstream in(file);
  if (!in) return bad(file, "cannot be read");
  std::string line;
  if (!std::getline(in, line) || line != header) return bad(file, "line 1 must be the header '" + header + "'");
  const std::size_t columns = split(header, ',').size();
  std::size_t number = 1;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    auto cells = split(line, ',');
    if (cells.size() != columns) {
      return bad(file, "line " + std::to_string(number) + " has " + std::to_string(cells.size()) + " columns, not " +
                           std::to_string(columns));
    }
    if (auto s = row(cells, number); !s.ok()) return s;
  }
  return Status::Ok();
}

Status load_units(const fs::path& file, Deployment& d) {
  auto doc = load_toml_file(file.string());
  if (!doc.ok()) return doc.status();
  const auto* units = (*doc)["unit"].as_array();
  if (units == nullptr || units->empty()) return bad(file, "has no [[unit]] entries");
  for (const auto& node : *units) {
    const auto* t = node.as_table();
    if (t == nullptr) return bad(file, "[[unit]] entries must be tables");
    Unit u;
    u.id = str(*t, "id");
    u.agency = str(*t, "agency", u.id.substr(0, u.id.find('.')));
    u.name = str(*t, "name", u.id);
    if (u.id.empty()) return bad(file, "a [[unit]] has no id");
    if (auto lat = (*t)["lat"].value<double>(), lon = (*t)["lon"].value<double>(); lat && lon) {
      u.location = GeoPoint{*lat, *lon};
    }
    if (d.units.contains(u.id)) return bad(file, "unit '" + u.id + "' appears twice");
    if (u.agency == "supervisor") d.supervisors[u.id.substr(u.id.find('.') + 1)] = u.id;
    d.units[u.id] = std::move(u);
  }
  if (!d.units.contains(d.command_centre)) return bad(file, "has no unit '" + d.command_centre + "'");
  return Status::Ok();
}

Status load_grids(const fs::path& file, Deployment& d) {
  static const char* kRoles[] = {"police", "fire", "ems", "traffic", "citymgmt"};
  return read_csv(file, "id,zone,town,community,police,fire,ems,traffic,citymgmt,polygon_lon_lat",
                  [&](const std::vector<std::string>& c, std::size_t line) -> Status {
                    Grid g;
                    g.id = c[0];
                    g.zone = c[1];
                    g.town = c[2];
                    g.community = c[3];
                    for (int r = 0; r < 5; ++r) {
                      const auto& unit = c[static_cast<std::size_t>(4 + r)];
                      if (unit.empty()) continue;
                      if (!d.units.contains(unit)) {
                        return bad(file, "line " + std::to_string(line) + ": grid " + g.id + " names unknown unit '" + unit + "'");
                      }
                      g.units[kRoles[r]] = unit;
                    }
                    for (const auto& vertex : split(c[9], ';')) {
                      GeoPoint p;
                      std::istringstream v(vertex);
                      if (!(v >> p.lon >> p.lat)) {
                        return bad(file, "line " + std::to_string(line) + ": grid " + g.id + " has a bad vertex '" + vertex + "'");
                      }
                      g.polygon.push_back(p);
                    }
                    if (g.polygon.size() < 3) {
                      return bad(file, "line " + std::to_string(line) + ": grid " + g.id + " needs at least 3 vertices");
                    }
                    const std::string id = g.id;
                    if (!d.grids.emplace(id, std::move(g)).second) return bad(file, "grid " + id + " appears twice");
                    return Status::Ok();
                  });
}

Status load_households(const fs::path& file, Deployment& d) {
  return read_csv(file, "id,phone,grid,neighbours", [&](const std::vector<std::string>& c, std::size_t line) -> Status {
    if (!d.grids.contains(c[2])) {
      return bad(file, "line " + std::to_string(line) + ": household " + c[0] + " is in unknown grid '" + c[2] + "'");
    }
    Household h{c[0], c[1], c[2], split(c[3], ';')};
    d.household_by_phone[h.phone] = h.id;
    d.households[h.id] = std::move(h);
    return Status::Ok();
  });
}

Status load_categories(const fs::path& file, Deployment& d) {
  auto doc = load_toml_file(file.string());
  if (!doc.ok()) return doc.status();
  const auto* list = (*doc)["category"].as_array();
  if (list == nullptr || list->empty()) return bad(file, "has no [[category]] entries");
  for (const auto& node : *list) {
    const auto* t = node.as_table();
    if (t == nullptr) return bad(file, "[[category]] entries must be tables");
    Category c;
    c.id = str(*t, "id");
    c.family = str(*t, "family", c.id.substr(0, c.id.find('.')));
    c.default_priority = static_cast<int>((*t)["priority"].value_or(3));
    if (c.id.empty()) return bad(file, "a [[category]] has no id");
    if (c.default_priority < 1 || c.default_priority > 4) {
      return bad(file, "category '" + c.id + "': priority " + std::to_string(c.default_priority) + " is not 1..4");
    }
    d.categories[c.id] = std::move(c);
  }
  return Status::Ok();
}

int category_rank(const std::string& pattern) {
  if (pattern == "*") return 0;
  return pattern.ends_with(".*") ? 1 : 2;
}

Status load_routing(const fs::path& file, Deployment& d) {
  auto doc = load_toml_file(file.string());
  if (!doc.ok()) return doc.status();
  struct Ladder {
    std::vector<std::string> rungs;
    Millis ack_ms = 60'000;
  };
  std::map<std::string, Ladder> ladders;
  if (const auto* table = (*doc)["ladders"].as_table()) {
    for (const auto& [name, node] : *table) {
      const auto* t = node.as_table();
      if (t == nullptr) return bad(file, "ladders." + std::string(name.str()) + " must be a table");
      Ladder l;
      if (const auto* rungs = (*t)["rungs"].as_array()) {
        for (const auto& r : *rungs) l.rungs.push_back(r.value_or(std::string()));
      }
      l.ack_ms = (*t)["ack_seconds"].value_or(std::int64_t{60}) * 1000;
      ladders[std::string(name.str())] = l;
    }
  }
  const auto* rules = (*doc)["rule"].as_array();
  if (rules == nullptr || rules->empty()) return bad(file, "has no [[rule]] entries");
  for (const auto& node : *rules) {
    const auto* t = node.as_table();
    if (t == nullptr) return bad(file, "[[rule]] entries must be tables");
    RoutingRule rule;
    rule.name = str(*t, "id");
    rule.category = str(*t, "category", "*");
    rule.source = str(*t, "source", "*");
    if (const auto* range = (*t)["priority"].as_array(); range && range->size() == 2) {
      rule.min_priority = static_cast<int>((*range)[0].value_or(1));
      rule.max_priority = static_cast<int>((*range)[1].value_or(4));
    }
    const auto* dispatch = (*t)["dispatch"].as_array();
    if (dispatch == nullptr || dispatch->empty()) return bad(file, "rule '" + rule.name + "' has no [[rule.dispatch]]");
    for (const auto& dn : *dispatch) {
      const auto* dt = dn.as_table();
      if (dt == nullptr) return bad(file, "rule '" + rule.name + "': [[rule.dispatch]] must be tables");
      DispatchTarget target;
      target.unit = str(*dt, "role");
      target.ack_deadline_ms = (*dt)["ack_seconds"].value_or(std::int64_t{60}) * 1000;
      const std::string ladder = str(*dt, "ladder");
      if (!ladder.empty()) {
        auto it = ladders.find(ladder);
        if (it == ladders.end()) return bad(file, "rule '" + rule.name + "' names unknown ladder '" + ladder + "'");
        target.ladder = it->second.rungs;
        target.ladder_ack_deadline_ms = it->second.ack_ms;
      }
      const bool is_role = target.unit == "supervisor" || target.unit.rfind("grid.", 0) == 0;
      if (!is_role && !d.units.contains(target.unit)) {
        return bad(file, "rule '" + rule.name + "' dispatches unknown unit '" + target.unit + "'");
      }
      rule.targets.push_back(std::move(target));
    }
    d.rules.push_back(std::move(rule));
  }
  sort_by_precedence(d.rules);
  return Status::Ok();
}

Status load_workflows(const fs::path& file, Deployment& d) {
  auto doc = load_toml_file(file.string());
  if (!doc.ok()) return doc.status();
  const auto* all = (*doc)["workflow"].as_table();
  if (all == nullptr) return bad(file, "has no [workflow.<platform>] tables");
  for (const auto& [platform, node] : *all) {
    const auto* t = node.as_table();
    if (t == nullptr) continue;
    Workflow w;
    w.platform = std::string(platform.str());
    if (const auto* states = (*t)["states"].as_array()) {
      for (const auto& s : *states) w.states.push_back(s.value_or(std::string()));
    }
    w.initial = str(*t, "initial", w.states.empty() ? "dispatched" : w.states.front());
    w.accepted = std::find(w.states.begin(), w.states.end(), "accepted") != w.states.end() ? "accepted" : w.initial;
    w.closed = "closed";
    if (const auto* declined = (*t)["declined"].as_array()) {
      w.declined.clear();
      for (const auto& s : *declined) w.declined.push_back(s.value_or(std::string()));
    }
    if (const auto* transitions = (*t)["transitions"].as_table()) {
      for (const auto& [from, to] : *transitions) {
        auto& list = w.transitions[std::string(from.str())];
        if (const auto* arr = to.as_array()) {
          for (const auto& s : *arr) list.push_back(s.value_or(std::string()));
        }
      }
    }
    for (const auto& [from, tos] : w.transitions) {
      for (const auto& to : tos) {
        if (std::find(w.states.begin(), w.states.end(), to) == w.states.end()) {
          return bad(file, "workflow." + w.platform + ": transition " + from + " -> " + to + " names an undeclared state");
        }
      }
    }
    d.workflows[w.platform] = std::move(w);
  }
  return Status::Ok();
}

Status load_merge(const fs::path& file, Deployment& d) {
  auto doc = load_toml_file(file.string());
  if (!doc.ok()) return doc.status();
  if (const auto* families = (*doc)["family"].as_table()) {
    for (const auto& [name, node] : *families) {
      const auto* t = node.as_table();
      if (t == nullptr || !(*t)["enabled"].value_or(false)) continue;
      MergeWindow w;
      w.distance_m = (*t)["distance_m"].value_or(0.0);
      w.window_ms = (*t)["window_minutes"].value_or(std::int64_t{0}) * 60'000;
      d.merge_windows[std::string(name.str())] = w;
    }
  }
  return Status::Ok();
}

}  // namespace

void sort_by_precedence(std::vector<RoutingRule>& rules) {
  std::stable_sort(rules.begin(), rules.end(), [](const RoutingRule& a, const RoutingRule& b) {
    if (category_rank(a.category) != category_rank(b.category)) return category_rank(a.category) > category_rank(b.category);
    const int sa = a.source == "*" ? 0 : 1;
    const int sb = b.source == "*" ? 0 : 1;
    if (sa != sb) return sa > sb;
    return (a.max_priority - a.min_priority) < (b.max_priority - b.min_priority);
  });
}

Result<Deployment> load_deployment(const std::string& directory) {
  const fs::path dir(directory);
  if (!fs::is_directory(dir)) return Status(ErrorCode::kConfig, "deployment directory '" + directory + "' does not exist");
  Deployment d;
  const std::pair<const char*, Status (*)(const fs::path&, Deployment&)> steps[] = {
      {"units.toml", load_units},           {"grids.csv", load_grids},         {"households.csv", load_households},
      {"categories.toml", load_categories}, {"routing.toml", load_routing},    {"workflows.toml", load_workflows},
      {"merge.toml", load_merge},
  };
  for (const auto& [name, load] : steps) {
    if (auto s = load(dir / name, d); !s.ok()) return s;
  }
  return d;
}

}  // namespace liandong::router
