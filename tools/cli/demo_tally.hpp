// What `liandong demo` shows: one readable line per routing event of the audit log as it happens,
// and at the end a summary table per platform with the intake -> dispatch latency the simulated
// units saw. Pure: fed StoredEvents and latency samples, so tests drive it without a system.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "schemas/messages.hpp"

namespace liandong::cli {

struct PlatformTally {
  std::uint64_t reports = 0;
  std::uint64_t merged = 0;
  std::uint64_t orders = 0;
  std::uint64_t accepted = 0;
  std::uint64_t escalated = 0;
  std::uint64_t transferred_out = 0;
};

class DemoTally {
 public:
  // Takes one event of the log; returns the line to print for it, if it is worth one.
  std::optional<std::string> on_event(const v1::StoredEvent& event, Millis start_wall_ms);
  // The simulated unit received the first order of a report's incident `ms` after the report was sent.
  void add_latency(double ms) { latencies_.push_back(ms); }

  const std::map<std::string, PlatformTally>& platforms() const { return platforms_; }
  std::uint64_t neighbours_alerted() const { return neighbours_alerted_; }
  std::uint64_t neighbour_acks() const { return neighbour_acks_; }
  std::uint64_t unanswered_alarms() const { return unanswered_; }
  std::uint64_t overdue() const { return overdue_; }
  // Percentile (0..100) of the latency samples; nothing without samples.
  std::optional<double> latency_percentile(double p) const;
  std::size_t latency_samples() const { return latencies_.size(); }
  // The incident a report id became, once its incident.reported event was seen.
  std::optional<std::string> incident_of_report(const std::string& report_id) const;
  // The summary table and the latency line.
  std::string summary() const;

 private:
  struct IncidentInfo {
    std::string platform;  // its platform now (transfers move it)
    std::string category;
    std::int64_t priority = 0;
    std::string where;
  };
  std::string label(const std::string& incident_id) const;

  std::map<std::string, PlatformTally> platforms_;
  std::map<std::string, IncidentInfo> incidents_;
  std::map<std::string, std::string> order_unit_;  // order id -> unit
  std::map<std::string, std::string> report_incident_;
  std::vector<double> latencies_;
  std::uint64_t neighbours_alerted_ = 0;
  std::uint64_t neighbour_acks_ = 0;
  std::uint64_t unanswered_ = 0;
  std::uint64_t overdue_ = 0;
};

// "01JX...4F2K" -> "…4F2K": enough of an incident id to tell incidents apart on a screen.
std::string short_id(const std::string& id);

}  // namespace liandong::cli
