#include "tools/cli/demo_tally.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/codec.hpp"
#include "services/router/router_events.hpp"
#include "tools/cli/text_table.hpp"

namespace liandong::cli {

namespace et = router::event_type;

std::string short_id(const std::string& id) { return id.size() <= 6 ? id : id.substr(id.size() - 6); }

namespace {

std::string clock_text(Millis since_start_ms) {
  char buf[32];
  const double s = static_cast<double>(std::max<Millis>(0, since_start_ms)) / 1000.0;
  std::snprintf(buf, sizeof buf, "%3d:%04.1f", static_cast<int>(s) / 60, std::fmod(s, 60.0));
  return buf;
}

template <class T>
std::optional<T> body_of(const v1::StoredEvent& e) {
  auto r = decode_body<T>(e.body.bytes);
  if (!r.ok()) return std::nullopt;
  return *r;
}

}  // namespace

std::string DemoTally::label(const std::string& incident_id) const {
  auto it = incidents_.find(incident_id);
  std::string platform = it == incidents_.end() ? "?" : it->second.platform;
  platform.resize(std::max<std::size_t>(platform.size(), 8), ' ');
  return platform + " #" + short_id(incident_id);
}

std::optional<std::string> DemoTally::on_event(const v1::StoredEvent& e, Millis start_wall_ms) {
  const std::string when = clock_text(e.at_ms - start_wall_ms) + "  ";
  const std::string incident = e.incident_id.value_or("");
  if (e.type == et::kReported) {
    auto ev = body_of<router::IncidentReported>(e);
    if (!ev) return std::nullopt;
    IncidentInfo info{ev->source, ev->category, ev->priority, ""};
    if (ev->grid) info.where = *ev->grid + (ev->town ? " (" + *ev->town + ")" : "");
    incidents_[ev->incident_id] = info;
    report_incident_[ev->report_id] = ev->incident_id;
    PlatformTally& t = platforms_[ev->source];
    ++t.reports;
    std::string line = when + label(ev->incident_id) + "  " + ev->category + " P" + std::to_string(ev->priority) +
                       (info.where.empty() ? "" : " at " + info.where);
    if (ev->merged_into) {
      ++t.merged;
      line += "  = same as #" + short_id(*ev->merged_into) + ": linked, no new dispatch";
    } else if (ev->triage_reason) {
      line += "  -> manual triage: " + *ev->triage_reason;
    }
    return line;
  }
  if (e.type == et::kDispatched) {
    auto ev = body_of<router::OrderDispatched>(e);
    if (!ev) return std::nullopt;
    order_unit_[ev->order_id] = ev->unit;
    auto it = incidents_.find(ev->incident_id);
    if (it != incidents_.end()) ++platforms_[it->second.platform].orders;
    return when + label(ev->incident_id) + "  -> order to " + ev->unit +
           (ev->rung > 0 ? " (escalation, rung " + std::to_string(ev->rung) + ")" : "") + ": " + ev->reason;
  }
  if (e.type == et::kAccepted || e.type == et::kEscalated || e.type == et::kDeclined) {
    auto ev = body_of<router::OrderChanged>(e);
    if (!ev) return std::nullopt;
    auto it = incidents_.find(ev->incident_id);
    PlatformTally* t = it == incidents_.end() ? nullptr : &platforms_[it->second.platform];
    if (e.type == et::kAccepted) {
      if (t) ++t->accepted;
      return when + label(ev->incident_id) + "     " + ev->unit + " accepted";
    }
    if (e.type == et::kEscalated) {
      if (t) ++t->escalated;
      return when + label(ev->incident_id) + "  !! " + ev->unit + " escalated: " + ev->reason;
    }
    return when + label(ev->incident_id) + "  !! " + ev->unit + " declined: " + ev->reason;
  }
  if (e.type == et::kTransferred) {
    auto ev = body_of<router::IncidentTransferred>(e);
    if (!ev) return std::nullopt;
    ++platforms_[ev->from].transferred_out;
    auto it = incidents_.find(ev->incident_id);
    if (it != incidents_.end()) it->second.platform = ev->to;
    return when + label(ev->incident_id) + "  <> transferred from " + ev->from + " to " + ev->to +
           (ev->reason ? ": " + *ev->reason : "");
  }
  if (e.type == "neighbours.alerted") {
    auto ev = body_of<router::NeighboursAlerted>(e);
    if (!ev) return std::nullopt;
    neighbours_alerted_ += ev->neighbours.size();
    return when + label(ev->incident_id) + "  -> " + std::to_string(ev->neighbours.size()) + " neighbours of " +
           ev->household + " alerted through the watch relay";
  }
  if (e.type == "neighbour.acknowledged") {
    auto ev = body_of<router::NeighbourAcknowledged>(e);
    if (!ev) return std::nullopt;
    ++neighbour_acks_;
    return when + label(ev->incident_id) + "     neighbour " + ev->household + " acknowledged";
  }
  if (e.type == "neighbours.unanswered") {
    ++unanswered_;
    return when + label(incident) + "  !! no neighbour acknowledged in time: duty supervisor told";
  }
  if (e.type == "order.overdue") {
    ++overdue_;
    auto ev = body_of<router::OrderOverdue>(e);
    return when + label(incident) + "  !! " + (ev ? ev->unit + " past its " + ev->timer + " deadline" : "order overdue");
  }
  return std::nullopt;
}

std::optional<std::string> DemoTally::incident_of_report(const std::string& report_id) const {
  auto it = report_incident_.find(report_id);
  if (it == report_incident_.end()) return std::nullopt;
  return it->second;
}

std::optional<double> DemoTally::latency_percentile(double p) const {
  if (latencies_.empty()) return std::nullopt;
  std::vector<double> sorted = latencies_;
  std::sort(sorted.begin(), sorted.end());
  const double rank = p / 100.0 * static_cast<double>(sorted.size() - 1);
  return sorted[static_cast<std::size_t>(std::llround(rank))];
}

std::string DemoTally::summary() const {
  std::vector<std::vector<std::string>> rows = {
      {"platform", "reports", "merged", "orders", "accepted", "escalated", "transferred out"}};
  PlatformTally total;
  for (const char* p : {"110", "96345", "citymgmt", "watch"}) {
    auto it = platforms_.find(p);
    const PlatformTally t = it == platforms_.end() ? PlatformTally{} : it->second;
    rows.push_back({p, std::to_string(t.reports), std::to_string(t.merged), std::to_string(t.orders),
                    std::to_string(t.accepted), std::to_string(t.escalated), std::to_string(t.transferred_out)});
    total.reports += t.reports;
    total.merged += t.merged;
    total.orders += t.orders;
    total.accepted += t.accepted;
    total.escalated += t.escalated;
    total.transferred_out += t.transferred_out;
  }
  rows.push_back({"all", std::to_string(total.reports), std::to_string(total.merged), std::to_string(total.orders),
                  std::to_string(total.accepted), std::to_string(total.escalated),
                  std::to_string(total.transferred_out)});
  std::string out = format_table(rows);
  char line[200];
  if (auto p50 = latency_percentile(50)) {
    std::snprintf(line, sizeof line,
                  "  intake -> dispatch order at the unit: p50 %.1f ms, p99 %.1f ms, max %.1f ms (%zu incidents)\n", *p50,
                  *latency_percentile(99), *latency_percentile(100), latencies_.size());
    out += line;
  } else {
    out += "  intake -> dispatch order at the unit: no samples\n";
  }
  std::snprintf(line, sizeof line, "  watch: %llu neighbours alerted, %llu acknowledgements, %llu alarms unanswered\n",
                static_cast<unsigned long long>(neighbours_alerted_), static_cast<unsigned long long>(neighbour_acks_),
                static_cast<unsigned long long>(unanswered_));
  out += line;
  return out;
}

}  // namespace liandong::cli
