// routing.toml of a deployment (its header comment is the format): escalation ladders and rules,
// every name resolved against units, categories and platforms; then the whole rule set checked
// for ambiguity (two rules that tie under the precedence rule) and for coverage (some rule
// routes every incident, of whatever category, from every platform, at every priority).
#include <toml++/toml.h>

#include <algorithm>

#include "core/config.hpp"
#include "services/router/deployment_files.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/routing.hpp"

namespace liandong::router {

namespace {
int category_rank(const std::string& pattern) {
  if (pattern == "*") return 0;
  return pattern.ends_with(".*") ? 1 : 2;
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

namespace files {

namespace {

constexpr std::int64_t kMaxAckSeconds = 7 * 86'400;
const std::set<std::string> kGridRoles{"grid.police", "grid.fire", "grid.ems", "grid.traffic", "grid.citymgmt"};

struct Ladder {
  std::vector<std::string> rungs;
  Millis ack_ms = 60'000;
};

// Why `rung` names no unit for any incident, or "" when it can ("nearest", "supervisor",
// "command", "nearest.<agency>" / "next.<agency>" of an agency with units, a unit id).
std::string rung_problem(const LoadContext& ctx, const std::string& rung) {
  if (rung == "nearest" || rung == "supervisor" || rung == "command" || ctx.d.units.contains(rung)) return "";
  for (const char* prefix : {"nearest.", "next."}) {
    if (rung.rfind(prefix, 0) == 0) {
      const std::string agency = rung.substr(std::string(prefix).size());
      if (!ctx.agencies.contains(agency)) return "agency '" + agency + "' is not an [[agency]] of units.toml";
      const bool any = std::any_of(ctx.d.units.begin(), ctx.d.units.end(), [&](const auto& u) { return u.second.agency == agency; });
      return any ? "" : "agency '" + agency + "' has no units";
    }
  }
  return "is not \"nearest\", \"nearest.<agency>\", \"supervisor\", \"command\" or a unit of units.toml";
}

Result<std::map<std::string, Ladder>> load_ladders(const LoadContext& ctx, const std::string& file, const toml::table* table) {
  std::map<std::string, Ladder> ladders;
  if (table == nullptr) return ladders;
  for (const auto& [key, node] : *table) {
    const std::string name(key.str());
    if (!node.is_table()) return Status(ErrorCode::kConfig, config_where(file, node) + ": ladders." + name + " must be a table");
    ConfigSection s(node.as_table(), file, "ladders." + name);
    Ladder l;
    std::int64_t seconds = 60;
    s.require("rungs");
    s.read("rungs", l.rungs);
    s.read("ack_seconds", seconds, 1, kMaxAckSeconds);
    if (s.ok() && l.rungs.empty()) s.reject("rungs", "a ladder needs at least one rung");
    for (const auto& rung : l.rungs) {
      if (auto why = rung_problem(ctx, rung); !why.empty()) s.reject("rungs", "rung '" + rung + "': " + why);
    }
    if (auto st = s.finish(); !st.ok()) return st;
    l.ack_ms = seconds * 1000;
    ladders[name] = std::move(l);
  }
  return ladders;
}

// Why `pattern` can match no category, or "".
std::string category_problem(const LoadContext& ctx, const std::string& pattern) {
  if (pattern == "*") return "";
  if (pattern.ends_with(".*")) {
    const std::string group = pattern.substr(0, pattern.size() - 1);  // "fire."
    const bool any = std::any_of(ctx.d.categories.begin(), ctx.d.categories.end(),
                                 [&](const auto& c) { return c.first.rfind(group, 0) == 0; });
    return any ? "" : "no category of categories.toml starts with '" + group + "'";
  }
  if (!is_dotted_id(pattern)) return "is not a category id \"<group>.<kind>\", a group \"<group>.*\" or \"*\"";
  return ctx.d.categories.contains(pattern) ? "" : "is not a category of categories.toml";
}

Status load_target(const LoadContext& ctx, const std::string& file, const std::string& rule, std::size_t index,
                   const toml::node& node, const std::map<std::string, Ladder>& ladders, DispatchTarget& target) {
  const std::string name = "rule '" + rule + "'.dispatch[" + std::to_string(index) + "]";
  if (!node.is_table()) return {ErrorCode::kConfig, config_where(file, node) + ": " + name + " must be a table [[rule.dispatch]]"};
  ConfigSection s(node.as_table(), file, name);
  std::int64_t seconds = 60;
  std::string ladder;
  s.require("role");
  s.read("role", target.unit);
  s.read("ack_seconds", seconds, 1, kMaxAckSeconds);
  s.read("ladder", ladder);
  if (!s.ok()) return s.finish();
  target.ack_deadline_ms = seconds * 1000;
  if (target.unit.rfind("grid.", 0) == 0) {
    if (!kGridRoles.contains(target.unit)) {
      s.reject("role", "a grid role is one of grid.police, grid.fire, grid.ems, grid.traffic, grid.citymgmt (the columns of grids.csv)");
    }
  } else if (target.unit != "supervisor" && !ctx.d.units.contains(target.unit)) {
    s.reject("role", "is not a grid role, \"supervisor\" or a unit of units.toml");
  }
  if (!ladder.empty()) {
    if (auto it = ladders.find(ladder); it == ladders.end()) {
      s.reject("ladder", "is not a ladder of [ladders]");
    } else {
      target.ladder = it->second.rungs;
      target.ladder_ack_deadline_ms = it->second.ack_ms;
    }
  }
  return s.finish();
}

Status load_rule(const LoadContext& ctx, const std::string& file, const toml::node& node,
                 const std::map<std::string, Ladder>& ladders, RoutingRule& rule) {
  if (!node.is_table()) return {ErrorCode::kConfig, config_where(file, node) + ": [[rule]] entries must be tables"};
  const toml::table& t = *node.as_table();
  ConfigSection s(&t, file, "rule");
  s.require("id");
  s.require("dispatch");
  s.read("id", rule.name);
  s.read("category", rule.category);
  s.read("source", rule.source);
  s.read("alert_neighbours", rule.alert_neighbours);
  const toml::array* priority = s.array("priority");
  const toml::array* dispatch = s.array("dispatch");
  if (!s.ok()) return s.finish();
  if (auto why = category_problem(ctx, rule.category); !why.empty()) s.reject("category", why);
  if (rule.source != "*" && !ctx.d.workflows.contains(rule.source)) {
    s.reject("source", "is not \"*\" or a platform of workflows.toml");
  }
  if (priority != nullptr) {
    const auto min = priority->size() == 2 ? (*priority)[0].value<std::int64_t>() : std::nullopt;
    const auto max = priority->size() == 2 ? (*priority)[1].value<std::int64_t>() : std::nullopt;
    const bool integers = min && max && (*priority)[0].is_integer() && (*priority)[1].is_integer();
    if (!integers || *min < 1 || *max > 4 || *min > *max) {
      s.reject("priority", "must be [min, max]: two integers, 1 <= min <= max <= 4");
    } else {
      rule.min_priority = static_cast<int>(*min);
      rule.max_priority = static_cast<int>(*max);
    }
  }
  if (dispatch != nullptr && dispatch->empty()) s.reject("dispatch", "a rule needs at least one [[rule.dispatch]]");
  if (auto st = s.finish(); !st.ok() || dispatch == nullptr) return st;
  for (std::size_t i = 0; i < dispatch->size(); ++i) {
    DispatchTarget target;
    if (auto st = load_target(ctx, file, rule.name, i, (*dispatch)[i], ladders, target); !st.ok()) return st;
    rule.targets.push_back(std::move(target));
  }
  return Status::Ok();
}

std::string describe(const RoutingRule& r) {
  return "category \"" + r.category + "\", source \"" + r.source + "\", priority [" + std::to_string(r.min_priority) +
         ", " + std::to_string(r.max_priority) + "]";
}

// Two rules tie when the precedence rule cannot order them for some incident: same category
// pattern, same source, equally wide priority ranges that overlap. File order would then decide
// silently, so the loader refuses.
// `rules` are in file order.
Status check_ambiguity(const std::vector<RoutingRule>& rules, const std::map<std::string, std::string>& where) {
  for (std::size_t i = 0; i < rules.size(); ++i) {
    for (std::size_t j = i + 1; j < rules.size(); ++j) {
      const RoutingRule& a = rules[i];
      const RoutingRule& b = rules[j];
      const bool tie = a.category == b.category && a.source == b.source &&
                       a.max_priority - a.min_priority == b.max_priority - b.min_priority &&
                       a.min_priority <= b.max_priority && b.min_priority <= a.max_priority;
      if (!tie) continue;
      const RoutingRule* first = &a;
      const RoutingRule* second = &b;
      return {ErrorCode::kConfig, where.at(second->name) + ": rule '" + second->name + "' (" + describe(*second) +
                                      ") is ambiguous with rule '" + first->name + "' (" + where.at(first->name) + ", " +
                                      describe(*first) + "): neither is more specific; narrow one's priority or "
                                      "source, or merge them"};
    }
  }
  return Status::Ok();
}

// Every incident must reach someone: for every platform and priority, some rule matches an
// incident of a category no narrower rule names (also one not in categories.toml). That is a
// rule of category "*"; Zhuji's is "triage" (*, *, [1, 4]).
Status check_coverage(const std::string& file, const Deployment& d) {
  const std::string unknown_category = "?";  // matches only the pattern "*"
  for (const auto& [platform, workflow] : d.workflows) {
    if (!d.supervisors.contains(platform)) {
      return {ErrorCode::kConfig, file + ": platform '" + platform + "' (workflows.toml) has no duty supervisor: units.toml needs unit 'supervisor." + platform + "'"};
    }
    for (int priority = 1; priority <= 4; ++priority) {
      if (find_rule(d, unknown_category, platform, priority) == nullptr) {
        return {ErrorCode::kConfig, file + ": no rule routes an incident from platform '" + platform + "' at priority " +
                                        std::to_string(priority) + " whose category no rule names: add a catch-all rule "
                                        "(category = \"*\", source = \"*\", priority = [1, 4], dispatching \"supervisor\"), "
                                        "as Zhuji's 'triage'"};
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status load_routing(LoadContext& ctx) {
  const std::string file = ctx.file("routing.toml");
  auto doc = load_toml_file(file);
  if (!doc.ok()) return doc.status();
  ConfigSection top(&*doc, file, "");
  top.require("rule");
  const toml::table* ladder_table = top.table("ladders");
  const toml::array* rules = top.array("rule");
  if (auto s = top.finish(); !s.ok()) return s;
  auto ladders = load_ladders(ctx, file, ladder_table);
  if (!ladders.ok()) return ladders.status();
  std::map<std::string, std::string> where;  // rule id -> "routing.toml:76"
  for (const toml::node& node : *rules) {
    RoutingRule rule;
    if (auto s = load_rule(ctx, file, node, *ladders, rule); !s.ok()) return s;
    if (!where.emplace(rule.name, config_where(file, node)).second) {
      return {ErrorCode::kConfig, config_where(file, node) + ": rule '" + rule.name + "' appears twice (first at " +
                                      where.at(rule.name) + ")"};
    }
    ctx.d.rules.push_back(std::move(rule));
  }
  if (ctx.d.rules.empty()) return {ErrorCode::kConfig, file + ": has no [[rule]] entries"};
  if (auto s = check_ambiguity(ctx.d.rules, where); !s.ok()) return s;
  sort_by_precedence(ctx.d.rules);
  return check_coverage(file, ctx.d);
}

}  // namespace files

}  // namespace liandong::router
