// libFuzzer target: the Open311 request parsing of the city-management gateway
// (services/gw_citymgmt/open311.hpp). Input: a Content-Type line, '\n', the request body. The
// body goes through parse_form, parse_json_params and parse_body; every parameter set is validated
// as a new case, and an accepted case must become an INCIDENT_REPORT the router accepts. The whole
// input is also read as an ISO 8601 time (the query-string dates). Every refusal must make a
// serialisable Open311 error, every accepted case a serialisable case JSON; both, rendered as
// GeoReport v2 XML, must be well-formed (tests/support/xml_check.hpp).
#include "services/gw_citymgmt/open311.hpp"
#include "services/gw_citymgmt/open311_xml.hpp"
#include "tests/fuzz/fuzz_support.hpp"
#include "tests/support/xml_check.hpp"

using namespace liandong;

namespace {

const citymgmt::ServiceCatalog& catalog() {
  static const citymgmt::ServiceCatalog cat = [] {
    auto loaded = citymgmt::ServiceCatalog::load(LIANDONG_SOURCE_DIR "/config/zhuji/open311.toml");
    fuzz::require(loaded.ok());
    return *loaded;
  }();
  return cat;
}

// A grid id of the deployment stands for a known address_id.
bool known_grid(const std::string& id) { return id.size() == 6 && id.starts_with("G0000"); }

// An answer as the client receives it: serialisable JSON, well-formed XML.
void check_answer(const citymgmt::Open311Json& doc, citymgmt::XmlList names) {
  (void)doc.dump();
  fuzz::require(!liandong::testing::xml_problem(citymgmt::to_xml(doc, names)).has_value());
}

// A refusal goes back to the client as an Open311 error: its JSON must serialise (valid UTF-8).
void check_refusal(const Status& s) {
  fuzz::require(s.code() == ErrorCode::kInvalidValue);
  check_answer(citymgmt::error_json(400, s.message()), citymgmt::kErrorsXml);
}

void check_params(const Result<citymgmt::Params>& params) {
  if (!params.ok()) {
    check_refusal(params.status());
    return;
  }
  auto in = citymgmt::validate_case(*params, catalog(), known_grid);
  if (!in.ok()) {
    check_refusal(in.status());
    return;
  }
  const citymgmt::Service* service = catalog().find(in->service_code);
  fuzz::require(service != nullptr);
  citymgmt::CaseRecord record;
  record.id = 1;
  record.input = *in;
  record.service_name = service->name;
  record.category = service->category;
  record.requested_at_ms = 1;
  record.updated_at_ms = 1;
  const auto report = decode_body<v1::IncidentReport>(encode_body(citymgmt::to_incident_report(record)));
  fuzz::require(report.ok());
  if (in->address_id) fuzz::require(known_grid(*in->address_id) && report->grid == in->address_id);
  fuzz::require(in->lat || in->address || in->address_id);
  check_answer(citymgmt::Open311Json::array({citymgmt::case_json(record, 480)}), citymgmt::kRequestsXml);
}

void check_time(std::string_view text) {
  auto t = citymgmt::parse_iso8601(text, 480);
  if (!t.ok()) {
    check_refusal(t.status());
    return;
  }
  // Between 1970 and 9998 a formatted time reads back as the same second.
  if (*t < 0 || *t > 253'370'000'000'000) return;
  auto again = citymgmt::parse_iso8601(citymgmt::format_iso8601(*t, 480), 480);
  fuzz::require(again.ok());
  fuzz::require(*again == *t - *t % 1000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t nl = input.find('\n');
  const std::string_view content_type = nl == std::string_view::npos ? std::string_view{} : input.substr(0, nl);
  const std::string_view body = nl == std::string_view::npos ? input : input.substr(nl + 1);
  check_params(citymgmt::parse_form(body));
  check_params(citymgmt::parse_json_params(body));
  check_params(citymgmt::parse_body(content_type, body));
  check_time(input);
  // Any bytes as element text: escaped into well-formed XML.
  const auto any_text = citymgmt::Open311Json::array({{{"description", std::string(body)}}});
  fuzz::require(!liandong::testing::xml_problem(citymgmt::to_xml(any_text, citymgmt::kRequestsXml)).has_value());
  return 0;
}
