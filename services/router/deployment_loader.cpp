#include "services/router/deployment_loader.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
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
    if (u.id.rfind("unit:", 0) == 0) {
      // The router adds that prefix for the unit's peer name; ORDER_ACK reads "unit:<id>" as <id>.
      return bad(file, "unit id '" + u.id + "' must not start with 'unit:' (the router adds it for the peer name)");
    }
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
    if (const auto* alert = (*t)["alert_neighbours"].node()) {
      if (!alert->is_boolean()) return bad(file, "rule '" + rule.name + "': alert_neighbours must be true or false");
      rule.alert_neighbours = alert->value_or(false);
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

// ---- workflows.toml: the calendar, timers and the neighbour watch ----

Result<std::vector<std::string>> string_list(const fs::path& file, const toml::node* node, const std::string& key) {
  std::vector<std::string> out;
  if (node == nullptr) return out;
  const auto* arr = node->as_array();
  if (arr == nullptr) return bad(file, key + " must be a list of strings");
  for (const auto& item : *arr) {
    auto v = item.value<std::string>();
    if (!v) return bad(file, key + " must be a list of strings");
    out.push_back(*v);
  }
  return out;
}

Status load_calendar(const fs::path& file, const toml::table& doc, WorkingCalendar& calendar) {
  const auto* t = doc["calendar"].as_table();
  if (t == nullptr) return Status::Ok();  // no working-time timers need it, or the default fits
  if (auto offset = (*t)["utc_offset"].value<std::string>()) {
    auto minutes = WorkingCalendar::parse_offset(*offset);
    if (!minutes) return bad(file, "calendar.utc_offset '" + *offset + "' is not like \"+08:00\"");
    calendar.set_utc_offset_minutes(*minutes);
  }
  if (const auto* node = (*t)["working_days"].node()) {
    auto names = string_list(file, node, "calendar.working_days");
    if (!names.ok()) return names.status();
    std::set<int> days;
    for (const auto& n : *names) {
      auto w = WorkingCalendar::parse_weekday(n);
      if (!w) return bad(file, "calendar.working_days: '" + n + "' is not one of mon, tue, wed, thu, fri, sat, sun");
      days.insert(*w);
    }
    if (!calendar.set_working_days(days)) return bad(file, "calendar.working_days must name at least one day");
  }
  if (const auto* node = (*t)["working_hours"].node()) {
    const auto* periods = node->as_array();
    if (periods == nullptr) return bad(file, "calendar.working_hours must be a list of [\"HH:MM\", \"HH:MM\"] periods");
    std::vector<WorkingCalendar::Period> list;
    for (const auto& p : *periods) {
      const auto* pair = p.as_array();
      std::optional<int> from, to;
      if (pair != nullptr && pair->size() == 2) {
        from = WorkingCalendar::parse_clock((*pair)[0].value_or(std::string()));
        to = WorkingCalendar::parse_clock((*pair)[1].value_or(std::string()));
      }
      if (!from || !to) return bad(file, "calendar.working_hours: every period must be [\"HH:MM\", \"HH:MM\"]");
      list.push_back({*from, *to});
    }
    if (!calendar.set_working_hours(list)) {
      return bad(file, "calendar.working_hours: periods must be non-empty, each start before its end, in order and "
                       "not overlapping");
    }
  }
  for (const char* key : {"holidays", "extra_working_days"}) {
    auto dates = string_list(file, (*t)[key].node(), std::string("calendar.") + key);
    if (!dates.ok()) return dates.status();
    std::set<std::int64_t> days;
    for (const auto& date : *dates) {
      auto day = WorkingCalendar::parse_date(date);
      if (!day) return bad(file, std::string("calendar.") + key + ": '" + date + "' is not a date \"YYYY-MM-DD\"");
      days.insert(*day);
    }
    if (std::string(key) == "holidays") calendar.set_holidays(std::move(days));
    else calendar.set_extra_working_days(std::move(days));
  }
  return Status::Ok();
}

Result<WorkflowTimer> load_timer(const fs::path& file, const Workflow& w, const toml::table& t, std::size_t index) {
  WorkflowTimer timer;
  timer.name = str(t, "name");
  const std::string key = "workflow." + w.platform + ".timer[" + std::to_string(index) + "]" +
                          (timer.name.empty() ? "" : " '" + timer.name + "'");
  if (timer.name.empty()) return bad(file, key + " has no name");
  for (auto [field, list] : {std::pair{"start", &timer.start}, std::pair{"stop", &timer.stop}}) {
    auto states = string_list(file, t[field].node(), key + "." + field);
    if (!states.ok()) return states.status();
    for (const auto& s : *states) {
      if (std::find(w.states.begin(), w.states.end(), s) == w.states.end()) {
        return bad(file, key + "." + field + " names undeclared state '" + s + "'");
      }
    }
    *list = *states;
  }
  if (timer.start.empty()) return bad(file, key + ".start must name at least one state");
  const std::string clock = str(t, "clock", "wall");
  if (clock != "wall" && clock != "working") return bad(file, key + ".clock '" + clock + "' is not \"wall\" or \"working\"");
  timer.clock = clock == "wall" ? WorkflowTimer::ClockKind::kWall : WorkflowTimer::ClockKind::kWorking;
  const std::string limits_key = clock == "wall" ? "seconds" : "working_hours";
  const auto* limits = t[limits_key].as_array();
  if (limits == nullptr || limits->size() != 4) {
    return bad(file, key + "." + limits_key + " must list 4 limits (P1, P2, P3, P4) for clock = \"" + clock + "\"");
  }
  for (std::size_t p = 0; p < 4; ++p) {
    auto v = (*limits)[p].value<double>();
    if (!v || *v <= 0) return bad(file, key + "." + limits_key + "[" + std::to_string(p) + "] must be a positive number");
    timer.limits[p] = *v;
  }
  if (const auto* by = t["by_category"].as_table()) {
    for (const auto& [category, node] : *by) {
      auto v = node.value<double>();
      if (!v || *v <= 0) {
        return bad(file, key + ".by_category.\"" + std::string(category.str()) + "\" must be a positive number");
      }
      timer.by_category[std::string(category.str())] = *v;
    }
  }
  timer.on_expiry = str(t, "on_expiry", "supervisor");
  if (timer.on_expiry != "supervisor") return bad(file, key + ".on_expiry '" + timer.on_expiry + "' is not \"supervisor\"");
  return timer;
}

Status load_neighbour_watch(const fs::path& file, const toml::table& t, NeighbourWatch& watch) {
  const auto seconds = t["ack_seconds"].value_or(std::int64_t{90});
  const auto min_acks = t["min_acks"].value_or(std::int64_t{1});
  watch.on_no_ack = str(t, "on_no_ack", "supervisor");
  if (seconds <= 0) return bad(file, "workflow.watch.neighbours.ack_seconds must be a positive integer");
  if (min_acks < 1) return bad(file, "workflow.watch.neighbours.min_acks must be at least 1");
  if (watch.on_no_ack != "supervisor") {
    return bad(file, "workflow.watch.neighbours.on_no_ack '" + watch.on_no_ack + "' is not \"supervisor\"");
  }
  watch.ack_ms = seconds * 1000;
  watch.min_acks = min_acks;
  return Status::Ok();
}

Status load_workflows(const fs::path& file, Deployment& d) {
  auto doc = load_toml_file(file.string());
  if (!doc.ok()) return doc.status();
  if (auto s = load_calendar(file, *doc, d.calendar); !s.ok()) return s;
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
    if (const auto* timers = (*t)["timer"].as_array()) {
      for (std::size_t i = 0; i < timers->size(); ++i) {
        const auto* tt = (*timers)[i].as_table();
        if (tt == nullptr) return bad(file, "[[workflow." + w.platform + ".timer]] entries must be tables");
        auto timer = load_timer(file, w, *tt, i);
        if (!timer.ok()) return timer.status();
        w.timers.push_back(std::move(*timer));
      }
    }
    if (const auto* neighbours = (*t)["neighbours"].as_table()) {
      if (auto s = load_neighbour_watch(file, *neighbours, d.neighbour_watch); !s.ok()) return s;
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
      if (const auto* same = (*t)["same_household"].node()) {
        if (!same->is_boolean()) return bad(file, "family." + std::string(name.str()) + ".same_household must be true or false");
        w.same_household = same->value_or(false);
      }
      if (const auto* same = (*t)["same_category"].node()) {
        if (!same->is_boolean()) return bad(file, "family." + std::string(name.str()) + ".same_category must be true or false");
        w.same_category = same->value_or(false);
      }
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
