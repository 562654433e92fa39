// RouterCore's merging (merge.toml; docs/architecture.md, "Merging"; schemas/README.md,
// INCIDENT_MERGE): whether a new report is the same incident as an open one near it (merged, not
// dispatched) or only possibly related to it (dispatched, and linked on the trail), and an
// operator's merge by hand.
#include <algorithm>
#include <cmath>

#include "core/codec.hpp"
#include "services/router/report_identity.hpp"
#include "services/router/router_core.hpp"
#include "services/router/routing.hpp"

namespace liandong::router {

namespace {
constexpr double kMergeCellDegrees = 0.01;  // ~1.1 km north-south: merge windows are hundreds of metres

std::pair<int, int> merge_cell(const GeoPoint& p) {
  return {static_cast<int>(std::floor(p.lat / kMergeCellDegrees)), static_cast<int>(std::floor(p.lon / kMergeCellDegrees))};
}

std::optional<GeoPoint> point_of(const std::optional<v1::Location>& l) {
  if (!l) return std::nullopt;
  return GeoPoint{l->lat, l->lon};
}

// What the new report and the open incident both name, if anything: "household H000001",
// "caller", "address". Personal data stays out of the answer (it goes into the log's reason).
std::optional<std::string> shared_identity(const IncidentReported& report, const std::string& report_caller,
                                           const std::string& report_address, const Incident& open) {
  if (report.household && open.household == report.household) return "household " + *report.household;
  if (!report_caller.empty() && report_caller == open.caller_key) return std::string("caller");
  if (!report_address.empty() && open.address && address_key(*open.address) == report_address) {
    return std::string("address");
  }
  return std::nullopt;
}

std::string whole_minutes(std::int64_t ms) { return std::to_string(std::llabs(ms) / 60'000); }
}  // namespace

void RouterCore::index_for_merge(const Incident& incident) {
  auto window = deployment_.merge_windows.find(incident.family);
  if (window == deployment_.merge_windows.end()) return;
  if (window->second.same_household && incident.household) {
    auto& recent = merge_households_[incident.family + "/" + *incident.household];
    const std::int64_t oldest = incident.reported_at_ms - window->second.window_ms;
    std::erase_if(recent, [&](const MergeEntry& e) { return e.reported_at_ms < oldest; });
    recent.push_back({incident.id, incident.reported_at_ms, {}});
  }
  auto point = incident_point(deployment_, point_of(incident.location), incident.grid);
  if (!point) return;
  auto& cell = merge_cells_[incident.family][merge_cell(*point)];
  const std::int64_t oldest = incident.reported_at_ms - window->second.window_ms;
  std::erase_if(cell, [&](const MergeEntry& e) { return e.reported_at_ms < oldest; });
  cell.push_back({incident.id, incident.reported_at_ms, *point});
}

std::optional<std::string> RouterCore::find_same_household(const IncidentReported& candidate) const {
  auto window = deployment_.merge_windows.find(candidate.family);
  if (window == deployment_.merge_windows.end() || !window->second.same_household || !candidate.household) {
    return std::nullopt;
  }
  auto recent = merge_households_.find(candidate.family + "/" + *candidate.household);
  if (recent == merge_households_.end()) return std::nullopt;
  // The most recent open incident of the household: a third press joins the first two.
  std::optional<std::string> best;
  std::int64_t best_time = 0;
  for (const auto& entry : recent->second) {
    if (std::llabs(entry.reported_at_ms - candidate.reported_at_ms) > window->second.window_ms) continue;
    const Incident& other = incidents_.at(entry.incident_id);
    if (other.closed() || other.merged_into) continue;
    if (!best || other.reported_at_ms >= best_time) {
      best = entry.incident_id;
      best_time = other.reported_at_ms;
    }
  }
  return best;
}

std::optional<RouterCore::MergeMatch> RouterCore::find_merge_target(const IncidentReported& candidate) const {
  auto window = deployment_.merge_windows.find(candidate.family);
  if (window == deployment_.merge_windows.end() || candidate.triage_reason) return std::nullopt;
  const MergeWindow& w = window->second;
  auto more_urgent = [&](const Incident& other) {
    return "more urgent (P" + std::to_string(candidate.priority) + ") than it (P" + std::to_string(other.priority) +
           "), so dispatched by its own rule";
  };
  // The same household again is the surest duplicate there is: it wins over any distance match.
  // A report more urgent than the incident it would join is never merged: that incident's orders
  // were chosen for a lesser emergency (no ambulance for a P3 "minor scrape").
  if (auto same = find_same_household(candidate)) {
    const Incident& other = incidents_.at(*same);
    if (candidate.priority < other.priority) return MergeMatch{*same, false, "possibly related: " + more_urgent(other)};
    return MergeMatch{*same, true, "household " + *candidate.household + " raised the alarm again within the merge window"};
  }
  // Another household's alarm is never a duplicate by distance: its own neighbours must be alerted
  // and its own police order made. Distance still links alarms that name no household, and in a
  // link family marks the other household's alarm as possibly related.
  const bool other_household = w.same_household && candidate.household.has_value();
  if (other_household && w.mode == MergeMode::kMerge) return std::nullopt;
  auto family = merge_cells_.find(candidate.family);
  if (family == merge_cells_.end()) return std::nullopt;
  auto point = incident_point(deployment_, point_of(candidate.location), candidate.grid);
  if (!point) return std::nullopt;
  const std::string caller = candidate.caller && candidate.caller->phone ? caller_key(*candidate.caller->phone) : "";
  const std::string address = candidate.address ? address_key(*candidate.address) : "";
  const auto [row, col] = merge_cell(*point);
  const int reach = 1 + static_cast<int>(w.distance_m / 1000.0);
  // The best incident to merge into and the best to relate to: the nearest, then the most recent
  // (merge.toml). A merge wins over a relation.
  struct Best {
    const Incident* incident = nullptr;
    double m = 0;
    std::string why;
    void offer(const Incident& other, double metres, std::string reason) {
      if (incident == nullptr || metres < m || (metres == m && other.reported_at_ms > incident->reported_at_ms)) {
        incident = &other;
        m = metres;
        why = std::move(reason);
      }
    }
  } merge_into, relate_to;
  for (int r = row - reach; r <= row + reach; ++r) {
    for (int c = col - reach; c <= col + reach; ++c) {
      auto cell = family->second.find({r, c});
      if (cell == family->second.end()) continue;
      for (const auto& entry : cell->second) {
        if (std::llabs(entry.reported_at_ms - candidate.reported_at_ms) > w.window_ms) continue;
        const double m = distance_m(*point, entry.point);
        if (m > w.distance_m) continue;
        const Incident& other = incidents_.at(entry.incident_id);
        if (other.closed() || other.merged_into) continue;
        if (w.same_category && other.category != candidate.category) continue;
        const std::string near = std::to_string(std::lround(m)) + " m and " +
                                 whole_minutes(candidate.reported_at_ms - other.reported_at_ms) + " min from it";
        if (candidate.priority < other.priority) {
          relate_to.offer(other, m, "possibly related: " + candidate.category + " " + near + ", " + more_urgent(other));
          continue;
        }
        const bool link_pair = w.mode == MergeMode::kLink || w.link_categories.contains(candidate.category) ||
                               w.link_categories.contains(other.category);
        if (!link_pair) {
          merge_into.offer(other, m, "same " + candidate.family + " family, reported near it within the merge window");
          continue;
        }
        const auto same = other_household ? std::nullopt : shared_identity(candidate, caller, address, other);
        if (same) {
          merge_into.offer(other, m, "the same " + *same + " as it, " + near);
        } else {
          relate_to.offer(other, m,
                          "possibly related: " + candidate.category + " " + near + "; it names another household, "
                          "caller or address, so both are dispatched (merge by hand if they are one)");
        }
      }
    }
  }
  if (merge_into.incident != nullptr) return MergeMatch{merge_into.incident->id, true, merge_into.why};
  if (relate_to.incident != nullptr) return MergeMatch{relate_to.incident->id, false, relate_to.why};
  return std::nullopt;
}

std::optional<Status> RouterCore::apply_merge_event(std::string_view type, std::string_view body, std::int64_t at_ms) {
  if (type != event_type::kRelated) return std::nullopt;
  auto ev = decode_body<IncidentRelated>(body);
  if (!ev.ok()) return ev.status();
  auto found = incidents_.find(ev->incident_id);
  if (found == incidents_.end()) return unknown_incident(ev->incident_id);
  auto other = incidents_.find(ev->related_to);
  if (other == incidents_.end()) return unknown_incident(ev->related_to);
  found->second.related.push_back(other->first);
  other->second.related.push_back(found->first);
  timeline(found->second, at_ms, type, "possibly related to incident " + other->first + " (" + ev->reason + ")");
  timeline(other->second, at_ms, type,
           "incident " + found->first + " reported near it, possibly related; both are dispatched");
  return Status::Ok();
}

void RouterCore::withdraw_merged_orders(Decision& d, Incident& incident) {
  const std::string into = incident.merged_into.value_or("");
  std::vector<Order> open;
  for (const auto& id : incident.order_ids) {
    if (orders_.at(id).open) open.push_back(orders_.at(id));
  }
  for (const auto& o : open) {
    record(d, event_type::kOrderClosed, incident.id, OrderChanged{o.id, incident.id, o.unit, "incident merged into " + into});
    d.after_durable.push_back(withdrawal(o, "incident " + incident.id + " merged into " + into +
                                               ": the same incident, handled by that one's orders"));
  }
}

Decision RouterCore::on_merge(const std::string& from, const std::string& message_id, const v1::IncidentMerge& merge) {
  Decision d;
  auto refuse = [&](ErrorCode code, const std::string& why) {
    ++counters_["refused"];
    d.now.push_back(error(from, code, why, message_id, v1::IncidentMerge::kCommand));
    return d;
  };
  auto it = incidents_.find(merge.incident_id);
  if (it == incidents_.end()) return refuse(ErrorCode::kUnknownId, "no incident '" + merge.incident_id + "'");
  Incident& inc = it->second;
  if (inc.seen_requests.contains(merge.request_id) || (inc.merged_into && *inc.merged_into == merge.into)) {
    // The same request again, or a merge that is already so: nothing changes.
    d.after_durable.push_back(receipt(from, merge.request_id, inc.id, inc.state, true));
    return d;
  }
  auto target = incidents_.find(merge.into);
  if (target == incidents_.end()) {
    return refuse(ErrorCode::kUnknownId, "no incident '" + merge.into + "' to merge " + inc.id + " into");
  }
  const Incident& into = target->second;
  if (into.id == inc.id) return refuse(ErrorCode::kInvalidValue, "incident " + inc.id + " cannot be merged into itself");
  if (inc.merged_into) {
    return refuse(ErrorCode::kInvalidTransition, "incident " + inc.id + " is merged into " + *inc.merged_into +
                                                     " already; unlink it first to merge it elsewhere");
  }
  if (inc.closed()) return refuse(ErrorCode::kInvalidTransition, "incident " + inc.id + " is closed");
  if (into.closed()) {
    return refuse(ErrorCode::kInvalidTransition, "incident " + into.id + " is closed: merge into an open incident");
  }
  if (into.merged_into) {
    // Only into an incident handled on its own: this keeps merges one level deep, and no cycle
    // can form (merging A into B when B is merged into A).
    return refuse(ErrorCode::kInvalidTransition,
                  "incident " + into.id + " is itself merged into " + *into.merged_into +
                      (*into.merged_into == inc.id ? " (merging would make a cycle; unlink " + into.id + " first)"
                                                   : ": merge into " + *into.merged_into + " instead"));
  }
  record(d, event_type::kLinked, inc.id,
         IncidentLinked{inc.id, into.id, "merged by hand" + (merge.reason ? ": " + *merge.reason : std::string()), from,
                        merge.request_id});
  ++counters_["merges"];
  withdraw_merged_orders(d, inc);
  d.after_durable.push_back(receipt(from, merge.request_id, inc.id, inc.state, false));
  return d;
}

}  // namespace liandong::router
