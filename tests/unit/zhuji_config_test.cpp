// Checks the committed default deployment in config/zhuji (formats in config/zhuji/README.md):
// the seed's figures, that every reference between the files resolves, and the routing
// precedence rule on a table of cases. That the generated files match the generator is checked
// by the ctest zhuji_generated_files_match_generator.
#include <toml++/toml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <charconv>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

const std::vector<std::string> kPlatforms{"110", "96345", "citymgmt", "watch"};

std::string zhuji_path(const std::string& name) { return std::string(LIANDONG_SOURCE_DIR) + "/config/zhuji/" + name; }

toml::table load_toml(const std::string& name) { return toml::parse_file(zhuji_path(name)); }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  if (!s.empty() && s.back() == sep) out.emplace_back();
  return out;
}

// Rows of a CSV file without quoting (none of ours needs it), header checked and dropped.
std::vector<std::vector<std::string>> load_csv(const std::string& name, const std::string& header) {
  std::ifstream in(zhuji_path(name), std::ios::binary);
  REQUIRE(in);
  std::string line;
  REQUIRE(std::getline(in, line));
  REQUIRE(line == header);
  const std::size_t columns = split(header, ',').size();
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    rows.push_back(split(line, ','));
    INFO(name << " line " << rows.size() + 1 << ": " << line);
    REQUIRE(rows.back().size() == columns);
  }
  return rows;
}

double to_double(const std::string& s) {
  double v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  INFO("number: " << s);
  REQUIRE((ec == std::errc{} && end == s.data() + s.size()));
  return v;
}

std::vector<std::string> string_list(const toml::node_view<const toml::node>& node) {
  std::vector<std::string> out;
  const toml::array* arr = node.as_array();
  REQUIRE(arr != nullptr);
  for (const toml::node& n : *arr) {
    const auto s = n.value<std::string>();
    REQUIRE(s.has_value());
    out.push_back(*s);
  }
  return out;
}

std::string str(const toml::node_view<const toml::node>& node) {
  const auto s = node.value<std::string>();
  REQUIRE(s.has_value());
  return *s;
}

struct Box {
  double lon_min = 1e9, lon_max = -1e9, lat_min = 1e9, lat_max = -1e9;
  bool touches(const Box& o) const {
    constexpr double kEps = 1e-7;
    return lon_min <= o.lon_max + kEps && o.lon_min <= lon_max + kEps && lat_min <= o.lat_max + kEps &&
           o.lat_min <= lat_max + kEps;
  }
  bool contains(double lat, double lon) const {
    return lat >= lat_min && lat <= lat_max && lon >= lon_min && lon <= lon_max;
  }
};

struct GridRow {
  std::string zone, town, police, fire, ems, traffic, citymgmt;
  Box box;
};

struct Unit {
  std::string agency;
  std::vector<std::string> towns;
};

// The data every test case needs, parsed once.
struct Deployment {
  toml::table towns_toml, units_toml, categories, routing, workflows, merge;
  std::map<std::string, Unit> units;
  std::set<std::string> towns, agencies, families;
  std::map<std::string, std::string> town_police;
  std::map<std::string, int> category_priority;
  std::map<std::string, GridRow> grids;
  std::vector<std::vector<std::string>> households;

  Deployment() {
    towns_toml = load_toml("towns.toml");
    units_toml = load_toml("units.toml");
    categories = load_toml("categories.toml");
    routing = load_toml("routing.toml");
    workflows = load_toml("workflows.toml");
    merge = load_toml("merge.toml");
    for (const toml::node& n : *towns_toml["town"].as_array()) {
      const toml::table& t = *n.as_table();
      towns.insert(str(t["id"]));
      town_police[str(t["id"])] = str(t["police"]);
    }
    for (const toml::node& n : *units_toml["agency"].as_array()) agencies.insert(str(n.as_table()->operator[]("id")));
    for (const toml::node& n : *units_toml["unit"].as_array()) {
      const toml::table& u = *n.as_table();
      units[str(u["id"])] = Unit{str(u["agency"]), string_list(u["towns"])};
    }
    for (const toml::node& n : *categories["family"].as_array()) families.insert(str(n.as_table()->operator[]("id")));
    for (const toml::node& n : *categories["category"].as_array()) {
      const toml::table& c = *n.as_table();
      category_priority[str(c["id"])] = c["priority"].value_or(0);
    }
    for (const auto& row :
         load_csv("grids.csv", "id,zone,town,community,police,fire,ems,traffic,citymgmt,polygon_lon_lat")) {
      GridRow g{row[1], row[2], row[4], row[5], row[6], row[7], row[8], {}};
      for (const std::string& vertex : split(row[9], ';')) {
        const auto lon_lat = split(vertex, ' ');
        REQUIRE(lon_lat.size() == 2);
        const double lon = to_double(lon_lat[0]), lat = to_double(lon_lat[1]);
        g.box.lon_min = std::min(g.box.lon_min, lon);
        g.box.lon_max = std::max(g.box.lon_max, lon);
        g.box.lat_min = std::min(g.box.lat_min, lat);
        g.box.lat_max = std::max(g.box.lat_max, lat);
      }
      REQUIRE(split(row[9], ';').size() >= 3);
      INFO("grid " << row[0]);
      REQUIRE(grids.emplace(row[0], g).second);
    }
    households = load_csv("households.csv", "id,phone,grid,neighbours");
  }
};

const Deployment& zhuji() {
  static const Deployment d;
  return d;
}

// ---- the routing precedence of routing.toml, written out as a reference ----

struct Rule {
  std::string id, category, source;
  int pmin = 1, pmax = 4;
  std::vector<std::string> roles;
  bool alert_neighbours = false;
};

std::vector<Rule> load_rules(const toml::table& routing) {
  std::vector<Rule> rules;
  for (const toml::node& n : *routing["rule"].as_array()) {
    const toml::table& t = *n.as_table();
    Rule r;
    r.id = str(t["id"]);
    r.category = str(t["category"]);
    r.source = str(t["source"]);
    if (const toml::array* p = t["priority"].as_array()) {
      REQUIRE(p->size() == 2);
      r.pmin = (*p)[0].value_or(0);
      r.pmax = (*p)[1].value_or(0);
    }
    r.alert_neighbours = t["alert_neighbours"].value_or(false);
    const toml::array* dispatch = t["dispatch"].as_array();
    INFO("rule " << r.id);
    REQUIRE(dispatch != nullptr);
    for (const toml::node& d : *dispatch) r.roles.push_back(str(d.as_table()->operator[]("role")));
    rules.push_back(std::move(r));
  }
  return rules;
}

// 2 exact id, 1 group pattern "fire.*", 0 "*", -1 no match.
int category_rank(const std::string& pattern, const std::string& category) {
  if (pattern == "*") return 0;
  if (pattern.size() > 2 && pattern.ends_with(".*")) {
    return category.rfind(pattern.substr(0, pattern.size() - 1), 0) == 0 ? 1 : -1;
  }
  return pattern == category ? 2 : -1;
}

const Rule* route(const std::vector<Rule>& rules, const std::string& category, const std::string& source,
                  int priority) {
  const Rule* best = nullptr;
  std::tuple<int, int, int> best_key{-1, -1, -1};
  for (const Rule& r : rules) {
    const int cat = category_rank(r.category, category);
    if (cat < 0 || (r.source != "*" && r.source != source) || priority < r.pmin || priority > r.pmax) continue;
    const std::tuple<int, int, int> key{cat, r.source == "*" ? 0 : 1, -(r.pmax - r.pmin)};
    if (best == nullptr || key > best_key) {  // strictly better: an earlier rule wins a tie
      best = &r;
      best_key = key;
    }
  }
  return best;
}

bool is_unit(const std::string& id) { return zhuji().units.count(id) > 0; }

}  // namespace

TEST_CASE("zhuji config: the seed's figures", "[unit][config]") {
  const Deployment& d = zhuji();
  CHECK(d.towns.size() == 27);
  CHECK(d.towns_toml["zone"].as_array()->size() == 520);
  CHECK(d.grids.size() == 12170);
  CHECK(d.households.size() >= 20000);
  CHECK(std::count_if(d.units.begin(), d.units.end(), [](const auto& u) { return u.second.agency == "police"; }) == 16);
  CHECK(std::count_if(d.units.begin(), d.units.end(), [](const auto& u) { return u.second.agency == "mediation"; }) ==
        6);
  CHECK(d.towns_toml["map"]["grids"].value_or(0) == 12170);
  CHECK(d.towns_toml["map"]["zones"].value_or(0) == 520);
  CHECK(d.towns_toml["map"]["towns"].value_or(0) == 27);
}

TEST_CASE("zhuji config: units have valid agencies, towns, and every platform a supervisor", "[unit][config]") {
  const Deployment& d = zhuji();
  for (const auto& [id, unit] : d.units) {
    INFO("unit " << id);
    CHECK(id.substr(0, id.find('.')) == unit.agency);
    CHECK(d.agencies.count(unit.agency) == 1);
    CHECK(!unit.towns.empty());
    for (const std::string& t : unit.towns) CHECK((t == "*" || d.towns.count(t) == 1));
  }
  CHECK(is_unit("command.centre"));
  for (const std::string& p : kPlatforms) CHECK(is_unit("supervisor." + p));
  for (const std::string& t : d.towns) CHECK(d.units.at("citymgmt." + t).agency == "citymgmt");
}

TEST_CASE("zhuji config: towns and zones add up and name real units", "[unit][config]") {
  const Deployment& d = zhuji();
  std::map<std::string, int> grids_in_zone, grids_in_town;
  for (const auto& [id, g] : d.grids) {
    ++grids_in_zone[g.zone];
    ++grids_in_town[g.town];
  }
  std::set<std::string> communities;
  for (const toml::node& n : *d.towns_toml["zone"].as_array()) {
    const toml::table& z = *n.as_table();
    INFO("zone " << str(z["id"]));
    CHECK(d.towns.count(str(z["town"])) == 1);
    CHECK(grids_in_zone[str(z["id"])] == z["grids"].value_or(-1));
    CHECK(communities.insert(str(z["community"])).second);
  }
  CHECK(grids_in_zone.size() == 520);
  for (const toml::node& n : *d.towns_toml["town"].as_array()) {
    const toml::table& t = *n.as_table();
    INFO("town " << str(t["id"]));
    CHECK(d.units.at(str(t["police"])).agency == "police");
    CHECK(str(t["citymgmt"]) == "citymgmt." + str(t["id"]));
    CHECK(grids_in_town[str(t["id"])] == t["grids"].value_or(-1));
    CHECK(t["zones"].value_or(0) >= 1);
  }
}

TEST_CASE("zhuji config: every grid's responsible units exist and are of the right agency", "[unit][config]") {
  // Failures are collected rather than CHECKed one by one: 12,170 grids × 7 checks.
  const Deployment& d = zhuji();
  std::vector<std::string> bad;
  for (const auto& [id, g] : d.grids) {
    if (d.towns.count(g.town) == 0) bad.push_back(id + ": unknown town " + g.town);
    if (d.town_police.count(g.town) && g.police != d.town_police.at(g.town))
      bad.push_back(id + ": not its town's police " + g.police);
    if (g.citymgmt != "citymgmt." + g.town) bad.push_back(id + ": citymgmt " + g.citymgmt + " is not its town's");
    const std::pair<const std::string*, const char*> roles[] = {
        {&g.police, "police"}, {&g.fire, "fire"}, {&g.ems, "ems"}, {&g.traffic, "traffic"}, {&g.citymgmt, "citymgmt"}};
    for (const auto& [unit, agency] : roles) {
      if (!is_unit(*unit) || d.units.at(*unit).agency != agency)
        bad.push_back(id + ": no " + agency + " unit " + *unit);
    }
    if (g.box.lat_min < 29.45 || g.box.lat_max > 29.95 || g.box.lon_min < 119.95 || g.box.lon_max > 120.55) {
      bad.push_back(id + ": outside Zhuji's extent");
    }
  }
  INFO((bad.empty() ? std::string() : bad.front()));
  CHECK(bad.size() == 0);
}

TEST_CASE("zhuji config: the centre of every gap lies on no grid", "[unit][config]") {
  const Deployment& d = zhuji();
  const toml::array* gaps = d.towns_toml["gap"].as_array();
  REQUIRE(gaps != nullptr);
  REQUIRE(!gaps->empty());
  for (const toml::node& n : *gaps) {
    const double lat = n.as_table()->operator[]("lat").value_or(0.0);
    const double lon = n.as_table()->operator[]("lon").value_or(0.0);
    INFO("gap " << str(n.as_table()->operator[]("name")));
    CHECK(std::none_of(d.grids.begin(), d.grids.end(), [&](const auto& g) { return g.second.box.contains(lat, lon); }));
  }
}

TEST_CASE("zhuji config: households have unique fake phones and ten neighbours nearby", "[unit][config]") {
  const Deployment& d = zhuji();
  std::vector<std::string> bad;
  std::map<std::string, std::string> grid_of;
  std::set<std::string> phones;
  for (const auto& h : d.households) {
    const std::string& phone = h[1];
    if (!grid_of.emplace(h[0], h[2]).second) bad.push_back(h[0] + ": id used twice");
    if (!phones.insert(phone).second) bad.push_back(h[0] + ": phone used twice " + phone);
    const bool digits = std::all_of(phone.begin(), phone.end(), [](char c) { return c >= '0' && c <= '9'; });
    const bool mobile = phone.rfind("13", 0) == 0 || phone.rfind("15", 0) == 0 || phone.rfind("18", 0) == 0;
    if (phone.size() != 11 || !digits || !mobile) bad.push_back(h[0] + ": bad phone " + phone);
    if (d.grids.count(h[2]) == 0) bad.push_back(h[0] + ": unknown grid " + h[2]);
  }
  for (const auto& h : d.households) {
    const std::vector<std::string> neighbours = split(h[3], ';');
    if (neighbours.size() != 10) bad.push_back(h[0] + ": " + std::to_string(neighbours.size()) + " neighbours");
    if (std::set<std::string>(neighbours.begin(), neighbours.end()).size() != neighbours.size()) {
      bad.push_back(h[0] + ": a neighbour listed twice");
    }
    for (const std::string& n : neighbours) {
      if (n == h[0] || grid_of.count(n) == 0 || d.grids.count(h[2]) == 0) {
        bad.push_back(h[0] + ": neighbour " + n + " is itself or unknown");
        continue;
      }
      const std::string& their_grid = grid_of.at(n);
      if (their_grid != h[2] && !d.grids.at(h[2]).box.touches(d.grids.at(their_grid).box)) {
        bad.push_back(h[0] + ": neighbour " + n + " in " + their_grid + ", not in or next to " + h[2]);
      }
    }
  }
  INFO((bad.empty() ? std::string() : bad.front()));
  CHECK(bad.size() == 0);
}

TEST_CASE("zhuji config: categories have a priority 1..4 and a declared family", "[unit][config]") {
  const Deployment& d = zhuji();
  std::set<std::string> ids;
  for (const toml::node& n : *d.categories["category"].as_array()) {
    const toml::table& c = *n.as_table();
    const std::string id = str(c["id"]);
    INFO("category " << id);
    CHECK(ids.insert(id).second);
    CHECK(std::count(id.begin(), id.end(), '.') == 1);
    const int p = c["priority"].value_or(0);
    CHECK(p >= 1);
    CHECK(p <= 4);
    CHECK(d.families.count(str(c["family"])) == 1);
    CHECK(!str(c["description"]).empty());
  }
  for (const std::string& f : d.families) {
    INFO("family " << f);
    REQUIRE(d.merge["family"][f].as_table() != nullptr);
    CHECK(d.merge["family"][f]["distance_m"].value_or(-1) >= 0);
    CHECK(d.merge["family"][f]["window_minutes"].value_or(-1) >= 0);
    CHECK(d.merge["family"][f]["enabled"].is_boolean());
  }
}

TEST_CASE("zhuji config: routing rules name valid roles, ladders and categories", "[unit][config]") {
  const Deployment& d = zhuji();
  const toml::table* ladders = d.routing["ladders"].as_table();
  REQUIRE(ladders != nullptr);
  for (const auto& [name, ladder] : *ladders) {
    INFO("ladder " << name.str());
    CHECK(ladder.as_table()->operator[]("ack_seconds").value_or(0) > 0);
    for (const std::string& rung : string_list(ladder.as_table()->operator[]("rungs"))) {
      INFO("rung " << rung);
      const bool nearest_agency = rung.rfind("nearest.", 0) == 0 && d.agencies.count(rung.substr(8)) == 1;
      CHECK((rung == "nearest" || rung == "supervisor" || nearest_agency || is_unit(rung)));
    }
  }
  const std::set<std::string> grid_roles{"grid.police", "grid.fire", "grid.ems", "grid.traffic", "grid.citymgmt"};
  std::set<std::string> rule_ids;
  for (const toml::node& n : *d.routing["rule"].as_array()) {
    const toml::table& t = *n.as_table();
    const std::string id = str(t["id"]);
    INFO("rule " << id);
    CHECK(rule_ids.insert(id).second);
    const std::string source = str(t["source"]);
    CHECK((source == "*" || std::count(kPlatforms.begin(), kPlatforms.end(), source) == 1));
    const std::string pattern = str(t["category"]);
    CHECK(std::any_of(d.category_priority.begin(), d.category_priority.end(),
                      [&](const auto& c) { return category_rank(pattern, c.first) >= 0; }));
    REQUIRE(t["dispatch"].as_array() != nullptr);
    CHECK(!t["dispatch"].as_array()->empty());
    for (const toml::node& dn : *t["dispatch"].as_array()) {
      const toml::table& dispatch = *dn.as_table();
      const std::string role = str(dispatch["role"]);
      INFO("role " << role);
      CHECK((grid_roles.count(role) == 1 || role == "supervisor" || is_unit(role)));
      CHECK(dispatch["ack_seconds"].value_or(0) > 0);
      CHECK(ladders->contains(str(dispatch["ladder"])));
    }
  }
  const std::vector<Rule> rules = load_rules(d.routing);
  for (const Rule& r : rules) {
    INFO("rule " << r.id);
    CHECK(r.pmin >= 1);
    CHECK(r.pmin <= r.pmax);
    CHECK(r.pmax <= 4);
    for (const Rule& o : rules) {
      if (&o == &r) continue;
      INFO("ties with rule " << o.id);
      const bool ambiguous = o.category == r.category && o.source == r.source && o.pmax - o.pmin == r.pmax - r.pmin &&
                             o.pmin <= r.pmax && r.pmin <= o.pmax;
      CHECK_FALSE(ambiguous);
    }
  }
  CHECK(std::any_of(rules.begin(), rules.end(),
                    [](const Rule& r) { return r.category == "*" && r.source == "*" && r.pmin == 1 && r.pmax == 4; }));
  // Every category reaches a unit other than the duty supervisor from at least one platform.
  for (const auto& [category, priority] : d.category_priority) {
    INFO("category " << category);
    CHECK(std::any_of(kPlatforms.begin(), kPlatforms.end(),
                      [&](const std::string& p) { return route(rules, category, p, priority)->id != "triage"; }));
  }
}

TEST_CASE("zhuji config: the most specific routing rule wins", "[unit][config]") {
  const std::vector<Rule> rules = load_rules(zhuji().routing);
  using Roles = std::vector<std::string>;
  struct Case {
    const char* category;
    const char* source;
    int priority;
    const char* rule;
    Roles roles;
  };
  const Case cases[] = {
      {"traffic.accident", "110", 1, "traffic-accident-p1", {"grid.police", "grid.traffic", "grid.fire", "grid.ems"}},
      {"traffic.accident", "110", 2, "traffic-accident-p2", {"grid.traffic", "grid.ems"}},
      {"traffic.accident", "96345", 4, "traffic-accident-minor", {"grid.traffic"}},
      {"traffic.congestion", "110", 4, "traffic", {"grid.traffic"}},
      {"fire.building", "110", 1, "fire", {"grid.fire", "grid.police"}},
      {"fire.forest", "110", 1, "fire-forest", {"grid.fire", "grid.police", "dept.forestry"}},
      {"medical.cardiac", "110", 1, "medical", {"grid.ems"}},
      {"crime.theft", "110", 3, "crime", {"grid.police"}},
      {"crime.theft", "110", 2, "crime-urgent", {"grid.police"}},
      {"crime.assault", "110", 1, "crime-assault-p1", {"grid.police", "grid.ems"}},
      {"city.illegal_vending", "citymgmt", 4, "city-citymgmt", {"grid.citymgmt"}},
      {"city.illegal_vending", "96345", 4, "city", {"grid.citymgmt"}},
      {"city.manhole_cover", "citymgmt", 2, "city-manhole-urgent", {"grid.citymgmt", "grid.police"}},
      {"city.manhole_cover", "citymgmt", 3, "city-citymgmt", {"grid.citymgmt"}},
      {"consult.policy", "96345", 4, "consult-96345", {"dept.approval"}},
      {"consult.social_security", "96345", 4, "consult-social-security-96345", {"dept.labour"}},
      {"complaint.noise", "96345", 3, "complaint-noise-96345", {"dept.environment"}},
      {"complaint.noise", "110", 3, "complaint-noise-110", {"grid.police"}},
      {"complaint.service", "110", 4, "triage", {"supervisor"}},
      {"request.repair", "96345", 4, "request-repair-96345", {"dept.housing"}},
      {"dispute.labour", "96345", 3, "dispute-labour-96345", {"mediation.labour"}},
      {"dispute.labour", "96345", 1, "dispute", {"grid.police"}},
      {"dispute.labour", "110", 3, "dispute-110", {"grid.police"}},
      {"utility.water_leak", "96345", 3, "utility-water-leak", {"utility.water"}},
      {"utility.gas_leak", "110", 1, "utility-gas-leak", {"utility.gas", "grid.fire", "grid.police"}},
      {"watch.alarm", "watch", 1, "watch-alarm", {"grid.police"}},
      {"no.such_category", "110", 2, "triage", {"supervisor"}},
  };
  for (const Case& c : cases) {
    INFO(c.category << " from " << c.source << " at P" << c.priority);
    const Rule* r = route(rules, c.category, c.source, c.priority);
    REQUIRE(r != nullptr);
    CHECK(r->id == c.rule);
    CHECK(r->roles == c.roles);
  }
  CHECK(route(rules, "watch.alarm", "watch", 1)->alert_neighbours);
  CHECK_FALSE(route(rules, "fire.building", "110", 1)->alert_neighbours);
}

TEST_CASE("zhuji config: workflows name only declared states", "[unit][config]") {
  const Deployment& d = zhuji();
  for (const std::string& platform : kPlatforms) {
    INFO("workflow " << platform);
    const toml::table* wf = d.workflows["workflow"][platform].as_table();
    REQUIRE(wf != nullptr);
    const std::vector<std::string> state_list = string_list((*wf)["states"]);
    const std::set<std::string> states(state_list.begin(), state_list.end());
    CHECK(states.size() == state_list.size());
    auto declared = [&](const std::string& s) {
      INFO("state " << s);
      CHECK(states.count(s) == 1);
    };
    declared(str((*wf)["initial"]));
    for (const char* key : {"awaiting_ack", "declined"}) {
      for (const std::string& s : string_list((*wf)[key])) declared(s);
    }
    for (const char* s : {"accepted", "closed", "escalated", "cancelled"}) declared(s);
    const toml::table* transitions = (*wf)["transitions"].as_table();
    REQUIRE(transitions != nullptr);
    CHECK(transitions->size() == states.size());
    std::map<std::string, std::vector<std::string>> next;
    for (const auto& [from, to] : *transitions) {
      declared(std::string(from.str()));
      for (const std::string& s : string_list(toml::node_view<const toml::node>(to))) declared(s);
      next[std::string(from.str())] = string_list(toml::node_view<const toml::node>(to));
    }
    // Every state can be reached from the first one, where the platform's record begins.
    std::set<std::string> seen{state_list.front()};
    std::vector<std::string> todo{state_list.front()};
    while (!todo.empty()) {
      const std::string s = todo.back();
      todo.pop_back();
      for (const std::string& n : next[s]) {
        if (seen.insert(n).second) todo.push_back(n);
      }
    }
    CHECK(seen == states);
    if (const toml::array* timers = (*wf)["timer"].as_array()) {
      for (const toml::node& tn : *timers) {
        const toml::table& timer = *tn.as_table();
        INFO("timer " << str(timer["name"]));
        for (const char* key : {"start", "stop"}) {
          for (const std::string& s : string_list(timer[key])) declared(s);
        }
        const std::string clock = str(timer["clock"]);
        CHECK((clock == "wall" || clock == "working"));
        const toml::array* limits = timer[clock == "wall" ? "seconds" : "working_hours"].as_array();
        REQUIRE(limits != nullptr);
        CHECK(limits->size() == 4);
        for (const toml::node& l : *limits) CHECK(l.value<double>().value_or(0) > 0);
        CHECK_FALSE(static_cast<bool>(timer[clock == "wall" ? "working_hours" : "seconds"]));
        CHECK(str(timer["on_expiry"]) == "supervisor");
        if (const toml::table* by_category = timer["by_category"].as_table()) {
          for (const auto& [category, limit] : *by_category) {
            INFO("category " << category.str());
            CHECK(d.category_priority.count(std::string(category.str())) == 1);
            CHECK(limit.value<double>().value_or(0) > 0);
          }
        }
      }
    }
  }
}
