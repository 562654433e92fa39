// How the router's answers are shown (schemas/README.md §7, incident messages): one-line results
// of report, unit and transfer commands, the incident block and list, and the orders a unit
// receives; each for people and as JSON for scripts. Human-readable text masks phone numbers in
// free text (core/log.hpp); JSON carries the router's values as they came.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "schemas/messages.hpp"

namespace liandong::cli {

// "P1".."P4" or "1".."4" (any case) as 1..4; nothing for anything else.
std::optional<std::int64_t> parse_priority(std::string_view text);

// "31.23, 121.47": at most six decimals, trailing zeros dropped.
std::string format_location(const v1::Location& location);

// "incident ID STATE", then " (merged into ID)" and " (already reported)" when they apply.
std::string report_ack_line(const v1::ReportAck& ack);
// {incident_id, report_id, state, duplicate, merged_into (null when not merged)}.
nlohmann::ordered_json to_json(const v1::ReportAck& ack);

// The one-line results of the commands answered by RECEIPT; " (already recorded)" is added when
// the router had recorded the request before.
std::string order_receipt_line(const v1::Receipt& receipt);           // "order ORDER_ID STATE"
std::string incident_receipt_line(const v1::Receipt& receipt);        // "incident ID STATE"
std::string unlink_receipt_line(const v1::Receipt& receipt);          // "incident ID unlinked, now STATE"
std::string merge_receipt_line(const v1::Receipt& receipt, const std::string& into);  // "... merged into OTHER, now STATE"
std::string transfer_receipt_line(const v1::Receipt& receipt, const std::string& to);  // "... transferred to 110, now STATE"
// {key, incident_id, state, duplicate}.
nlohmann::ordered_json to_json(const v1::Receipt& receipt);

// {lat, lon}.
nlohmann::ordered_json to_json(const v1::Location& location);
// Every field of the view, absent optional ones as null, plus "reported_at" and each order's
// "ack_deadline" and each timeline entry's "at" as UTC text next to the milliseconds.
nlohmann::ordered_json to_json(const v1::IncidentView& incident);
// A block for people: the incident's facts one per line, then its orders as a table and its
// timeline, oldest first. Times in UTC.
std::string format_incident(const v1::IncidentView& incident);

// {total, incidents: [{incident_id, state, source, category, priority, grid, reported_at,
// reported_at_ms, open_orders}]}.
nlohmann::ordered_json to_json(const v1::IncidentList& list);
// A table (ID, STATE, SOURCE, CATEGORY, P, GRID, REPORTED (UTC), OPEN ORDERS), then "N of TOTAL".
std::string format_incident_list(const v1::IncidentList& list);

// {order_id, incident_id, unit, source, category, priority, grid, location, address, text,
// ack_deadline (UTC), ack_deadline_ms, rung, reason}, absent optional fields as null.
nlohmann::ordered_json to_json(const v1::DispatchOrder& order);
// "order ID for incident ID: P1 fire.building (110), grid G, ADDRESS, at LAT, LON; accept by
// TIME (rung N: REASON): TEXT", parts that are absent left out.
std::string dispatch_order_line(const v1::DispatchOrder& order);

// {update_id, incident_id, unit, order_id, state, note, at (UTC), at_ms}.
nlohmann::ordered_json to_json(const v1::StatusUpdate& update);
// "order ID of incident ID withdrawn: NOTE" (or "incident ID STATE" without an order).
std::string status_update_line(const v1::StatusUpdate& update);

}  // namespace liandong::cli
