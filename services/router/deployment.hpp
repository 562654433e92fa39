// A deployment as the router sees it (DESIGN.md, "Config"): units, the grid map, households,
// the category taxonomy, routing rules, per-platform workflows and merge windows. Loaded from
// config/zhuji/ by deployment_loader; built by hand in tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "services/router/working_calendar.hpp"

namespace liandong::router {

struct GeoPoint {
  double lat = 0;
  double lon = 0;
};

// Great-circle distance in metres.
double distance_m(const GeoPoint& a, const GeoPoint& b);

struct Unit {
  std::string id;       // "police.ps03"
  std::string agency;   // "police", "fire", "ems", "citymgmt", "dept", "supervisor", "command"
  std::string name;
  std::string town;
  std::optional<GeoPoint> location;
};

struct Grid {
  std::string id;        // "G00412"
  std::string zone;
  std::string town;
  std::string community;
  std::vector<GeoPoint> polygon;               // closed ring, first point not repeated
  std::map<std::string, std::string> units;    // role ("police", "fire", "ems", "citymgmt") -> unit id
};

struct Household {
  std::string id;
  std::string phone;
  std::string grid;
  std::vector<std::string> neighbours;
};

struct Category {
  std::string id;       // "fire.building"
  std::string family;   // "fire": duplicate merging looks at families
  int default_priority = 3;
};

// One unit to dispatch for a matching incident.
struct DispatchTarget {
  // Who: "grid.<role>" (the incident's grid's unit of that role, e.g. grid.police), "supervisor"
  // (the platform's duty supervisor), or a unit id.
  std::string unit;
  Millis ack_deadline_ms = 60'000;
  // Rungs after the first choice, tried in order when an order is not accepted in time or is
  // declined: "nearest" (the nearest unit of the same agency as the order that missed, not yet
  // tried), "nearest.<agency>", "supervisor" (the platform's duty supervisor), "command" (the
  // command centre), or a unit id.
  std::vector<std::string> ladder = {"supervisor", "command"};
  Millis ladder_ack_deadline_ms = 60'000;  // the deadline of each escalated order
};

struct RoutingRule {
  std::string name;
  std::string category = "*";  // exact id, "fire.*" (a family prefix), or "*"
  std::string source = "*";    // a platform or "*"
  int min_priority = 1;
  int max_priority = 4;
  std::vector<DispatchTarget> targets;
  // Also alert the household's neighbour group (neighbourhood watch, "ten households alert").
  bool alert_neighbours = false;
};

// A deadline inside a workflow ([[workflow.<p>.timer]]): entering a start state arms it, entering
// a stop state disarms it; passing it tells the platform's duty supervisor (the order stays).
struct WorkflowTimer {
  enum class ClockKind { kWall, kWorking };
  std::string name;
  std::vector<std::string> start;
  std::vector<std::string> stop;
  ClockKind clock = ClockKind::kWall;
  // The limit per priority P1..P4: seconds on the wall clock, or working hours of the calendar.
  std::vector<double> limits = {0, 0, 0, 0};
  std::map<std::string, double> by_category;  // category id -> limit, same unit; wins over priority
  std::string on_expiry = "supervisor";

  bool starts_at(const std::string& state) const;
  bool stops_at(const std::string& state) const;
  double limit_for(const std::string& category, std::int64_t priority) const;
};

// A platform's workflow as data: order states and the transitions allowed between them.
struct Workflow {
  std::string platform;
  std::string initial = "dispatched";  // an order's state when it is sent
  std::string accepted = "accepted";   // reached by ORDER_ACK accepted=true
  std::string closed = "closed";       // final: the order (and, once all are, the incident) is done
  // States that hand the order back (110 "declined", 96345 "returned"): reaching one escalates the
  // order at once, as a decline does.
  std::vector<std::string> declined = {"declined"};
  std::vector<std::string> states;
  std::map<std::string, std::vector<std::string>> transitions;  // from -> allowed next states
  std::vector<WorkflowTimer> timers;

  bool allows(const std::string& from, const std::string& to) const;
  // "en_route, on_scene" or "(none: 'closed' is final)"
  std::string allowed_from(const std::string& from) const;
};

// What a report near an open incident of its family is (merge.toml, "mode").
enum class MergeMode {
  kMerge,  // the same incident: linked to it, no dispatch (one fire seen by many callers)
  kLink,   // possibly related: dispatched on its own and linked on the trail (two patients in one
           // street), merged only when both name the same household, caller or address
};

struct MergeWindow {
  double distance_m = 300;
  Millis window_ms = 30 * 60'000;
  // Two reports from the same household within the window are linked whatever the distance
  // (repeated presses of one watch alarm).
  bool same_household = false;
  // Only reports of the same category are duplicates (a gas leak is not a water main burst
  // nearby, though both are "utility").
  bool same_category = false;
  MergeMode mode = MergeMode::kMerge;
  // In a merge family, the categories whose reports are handled as in a link family, on either
  // side of the pair (fire.rescue: each rescue is a person).
  std::set<std::string> link_categories = {};
};

// What follows a neighbour alert ([workflow.watch.neighbours]): if fewer than min_acks neighbours
// acknowledge within ack_ms, the watch platform's duty supervisor is told.
struct NeighbourWatch {
  Millis ack_ms = 90'000;
  std::int64_t min_acks = 1;
  std::string on_no_ack = "supervisor";
};

struct Deployment {
  std::map<std::string, Unit> units;
  std::map<std::string, Grid> grids;     // by id
  std::map<std::string, Household> households;
  std::map<std::string, std::string> household_by_phone;
  std::map<std::string, Category> categories;
  std::vector<RoutingRule> rules;         // most specific first: the first match wins
  std::map<std::string, Workflow> workflows;           // by platform
  std::map<std::string, MergeWindow> merge_windows;    // by family; absent: never merged
  std::map<std::string, std::string> supervisors;      // platform -> unit id
  WorkingCalendar calendar;                            // for timers with clock = "working"
  NeighbourWatch neighbour_watch;
  std::string command_centre = "command.centre";
  Millis supervisor_ack_deadline_ms = 120'000;
  // SHA-256 of the files it was loaded from (deployment_version()); empty when built in code.
  std::string version;

  const Grid* grid(const std::string& id) const;
  const Unit* unit(const std::string& id) const;
};

}  // namespace liandong::router
