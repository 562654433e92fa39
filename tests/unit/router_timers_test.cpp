// Workflow timers on the real Zhuji deployment (issue #5): a 96345 work order assigned on a
// Friday afternoon gets its response and resolution deadlines in working hours; passing one
// records order.overdue once and tells the 96345 duty supervisor; answering in time disarms it;
// a restarted router rebuilds the timers from the log without recording anything again. Also the
// loader's reading (and refusing) of timers, the calendar, neighbour and merge settings.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/router_core.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {


inline const Deployment& zhuji_deployment() {
  static const Deployment d = [] {
    auto loaded = load_deployment(LIANDONG_SOURCE_DIR "/config/zhuji");
    INFO(loaded.status().to_string());
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return d;
}

inline std::vector<std::string> event_types(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : d.events) out.push_back(e.type);
  return out;
}

template <class Body>
std::vector<Body> events_of(const Decision& d, std::string_view type) {
  std::vector<Body> out;
  for (const auto& e : d.events) {
    if (e.type != type) continue;
    auto body = decode_body<Body>(e.body.bytes);
    REQUIRE(body.ok());
    out.push_back(*body);
  }
  return out;
}

template <class Message>
std::vector<std::pair<std::string, Message>> sent(const Decision& d) {
  std::vector<std::pair<std::string, Message>> out;
  for (const auto* list : {&d.now, &d.after_durable}) {
    for (const auto& s : *list) {
      if (s.command != Message::kCommand) continue;
      auto m = decode_body<Message>(s.body);
      REQUIRE(m.ok());
      out.emplace_back(s.to, *m);
    }
  }
  return out;
}

// Keeps every event a core records, as the audit log would, for a replay.
struct Log {
  std::vector<v1::StoredEvent> events;
  Decision keep(Decision d) {
    for (const auto& e : d.events) {
      v1::StoredEvent s;
      s.seq = static_cast<std::int64_t>(events.size()) + 1;
      s.event_id = e.event_id;
      s.incident_id = e.incident_id;
      s.type = e.type;
      s.actor = e.actor;
      s.at_ms = e.at_ms;
      s.body = e.body;
      events.push_back(s);
    }
    return d;
  }
  void replay_into(RouterCore& core) const {
    for (const auto& e : events) REQUIRE(core.apply_stored(e).ok());
  }
};

constexpr std::int64_t kFriday = 20518;       // 2026-03-06, days since 1970
constexpr Millis kStart = 1'772'784'000'000;  // 2026-03-06 16:00 +08:00
Millis local(std::int64_t day, int hour, int minute = 0) {
  return day * 86'400'000 + (hour * 60 + minute - 8 * 60) * 60'000LL;
}

v1::IncidentReport work_order(const std::string& id) {
  v1::IncidentReport r;
  r.report_id = id;
  r.source = "96345";
  r.category = "dispute.labour";  // P3: dispatched to mediation.labour
  r.grid = "G00017";
  r.reported_at_ms = kStart;
  return r;
}

std::map<std::string, std::int64_t> deadlines_in(const Decision& d) {
  std::map<std::string, std::int64_t> out;
  for (const auto& e : events_of<OrderDeadline>(d, "order.deadline")) out[e.timer] = e.deadline_ms;
  return out;
}

struct WorkOrder {
  ManualClock clock{kStart};
  RouterCore core{zhuji_deployment(), clock};
  Log log;
  Decision reported;
  std::string incident;
  std::string order;

  WorkOrder() {
    reported = log.keep(core.on_report("gw-96345", "m", work_order("wo1")));
    incident = sent<v1::ReportAck>(reported).at(0).second.incident_id;
    order = sent<v1::DispatchOrder>(reported).at(0).second.order_id;
    log.keep(core.on_order_ack("unit:mediation.labour", "a", v1::OrderAck{order, "mediation.labour", true, std::nullopt}));
  }
  // Moves the clock to `at` and ticks.
  Decision tick_at(Millis at) {
    clock.advance(at - clock.wall_ms());
    return log.keep(core.on_tick());
  }
};
}  // namespace

TEST_CASE("a 96345 work order assigned Friday 16:00 gets its deadlines in working hours", "[unit][router][timers]") {
  WorkOrder w;
  CHECK(event_types(w.reported) ==
        std::vector<std::string>{"incident.reported", "order.dispatched", "order.deadline", "order.deadline"});
  CHECK(sent<v1::DispatchOrder>(w.reported).at(0).second.unit == "mediation.labour");
  // response, P3 = 24 working hours: Fri 1.5 + Mon 7 + Tue 7 + Wed 7 + Thu 1.5 -> Thursday 10:00.
  // resolution, P3 = 40 working hours: 1.5 + five days of 7 + 3.5 -> Monday 16 March, 12:00.
  const auto deadlines = deadlines_in(w.reported);
  CHECK(deadlines == std::map<std::string, std::int64_t>{{"response", local(kFriday + 6, 10)},
                                                         {"resolution", local(kFriday + 10, 12)}});
  for (const auto& e : events_of<OrderDeadline>(w.reported, "order.deadline")) {
    CHECK(e.order_id == w.order);
    CHECK(e.incident_id == w.incident);
  }
  bool shown = false;
  const auto view = w.core.view(w.incident);
  REQUIRE(view);
  for (const auto& t : view->timeline) {
    if (t.type == "order.deadline" && t.text.find("'response'") != std::string::npos) {
      shown = true;
      CHECK_THAT(t.text, Catch::Contains("2026-03-12 10:00 +08:00"));
    }
  }
  CHECK(shown);
  CHECK(w.core.order(w.order)->timers.size() == 2);
}

TEST_CASE("an order past its deadline is recorded overdue once and told to the supervisor", "[unit][router][timers]") {
  WorkOrder w;
  CHECK(w.tick_at(local(kFriday + 6, 9, 59)).empty());
  const Decision late = w.tick_at(local(kFriday + 6, 10));
  REQUIRE(event_types(late) == std::vector<std::string>{"order.overdue"});
  const auto overdue = events_of<OrderOverdue>(late, "order.overdue")[0];
  CHECK(overdue.order_id == w.order);
  CHECK(overdue.incident_id == w.incident);
  CHECK(overdue.unit == "mediation.labour");
  CHECK(overdue.timer == "response");
  CHECK(overdue.deadline_ms == local(kFriday + 6, 10));
  const auto notices = sent<v1::Notice>(late);
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].first == "unit:supervisor.96345");
  CHECK(notices[0].second.kind == "overdue");
  CHECK(notices[0].second.order_id == std::optional<std::string>(w.order));
  CHECK_THAT(notices[0].second.text, Catch::Contains("response"));
  // The order stays with its unit, and the timer fires only once.
  CHECK(w.core.order(w.order)->unit == "mediation.labour");
  CHECK(w.core.order(w.order)->open);
  CHECK(w.tick_at(local(kFriday + 6, 16)).empty());
  // The resolution timer is separate and fires at its own deadline.
  const Decision later = w.tick_at(local(kFriday + 10, 12));
  CHECK(events_of<OrderOverdue>(later, "order.overdue").at(0).timer == "resolution");

  SECTION("replaying the log gives the same state and records nothing again") {
    RouterCore restarted(zhuji_deployment(), w.clock);
    w.log.replay_into(restarted);
    CHECK(encode_body(*restarted.view(w.incident)) == encode_body(*w.core.view(w.incident)));
    CHECK(restarted.on_tick().empty());
    CHECK(restarted.resume().empty());
  }
}

TEST_CASE("an order answered before its deadline is never overdue", "[unit][router][timers]") {
  WorkOrder w;
  w.clock.advance(local(kFriday + 3, 9) - w.clock.wall_ms());  // Monday 09:00
  v1::StatusUpdate answered;
  answered.update_id = "u1";
  answered.incident_id = w.incident;
  answered.order_id = w.order;
  answered.state = "answered";
  answered.at_ms = w.clock.wall_ms();
  const Decision d = w.log.keep(w.core.on_status("unit:mediation.labour", "m", answered));
  // Answering stops the response timer and starts the callback one (P3: 8 working hours).
  CHECK(event_types(d) == std::vector<std::string>{"order.status", "order.deadline"});
  CHECK(deadlines_in(d) == std::map<std::string, std::int64_t>{{"callback", local(kFriday + 4, 10)}});
  CHECK_FALSE(w.core.order(w.order)->timers.contains("response"));
  CHECK(w.tick_at(local(kFriday + 6, 11)).events.size() == 1);  // only the callback timer: Tuesday 10:00
  for (const auto& e : w.log.events) {
    if (e.type != "order.overdue") continue;
    CHECK(decode_body<OrderOverdue>(e.body.bytes)->timer == "callback");
  }

  SECTION("a restart in between re-arms from the log, not anew") {
    RouterCore restarted(zhuji_deployment(), w.clock);
    w.log.replay_into(restarted);
    CHECK(restarted.order(w.order)->timers.size() == 2);  // resolution and callback
    CHECK(encode_body(*restarted.view(w.incident)) == encode_body(*w.core.view(w.incident)));
    CHECK(restarted.resume().empty());
    CHECK(restarted.on_tick().empty());
  }
}

TEST_CASE("a timer event lost to a crash is armed again by resume()", "[unit][router][timers]") {
  WorkOrder w;
  RouterCore restarted(zhuji_deployment(), w.clock);
  // Only incident.reported and order.dispatched reached the log.
  REQUIRE(restarted.apply_stored(w.log.events[0]).ok());
  REQUIRE(restarted.apply_stored(w.log.events[1]).ok());
  const Decision resumed = restarted.resume();
  CHECK(deadlines_in(resumed) == deadlines_in(w.reported));
  CHECK(restarted.resume().empty());
}

TEST_CASE("the Zhuji deployment's timers, calendar, neighbours and merge settings load", "[unit][router][timers]") {
  const auto& d = zhuji_deployment();
  const auto& timers = d.workflows.at("96345").timers;
  REQUIRE(timers.size() == 3);
  CHECK(timers[0].name == "response");
  CHECK(timers[0].clock == WorkflowTimer::ClockKind::kWorking);
  CHECK(timers[0].limits == std::vector<double>{4, 8, 24, 40});
  CHECK(timers[0].start == std::vector<std::string>{"assigned", "reassigned"});
  const auto& handling = d.workflows.at("citymgmt").timers.at(1);
  CHECK(handling.limit_for("city.fly_tipping", 2) == 8);
  CHECK(handling.limit_for("city.unknown", 2) == 2);
  CHECK(d.workflows.at("110").timers.at(0).clock == WorkflowTimer::ClockKind::kWall);
  CHECK(d.calendar.local_text(kStart) == "2026-03-06 16:00 +08:00");
  CHECK(d.neighbour_watch.ack_ms == 90'000);
  CHECK(d.neighbour_watch.min_acks == 1);
  CHECK(d.merge_windows.at("watch").same_household);
  CHECK_FALSE(d.merge_windows.at("fire").same_household);
  bool alert = false;
  for (const auto& r : d.rules) alert = alert || (r.name == "watch-alarm" && r.alert_neighbours);
  CHECK(alert);
}

namespace {
namespace fs = std::filesystem;
// The Zhuji deployment in a scratch directory with one text replaced in workflows.toml (the whole
// deployment: the loader checks every file against the others); returns the loader's error
// message ("" when it loaded).
std::string load_with(const std::string& from, const std::string& to) {
  const fs::path source = LIANDONG_SOURCE_DIR "/config/zhuji";
  const fs::path dir = fs::temp_directory_path() / "liandong-router-timers-test";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(source)) fs::copy(entry.path(), dir / entry.path().filename());
  std::stringstream text;
  text << std::ifstream(source / "workflows.toml").rdbuf();
  std::string s = text.str();
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  std::ofstream(dir / "workflows.toml", std::ios::trunc) << s;
  auto loaded = load_deployment(dir.string());
  fs::remove_all(dir);
  return loaded.ok() ? "" : loaded.status().message();
}
}  // namespace

TEST_CASE("bad timer and calendar values are refused naming the file and key", "[unit][router][timers]") {
  CHECK_THAT(load_with("working_hours = [4, 8, 24, 40]", "working_hours = [4, 8, 24]"),
             Catch::Contains("workflows.toml") && Catch::Contains("workflow.96345.timer[0] 'response'.working_hours"));
  CHECK_THAT(load_with("clock = \"working\"\nworking_hours = [4, 8, 24, 40]", "clock = \"office\"\nworking_hours = [4, 8, 24, 40]"),
             Catch::Contains("clock' = 'office'") && Catch::Contains("is not \"wall\" or \"working\""));
  CHECK_THAT(load_with("stop = [\"answered\", \"returned\"", "stop = [\"answred\", \"returned\""),
             Catch::Contains("undeclared state 'answred'"));
  CHECK_THAT(load_with("utc_offset = \"+08:00\"", "utc_offset = \"8\""), Catch::Contains("calendar.utc_offset' = '8'"));
  CHECK_THAT(load_with("holidays = []", "holidays = [\"2026-02-30\"]"), Catch::Contains("calendar.holidays' = [ '2026-02-30' ]") && Catch::Contains("not a date"));
  CHECK_THAT(load_with("[\"14:00\", \"17:30\"]", "[\"11:00\", \"17:30\"]"), Catch::Contains("calendar.working_hours"));
  CHECK_THAT(load_with("min_acks = 1", "min_acks = 0"), Catch::Contains("workflow.watch.neighbours.min_acks"));
  CHECK(load_with("holidays = []", "holidays = [\"2026-10-01\"]").empty());
}

TEST_CASE("a router restarted before a deadline records it overdue at the deadline", "[unit][router][timers]") {
  WorkOrder w;
  // The replay leaves the deadline queues empty and they are rebuilt from the orders at the
  // first tick: the restarted router must fire exactly what the first one would have.
  RouterCore restarted(zhuji_deployment(), w.clock);
  w.log.replay_into(restarted);
  CHECK(restarted.on_tick().empty());
  w.clock.advance(local(kFriday + 6, 10) - w.clock.wall_ms());
  const Decision late = restarted.on_tick();
  REQUIRE(event_types(late) == std::vector<std::string>{"order.overdue"});
  CHECK(events_of<OrderOverdue>(late, "order.overdue").at(0).timer == "response");
  CHECK(restarted.on_tick().empty());
  CHECK(event_types(w.core.on_tick()) == std::vector<std::string>{"order.overdue"});
  CHECK(encode_body(*restarted.view(w.incident)) == encode_body(*w.core.view(w.incident)));

  // Timer lines are written from the order and the event when the view asks.
  const auto view = restarted.view(w.incident);
  REQUIRE(view);
  std::vector<std::string> lines;
  for (const auto& t : view->timeline) {
    if (t.type == "order.deadline" || t.type == "order.overdue") lines.push_back(t.text);
  }
  const std::string order = "order " + w.order + " to mediation.labour";
  CHECK(std::find(lines.begin(), lines.end(), order + ": 'response' deadline 2026-03-12 10:00 +08:00") != lines.end());
  CHECK(lines.back() ==
        order + " is overdue: 'response' deadline 2026-03-12 10:00 +08:00 passed; the duty supervisor is told");
}
