// The scenario `liandong demo` replays (config/zhuji/demo.toml): scripted reports from the four
// platforms at given times, a seeded background of mixed reports, and how the simulated units
// answer their orders.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace liandong::cli {

// One scripted step: a report from a platform, or an operator's transfer of an earlier report.
struct DemoStep {
  double at_s = 0;             // seconds after the replay starts
  std::string name;            // optional: lets a later step refer to this one
  std::string action = "report";  // "report" or "transfer"
  std::string platform;        // "110", "96345", "citymgmt", "watch"
  std::string category;        // a category id; for citymgmt an Open311 service code is looked up
  std::optional<int> priority;
  std::optional<double> lat, lon;
  std::optional<std::string> grid;
  std::optional<std::string> household;  // watch: the household whose alarm is pressed
  std::optional<std::string> caller;     // phone number (personal data: masked when printed)
  std::optional<std::string> address;
  std::optional<std::string> text;
  int neighbour_acks = 0;      // watch: how many alerted neighbours the simulated relay acknowledges
  std::string of;              // transfer: the step whose incident moves
  std::string to;              // transfer: the platform it moves to
  std::string reason;          // transfer: why
};

struct DemoUnits {
  std::int64_t accept_min_ms = 600;   // a simulated unit accepts an order after a delay in
  std::int64_t accept_max_ms = 2500;  // [min, max], the same for the same order every run
  std::vector<std::string> never_acknowledge;  // units that never answer: their orders escalate
};

struct DemoBackground {
  double reports_per_minute = 0;
  std::uint32_t seed = 1;
  // Categories the background draws from, per platform (a platform with none sends nothing).
  std::vector<std::string> categories_110, categories_96345, categories_citymgmt;
  double watch_share = 0;  // fraction of background reports that are watch alarms
};

struct DemoScenario {
  std::string file;
  double duration_s = 60;  // the replay's length: no report is sent after it
  double settle_s = 5;     // then this long for the last answers before the summary
  DemoUnits units;
  DemoBackground background;
  std::vector<DemoStep> steps;  // in time order

  // Every step and background time scaled by `factor` (a shortened run: 0.1).
  void scale(double factor);
};

// Reads and checks a scenario; errors name the file, the step and the key.
Result<DemoScenario> load_demo_scenario(const std::string& path);

}  // namespace liandong::cli
