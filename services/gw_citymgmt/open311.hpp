// Open311 GeoReport v2 for the digital city-management gateway: the service list
// (config/zhuji/open311.toml), the parsing of a request's parameters (form or JSON body, query
// string), the validation of a new case, and the Open311 JSON shapes (requests, errors). No
// sockets here: the HTTP adapter (http_server.cpp) only moves bytes.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::citymgmt {

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
  nlohmann::json to_json() const;  // the GET /services.json array

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
// Picks the parser by the Content-Type (JSON for application/json, form otherwise).
Result<Params> parse_body(std::string_view content_type, std::string_view body);

// A new case as validated from POST /requests.json.
struct CaseInput {
  std::string service_code;
  std::optional<double> lat;
  std::optional<double> lon;
  std::optional<std::string> address;
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

// Checks a POST /requests.json: service_code known, a location (lat + long, or address_string),
// lengths bounded. The error message names the field and the value.
Result<CaseInput> validate_case(const Params& params, const ServiceCatalog& catalog);

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
nlohmann::json case_json(const CaseRecord& record, int utc_offset_minutes);

// Open311 errors: [{"code": http, "description": "..."}].
nlohmann::json error_json(int http_code, const std::string& description);

// ISO 8601 for Open311: ms -> "2026-05-01T10:20:30+08:00".
std::string format_iso8601(Millis wall_ms, int utc_offset_minutes);
// "2026-05-01", "2026-05-01T10:20", "2026-05-01T10:20:30Z", "...+08:00", "...+0800", fractional
// seconds allowed; no zone: `utc_offset_minutes`. Errors name the value.
Result<Millis> parse_iso8601(std::string_view text, int utc_offset_minutes);

}  // namespace liandong::citymgmt
