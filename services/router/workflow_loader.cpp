// workflows.toml of a deployment (its header comment is the format): the working calendar, each
// platform's states, transitions and timers, and the neighbour watch. Errors name the file, line,
// key and value.
#include <toml++/toml.h>

#include <algorithm>

#include "core/config.hpp"
#include "services/router/deployment_files.hpp"

namespace liandong::router::files {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

Status load_calendar(const std::string& file, const toml::table* table, WorkingCalendar& calendar) {
  ConfigSection c(table, file, "calendar");
  std::string offset;
  std::vector<std::string> day_names, holidays, extra_days;
  c.read("utc_offset", offset);
  c.read("working_days", day_names);
  const toml::array* periods = c.array("working_hours");
  c.read("holidays", holidays);
  c.read("extra_working_days", extra_days);
  if (table == nullptr || !c.ok()) return c.finish();  // no working-time timers need it, or the default fits
  if (!offset.empty()) {
    if (auto minutes = WorkingCalendar::parse_offset(offset)) calendar.set_utc_offset_minutes(*minutes);
    else c.reject("utc_offset", "is not like \"+08:00\"");
  }
  if (table->contains("working_days")) {
    std::set<int> days;
    for (const auto& n : day_names) {
      auto w = WorkingCalendar::parse_weekday(n);
      if (!w) c.reject("working_days", "'" + n + "' is not one of mon, tue, wed, thu, fri, sat, sun");
      else days.insert(*w);
    }
    if (c.ok() && !calendar.set_working_days(days)) c.reject("working_days", "must name at least one day");
  }
  if (periods != nullptr) {
    std::vector<WorkingCalendar::Period> list;
    for (const auto& p : *periods) {
      const auto* pair = p.as_array();
      std::optional<int> from, to;
      if (pair != nullptr && pair->size() == 2) {
        from = WorkingCalendar::parse_clock((*pair)[0].value_or(std::string()));
        to = WorkingCalendar::parse_clock((*pair)[1].value_or(std::string()));
      }
      if (!from || !to) c.reject("working_hours", "every period must be [\"HH:MM\", \"HH:MM\"]");
      else list.push_back({*from, *to});
    }
    if (c.ok() && !calendar.set_working_hours(list)) {
      c.reject("working_hours", "periods must be non-empty, each start before its end, in order and not overlapping");
    }
  }
  for (auto [key, dates] : {std::pair{"holidays", &holidays}, std::pair{"extra_working_days", &extra_days}}) {
    std::set<std::int64_t> days;
    for (const auto& date : *dates) {
      auto day = WorkingCalendar::parse_date(date);
      if (!day) c.reject(key, "'" + date + "' is not a date \"YYYY-MM-DD\"");
      else days.insert(*day);
    }
    if (std::string(key) == "holidays") calendar.set_holidays(std::move(days));
    else calendar.set_extra_working_days(std::move(days));
  }
  return c.finish();
}

Result<WorkflowTimer> load_timer(const LoadContext& ctx, const std::string& file, const Workflow& w,
                                 const toml::table& t, std::size_t index) {
  WorkflowTimer timer;
  const std::string* name = t.get_as<std::string>("name") ? &t.get_as<std::string>("name")->get() : nullptr;
  const std::string section_name =
      "workflow." + w.platform + ".timer[" + std::to_string(index) + "]" + (name ? " '" + *name + "'" : "");
  ConfigSection s(&t, file, section_name);
  std::string clock = "wall";
  s.require("name");
  s.require("start");
  s.read("name", timer.name);
  s.read("start", timer.start);
  s.read("stop", timer.stop);
  s.read("clock", clock);
  s.read("on_expiry", timer.on_expiry);
  const std::string limits_key = clock == "working" ? "working_hours" : "seconds";
  const std::string other_key = clock == "working" ? "seconds" : "working_hours";
  const toml::array* limits = s.array(limits_key);
  const bool other_given = s.array(other_key) != nullptr;  // read, so that it is not "unknown"
  const toml::table* by_category = s.table("by_category");
  if (!s.ok()) return s.finish();
  if (clock != "wall" && clock != "working") s.reject("clock", "is not \"wall\" or \"working\"");
  for (auto [field, list] : {std::pair{"start", &timer.start}, std::pair{"stop", &timer.stop}}) {
    for (const auto& state : *list) {
      if (!contains(w.states, state)) s.reject(field, "names undeclared state '" + state + "'");
    }
  }
  if (timer.start.empty()) s.reject("start", "must name at least one state");
  if (other_given) s.reject(other_key, "does not go with clock = \"" + clock + "\" (use " + limits_key + ")");
  if (limits == nullptr || limits->size() != 4) {
    s.reject(limits_key, "must list 4 limits (P1, P2, P3, P4) for clock = \"" + clock + "\"");
  } else {
    for (std::size_t p = 0; p < 4; ++p) {
      auto v = (*limits)[p].value<double>();
      if (!v || *v <= 0) s.reject(limits_key, "limit " + std::to_string(p + 1) + " must be a positive number");
      else timer.limits[p] = *v;
    }
  }
  if (by_category != nullptr) {
    for (const auto& [category, node] : *by_category) {
      const std::string id(category.str());
      auto v = node.value<double>();
      if (!v || *v <= 0) {
        return Status(ErrorCode::kConfig, config_where(file, node) + ": key '" + section_name + ".by_category.\"" + id +
                                              "\"' = " + config_value(node) + ": must be a positive number");
      }
      if (!ctx.d.categories.contains(id)) {
        return Status(ErrorCode::kConfig, config_where(file, node) + ": key '" + section_name + ".by_category.\"" + id +
                                              "\"': '" + id + "' is not a category of categories.toml");
      }
      timer.by_category[id] = *v;
    }
  }
  if (timer.on_expiry != "supervisor") s.reject("on_expiry", "is not \"supervisor\"");
  timer.clock = clock == "wall" ? WorkflowTimer::ClockKind::kWall : WorkflowTimer::ClockKind::kWorking;
  if (auto st = s.finish(); !st.ok()) return st;
  return timer;
}

Status load_neighbour_watch(const std::string& file, const std::string& platform, const toml::table* t,
                            NeighbourWatch& watch) {
  ConfigSection s(t, file, "workflow." + platform + ".neighbours");
  std::int64_t seconds = 90;
  s.read("ack_seconds", seconds, 1, 86'400);
  s.read("min_acks", watch.min_acks, 1, 1000);
  s.read("on_no_ack", watch.on_no_ack);
  if (s.ok() && watch.on_no_ack != "supervisor") s.reject("on_no_ack", "is not \"supervisor\"");
  watch.ack_ms = seconds * 1000;
  return s.finish();
}

Status load_workflow(LoadContext& ctx, const std::string& file, const std::string& platform, const toml::table* t) {
  Workflow w;
  w.platform = platform;
  ConfigSection s(t, file, "workflow." + platform);
  std::string name;
  std::vector<std::string> awaiting_ack;
  s.require("states");
  s.require("transitions");
  s.read("name", name);
  s.read("states", w.states);
  s.read("initial", w.initial);
  s.read("awaiting_ack", awaiting_ack);
  s.read("declined", w.declined);
  const toml::table* transitions = s.table("transitions");
  const toml::array* timers = s.array("timer");
  const toml::table* neighbours = s.table("neighbours");
  if (!s.ok() || t == nullptr) return s.finish();
  if (!t->contains("initial") && !w.states.empty()) w.initial = w.states.front();
  const auto declared = [&](const char* key, const std::string& state) {
    if (!contains(w.states, state)) s.reject(key, "names undeclared state '" + state + "'");
  };
  declared("initial", w.initial);
  for (const auto& state : awaiting_ack) declared("awaiting_ack", state);
  for (const auto& state : w.declined) declared("declined", state);
  // The router itself moves orders to these: every workflow must have them.
  for (const char* state : {"accepted", "closed", "escalated", "cancelled"}) {
    if (!contains(w.states, state)) s.reject("states", std::string("must include '") + state + "'");
  }
  w.accepted = "accepted";
  w.closed = "closed";
  if (!s.ok()) return s.finish();
  ConfigSection moves(transitions, file, "workflow." + platform + ".transitions");
  for (const auto& state : w.states) {
    auto& list = w.transitions[state];
    moves.require(state);
    moves.read(state, list);
    for (const auto& to : list) {
      if (!contains(w.states, to)) moves.reject(state, "transition " + state + " -> " + to + " names an undeclared state");
    }
  }
  if (auto st = moves.finish(); !st.ok()) return st;
  if (timers != nullptr) {
    for (std::size_t i = 0; i < timers->size(); ++i) {
      const auto* tt = (*timers)[i].as_table();
      if (tt == nullptr) {
        return {ErrorCode::kConfig, config_where(file, (*timers)[i]) + ": [[workflow." + platform + ".timer]] entries must be tables"};
      }
      auto timer = load_timer(ctx, file, w, *tt, i);
      if (!timer.ok()) return timer.status();
      w.timers.push_back(std::move(*timer));
    }
  }
  if (neighbours != nullptr) {
    // Only a watch alarm alerts neighbours (rule alert_neighbours): the table belongs to "watch".
    if (platform != "watch") s.reject("neighbours", "only [workflow.watch] has a neighbour alert");
    else if (auto st = load_neighbour_watch(file, platform, neighbours, ctx.d.neighbour_watch); !st.ok()) return st;
  }
  if (auto st = s.finish(); !st.ok()) return st;
  ctx.d.workflows[platform] = std::move(w);
  return Status::Ok();
}

}  // namespace

Status load_workflows(LoadContext& ctx) {
  const std::string file = ctx.file("workflows.toml");
  auto doc = load_toml_file(file);
  if (!doc.ok()) return doc.status();
  ConfigSection top(&*doc, file, "");
  top.require("workflow");
  const toml::table* calendar = top.table("calendar");
  const toml::table* all = top.table("workflow");
  if (auto s = top.finish(); !s.ok()) return s;
  if (auto s = load_calendar(file, calendar, ctx.d.calendar); !s.ok()) return s;
  for (const auto& [platform, node] : *all) {
    const std::string name(platform.str());
    if (!node.is_table()) {
      return {ErrorCode::kConfig, config_where(file, node) + ": workflow." + name + " must be a table [workflow." + name + "]"};
    }
    if (auto s = load_workflow(ctx, file, name, node.as_table()); !s.ok()) return s;
  }
  if (ctx.d.workflows.empty()) return {ErrorCode::kConfig, file + ": has no [workflow.<platform>] tables"};
  return Status::Ok();
}

}  // namespace liandong::router::files
