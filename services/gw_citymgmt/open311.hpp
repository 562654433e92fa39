// Open311 GeoReport v2 for the digital city-management gateway: the service list
// (config/zhuji/open311.toml), the parsing of a request's parameters (form or JSON body, query
// string), the validation of a new case, the date window of GET requests, and the Open311 answer
// shapes (services, requests, errors; rendered as JSON, or as XML by open311_xml.hpp). No
// sockets here: the HTTP adapter (main.cpp) only moves bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::citymgmt {

// The Open311 answers keep their fields in the spec's order (JSON keys, XML elements).
using Open311Json = nlohmann::ordered_json;

// One entry of GET /services.json and the Liandong category its cases become.
struct Service {
  std::string code;
  std::string name;
  std::string description;
  std::string group;
  std::vector<std::string> keywords;
  std::string category;
};

class ServiceCatalog {
 public:
  // Reads [[service]] entries from `path`; every category must be in `known_categories` (when
  // not empty). Errors name the file, the entry and the key.
  static Result<ServiceCatalog> load(const std::string& path, const std::set<std::string>& known_categories = {});
  const Service* find(const std::string& code) const;
  const std::vector<Service>& services() const { return services_; }
  Open311Json to_json() const;  // the GET /services.json array

 private:
  std::vector<Service> services_;
};

// The category ids of a deployment's categories.toml.
Result<std::set<std::string>> load_category_ids(const std::string& path);

// Request parameters by name; a name given twice keeps its first value.
using Params = std::map<std::string, std::string>;

// "a=1&b=x+y%21" -> {a: "1", b: "x y!"}. Refuses bad percent escapes and NUL bytes.
Result<Params> parse_form(std::string_view body);
// A JSON object of scalars (strings, numbers, booleans, null = absent) -> Params.
Result<Params> parse_json_params(std::string_view body);
// Picks the parser by the Content-Type (JSON for application/json, form otherwise). An empty (or
// blank) body has no fields whatever its Content-Type, so validation can name what is missing.
Result<Params> parse_body(std::string_view content_type, std::string_view body);

// A new case as validated from POST /requests.json.
struct CaseInput {
  std::string service_code;
  std::optional<double> lat;
  std::optional<double> lon;
  std::optional<std::string> address;
  std::optional<std::string> address_id;  // a grid id of the deployment (grids.csv), e.g. G00001
  std::optional<std::string> description;
  std::optional<std::string> media_url;
  std::optional<std::string> first_name;
  std::optional<std::string> last_name;
  std::optional<std::string> phone;
  std::optional<std::string> email;
  std::optional<std::string> device_id;
  std::optional<std::string> account_id;
  std::optional<std::string> inspector_id;
};

// Says whether an address_id is known to the deployment (the gateway: a grid of grids.csv).
using AddressIdCheck = std::function<bool(const std::string& address_id)>;

// Checks a POST /requests.json: service_code known, a location (lat + long, address_string or
// address_id), lengths bounded. The error message names the missing field, or the field and the
// value. Without `known_address_id` every address_id is refused as unknown.
Result<CaseInput> validate_case(const Params& params, const ServiceCatalog& catalog,
                                const AddressIdCheck& known_address_id = {});

// A case as the gateway keeps it (services/gw_citymgmt/case_store.hpp).
struct CaseRecord {
  std::int64_t id = 0;
  CaseInput input;
  std::string service_name;
  std::string category;
  Millis requested_at_ms = 0;
  Millis updated_at_ms = 0;
  std::string step = "reported";       // the 7-step workflow (and returned, escalated, transferred, cancelled)
  std::optional<std::string> step_by;  // who moved it there
  std::optional<std::string> note;     // the last note (refusal, decline reason, verification note)
  std::optional<std::string> incident_id;
  std::optional<std::string> order_id;
  std::optional<std::string> unit;     // agency_responsible
  std::optional<std::string> grid;
  std::optional<std::string> town;
  std::optional<Millis> expected_ms;   // the current workflow deadline
};

// "citymgmt-<case id>", the INCIDENT_REPORT's report_id and outbox key.
std::string report_id_for(std::int64_t case_id);
// The INCIDENT_REPORT a case becomes.
v1::IncidentReport to_incident_report(const CaseRecord& record);
// Open311 "open"/"closed".
bool is_closed_step(const std::string& step);
// "dispatched (派遣): citymgmt.jiyang has it".
std::string status_notes(const CaseRecord& record);
// One element of GET /requests.json.
Open311Json case_json(const CaseRecord& record, int utc_offset_minutes);

// Open311 errors: [{"code": http, "description": "..."}].
Open311Json error_json(int http_code, const std::string& description);

// GeoReport v2, GET requests: a query may not span more than 90 days, and without dates it
// covers the last 90 days.
inline constexpr Millis kMaxDateSpanMs = 90LL * 24 * 3600 * 1000;

// The requested_datetime range of a GET /requests.json, inclusive. `end_ms` absent: up to now.
struct DateWindow {
  Millis start_ms = 0;
  std::optional<Millis> end_ms;
};

// From the optional start_date and end_date: neither -> the 90 days before `now_ms`; only
// start_date -> 90 days from it; only end_date -> the 90 days before it; both -> refused when
// end_date is before start_date or the span is over 90 days (the message names both dates,
// shown with `utc_offset_minutes`).
Result<DateWindow> date_window(std::optional<Millis> start_ms, std::optional<Millis> end_ms, Millis now_ms,
                               int utc_offset_minutes);

// ISO 8601 for Open311: ms -> "2026-05-01T10:20:30+08:00".
std::string format_iso8601(Millis wall_ms, int utc_offset_minutes);
// "2026-05-01", "2026-05-01T10:20", "2026-05-01T10:20:30Z", "...+08:00", "...+0800", fractional
// seconds allowed; no zone: `utc_offset_minutes`. Errors name the value.
Result<Millis> parse_iso8601(std::string_view text, int utc_offset_minutes);

}  // namespace liandong::citymgmt
