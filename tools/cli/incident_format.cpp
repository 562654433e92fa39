#include "tools/cli/incident_format.hpp"

#include <cstdio>
#include <sstream>
#include <vector>

#include "core/log.hpp"
#include "tools/cli/text_table.hpp"
#include "tools/cli/time_text.hpp"

namespace liandong::cli {

namespace {
using ojson = nlohmann::ordered_json;

template <class T>
ojson or_null(const std::optional<T>& value) {
  return value ? ojson(*value) : ojson(nullptr);
}

ojson or_null(const std::optional<v1::Location>& value) { return value ? to_json(*value) : ojson(nullptr); }

std::string priority_text(std::int64_t priority) { return "P" + std::to_string(priority); }

// "2026-11-25T07:33:39Z": the list has no room for milliseconds.
std::string utc_seconds(std::int64_t unix_ms) {
  const std::string full = format_utc(unix_ms);
  return full.substr(0, full.find('.')) + "Z";
}

std::string duplicate_note(const v1::Receipt& r) { return r.duplicate ? " (already recorded)" : ""; }

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

void fact(std::ostringstream& out, const std::string& label, const std::string& value) {
  out << "  " << label << std::string(label.size() < 12 ? 12 - label.size() : 1, ' ') << value << "\n";
}
}  // namespace

std::optional<std::int64_t> parse_priority(std::string_view text) {
  if (!text.empty() && (text.front() == 'P' || text.front() == 'p')) text.remove_prefix(1);
  if (text.size() == 1 && text[0] >= '1' && text[0] <= '4') return text[0] - '0';
  return std::nullopt;
}

std::string format_location(const v1::Location& location) {
  auto number = [](double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6f", v);
    std::string s = buf;
    s.erase(s.find_last_not_of('0') + 1);
    if (s.back() == '.') s.pop_back();
    return s;
  };
  return number(location.lat) + ", " + number(location.lon);
}

std::string report_ack_line(const v1::ReportAck& ack) {
  std::string line = "incident " + ack.incident_id + " " + ack.state;
  if (ack.merged_into) line += " (merged into " + *ack.merged_into + ")";
  if (ack.duplicate) line += " (already reported)";
  return line;
}

ojson to_json(const v1::ReportAck& ack) {
  return ojson{{"incident_id", ack.incident_id},
               {"report_id", ack.report_id},
               {"state", ack.state},
               {"duplicate", ack.duplicate},
               {"merged_into", or_null(ack.merged_into)}};
}

std::string order_receipt_line(const v1::Receipt& r) { return "order " + r.key + " " + r.state + duplicate_note(r); }

std::string incident_receipt_line(const v1::Receipt& r) {
  return "incident " + r.incident_id + " " + r.state + duplicate_note(r);
}

std::string unlink_receipt_line(const v1::Receipt& r) {
  return "incident " + r.incident_id + " unlinked, now " + r.state + duplicate_note(r);
}

std::string merge_receipt_line(const v1::Receipt& r, const std::string& into) {
  return "incident " + r.incident_id + " merged into " + into + ", now " + r.state + duplicate_note(r);
}

std::string transfer_receipt_line(const v1::Receipt& r, const std::string& to) {
  return "incident " + r.incident_id + " transferred to " + to + ", now " + r.state + duplicate_note(r);
}

ojson to_json(const v1::Receipt& r) {
  return ojson{{"key", r.key}, {"incident_id", r.incident_id}, {"state", r.state}, {"duplicate", r.duplicate}};
}

ojson to_json(const v1::Location& location) { return ojson{{"lat", location.lat}, {"lon", location.lon}}; }

ojson to_json(const v1::IncidentView& v) {
  ojson j;
  j["incident_id"] = v.incident_id;
  j["state"] = v.state;
  j["source"] = v.source;
  j["category"] = v.category;
  j["priority"] = v.priority;
  j["grid"] = or_null(v.grid);
  j["town"] = or_null(v.town);
  j["location"] = or_null(v.location);
  j["location_note"] = or_null(v.location_note);
  j["address"] = or_null(v.address);
  j["text"] = or_null(v.text);
  j["triage_reason"] = or_null(v.triage_reason);
  j["merged_into"] = or_null(v.merged_into);
  j["linked"] = v.linked;
  j["related"] = v.related.value_or(std::vector<std::string>{});
  j["report_ids"] = v.report_ids;
  j["reported_at"] = format_utc(v.reported_at_ms);
  j["reported_at_ms"] = v.reported_at_ms;
  j["orders"] = ojson::array();
  for (const auto& o : v.orders) {
    j["orders"].push_back(ojson{{"order_id", o.order_id},
                                {"unit", o.unit},
                                {"state", o.state},
                                {"rung", o.rung},
                                {"ack_deadline", format_utc(o.ack_deadline_ms)},
                                {"ack_deadline_ms", o.ack_deadline_ms},
                                {"reason", o.reason}});
  }
  j["timeline"] = ojson::array();
  for (const auto& t : v.timeline) {
    j["timeline"].push_back(ojson{{"at", format_utc(t.at_ms)}, {"at_ms", t.at_ms}, {"type", t.type}, {"text", t.text}});
  }
  return j;
}

std::string format_incident(const v1::IncidentView& v) {
  std::ostringstream out;
  out << "incident " << v.incident_id << "  " << v.state << "\n";
  fact(out, "source", v.source);
  fact(out, "category", v.category);
  fact(out, "priority", priority_text(v.priority));
  if (v.grid || v.town) {
    std::string where = v.grid.value_or("(no grid)");
    if (v.town) where += " (town " + *v.town + ")";
    fact(out, "grid", where);
  }
  if (v.location || v.location_note) {
    std::string where = v.location ? format_location(*v.location) : "";
    if (v.location_note) where += (where.empty() ? "" : "  ") + ("(" + *v.location_note + ")");
    fact(out, "location", where);
  }
  if (v.address) fact(out, "address", mask_text(*v.address));
  if (v.text) fact(out, "text", mask_text(*v.text));
  if (v.triage_reason) fact(out, "triage", mask_text(*v.triage_reason));
  if (v.merged_into) fact(out, "merged into", *v.merged_into);
  if (!v.linked.empty()) fact(out, "linked", join(v.linked, ", "));
  if (v.related && !v.related->empty()) fact(out, "related", join(*v.related, ", ") + " (possibly; each dispatched)");
  fact(out, "reported", format_utc(v.reported_at_ms));
  fact(out, "report ids", v.report_ids.empty() ? "(none)" : join(v.report_ids, ", "));

  out << "\norders (" << v.orders.size() << ")\n";
  if (v.orders.empty()) {
    out << "  (none)\n";
  } else {
    std::vector<std::vector<std::string>> rows{{"ORDER", "UNIT", "STATE", "RUNG", "ACK BY (UTC)", "REASON"}};
    for (const auto& o : v.orders) {
      rows.push_back({o.order_id, o.unit, o.state, std::to_string(o.rung), format_utc(o.ack_deadline_ms),
                      mask_text(o.reason)});
    }
    out << format_table(rows);
  }

  out << "\ntimeline (" << v.timeline.size() << ")\n";
  if (v.timeline.empty()) {
    out << "  (none)\n";
  } else {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : v.timeline) rows.push_back({format_utc(t.at_ms), t.type, mask_text(t.text)});
    out << format_table(rows);
  }
  return out.str();
}

ojson to_json(const v1::IncidentList& list) {
  ojson j;
  j["total"] = list.total;
  j["incidents"] = ojson::array();
  for (const auto& s : list.incidents) {
    j["incidents"].push_back(ojson{{"incident_id", s.incident_id},
                                   {"state", s.state},
                                   {"source", s.source},
                                   {"category", s.category},
                                   {"priority", s.priority},
                                   {"grid", or_null(s.grid)},
                                   {"reported_at", format_utc(s.reported_at_ms)},
                                   {"reported_at_ms", s.reported_at_ms},
                                   {"open_orders", s.open_orders}});
  }
  return j;
}

std::string format_incident_list(const v1::IncidentList& list) {
  std::string out;
  if (!list.incidents.empty()) {
    std::vector<std::vector<std::string>> rows{
        {"ID", "STATE", "SOURCE", "CATEGORY", "P", "GRID", "REPORTED (UTC)", "OPEN ORDERS"}};
    for (const auto& s : list.incidents) {
      rows.push_back({s.incident_id, s.state, s.source, s.category, priority_text(s.priority), s.grid.value_or("-"),
                      utc_seconds(s.reported_at_ms), std::to_string(s.open_orders)});
    }
    out = format_table(rows, "");
  }
  return out + std::to_string(list.incidents.size()) + " of " + std::to_string(list.total) + "\n";
}

ojson to_json(const v1::DispatchOrder& o) {
  return ojson{{"order_id", o.order_id},
               {"incident_id", o.incident_id},
               {"unit", o.unit},
               {"source", o.source},
               {"category", o.category},
               {"priority", o.priority},
               {"grid", or_null(o.grid)},
               {"location", or_null(o.location)},
               {"address", or_null(o.address)},
               {"text", or_null(o.text)},
               {"ack_deadline", format_utc(o.ack_deadline_ms)},
               {"ack_deadline_ms", o.ack_deadline_ms},
               {"rung", o.rung},
               {"reason", or_null(o.reason)}};
}

std::string dispatch_order_line(const v1::DispatchOrder& o) {
  std::string line = "order " + o.order_id + " for incident " + o.incident_id + ": " + priority_text(o.priority) +
                     " " + o.category + " (" + o.source + ")";
  if (o.grid) line += ", grid " + *o.grid;
  if (o.address) line += ", " + mask_text(*o.address);
  if (o.location) line += ", at " + format_location(*o.location);
  line += "; accept by " + format_utc(o.ack_deadline_ms) + " (rung " + std::to_string(o.rung);
  if (o.reason) line += ": " + mask_text(*o.reason);
  line += ")";
  if (o.text) line += ": " + mask_text(*o.text);
  return line;
}

ojson to_json(const v1::StatusUpdate& u) {
  return ojson{{"update_id", u.update_id}, {"incident_id", u.incident_id}, {"unit", or_null(u.unit)},
               {"order_id", or_null(u.order_id)}, {"state", u.state},       {"note", or_null(u.note)},
               {"at", format_utc(u.at_ms)},       {"at_ms", u.at_ms}};
}

std::string status_update_line(const v1::StatusUpdate& u) {
  std::string line = u.order_id ? "order " + *u.order_id + " of incident " + u.incident_id + " " + u.state
                                 : "incident " + u.incident_id + " " + u.state;
  if (u.note) line += ": " + mask_text(*u.note);
  return line;
}

}  // namespace liandong::cli
