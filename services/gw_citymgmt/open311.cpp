#include "services/gw_citymgmt/open311.hpp"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/config.hpp"
#include "core/utf8.hpp"

namespace liandong::citymgmt {
namespace {

constexpr std::size_t kMaxText = 4000;   // description
constexpr std::size_t kMaxField = 256;   // every other field

bool valid_code(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
  }
  return true;
}

Status invalid(const std::string& why) { return Status(ErrorCode::kInvalidValue, why); }

// A value quoted in an error: at most 40 bytes, printable ASCII only (anything else becomes '?'),
// because the error goes back as JSON, which must be valid UTF-8 whatever the client sent.
std::string shown(std::string_view value) {
  std::string s;
  for (char c : value.substr(0, 40)) s.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  if (value.size() > 40) s += "...";
  return s;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}


Result<std::string> url_decode(std::string_view in, std::string_view what) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= in.size()) {
        return invalid("malformed form body: truncated percent escape in " + std::string(what));
      }
      const int hi = hex_value(in[i + 1]);
      const int lo = hex_value(in[i + 2]);
      if (hi < 0 || lo < 0) return invalid("malformed form body: bad percent escape '%" + shown(in.substr(i + 1, 2)) + "' in " + std::string(what));
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  if (out.find('\0') != std::string::npos) return invalid("malformed form body: NUL byte in " + std::string(what));
  if (!valid_utf8(out)) return invalid("malformed form body: " + std::string(what) + " is not valid UTF-8");
  return out;
}

std::optional<std::string> text_param(const Params& p, const std::string& key) {
  auto it = p.find(key);
  if (it == p.end()) return std::nullopt;
  std::string v = it->second;
  // Trim blanks: an empty field is an absent one (forms send "address_string=").
  const auto b = v.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return std::nullopt;
  const auto e = v.find_last_not_of(" \t\r\n");
  return v.substr(b, e - b + 1);
}

Result<std::optional<double>> number_param(const Params& p, const std::string& key, double min, double max) {
  auto v = text_param(p, key);
  if (!v) return std::optional<double>{};
  double d = 0;
  std::size_t used = 0;
  try {
    d = std::stod(*v, &used);
  } catch (const std::exception&) {
    return invalid(key + " must be a number in degrees, not '" + shown(*v) + "'");
  }
  if (used != v->size() || !std::isfinite(d)) return invalid(key + " must be a number in degrees, not '" + shown(*v) + "'");
  if (d < min || d > max) {
    return invalid(key + " " + *v + " is out of range [" + std::to_string(static_cast<int>(min)) + ", " +
                   std::to_string(static_cast<int>(max)) + "]");
  }
  return std::optional<double>{d};
}

// Howard Hinnant's days_from_civil / civil_from_days: no time-zone library needed.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

const char* step_label(const std::string& step) {
  if (step == "reported") return "受理";
  if (step == "registered") return "立案";
  if (step == "dispatched") return "派遣";
  if (step == "accepted") return "接单";
  if (step == "handled") return "处置";
  if (step == "verified") return "核查";
  if (step == "closed") return "结案";
  if (step == "returned") return "退回";
  if (step == "escalated") return "升级";
  if (step == "transferred") return "移交";
  if (step == "cancelled") return "撤销";
  return "";
}

}  // namespace

Result<std::set<std::string>> load_category_ids(const std::string& path) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  std::set<std::string> ids;
  if (const auto* arr = doc->get_as<toml::array>("category")) {
    for (const auto& node : *arr) {
      if (const auto* t = node.as_table()) {
        if (auto id = t->get_as<std::string>("id")) ids.insert(id->get());
      }
    }
  }
  if (ids.empty()) return Status(ErrorCode::kInvalidValue, path + ": no [[category]] entries");
  return ids;
}

Result<ServiceCatalog> ServiceCatalog::load(const std::string& path, const std::set<std::string>& known_categories) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  ServiceCatalog catalog;
  const auto* arr = doc->get_as<toml::array>("service");
  if (arr == nullptr || arr->empty()) return invalid(path + ": no [[service]] entries");
  std::set<std::string> codes;
  int index = 0;
  for (const auto& node : *arr) {
    ++index;
    const std::string where = path + ": [[service]] #" + std::to_string(index);
    const auto* t = node.as_table();
    if (t == nullptr) return invalid(where + " is not a table");
    Service s;
    auto str = [&](const char* key, std::string& out, bool required) -> Status {
      const auto* n = t->get(key);
      if (n == nullptr) return required ? invalid(where + ": missing key '" + key + "'") : Status::Ok();
      if (!n->is_string()) return invalid(where + ": '" + key + "' must be a string");
      out = n->as_string()->get();
      if (required && out.empty()) return invalid(where + ": '" + key + "' is empty");
      return Status::Ok();
    };
    for (auto [key, out] : {std::pair{"service_code", &s.code}, std::pair{"service_name", &s.name},
                            std::pair{"description", &s.description}, std::pair{"group", &s.group},
                            std::pair{"category", &s.category}}) {
      if (auto st = str(key, *out, true); !st.ok()) return st;
    }
    if (const auto* kw = t->get("keywords")) {
      const auto* list = kw->as_array();
      if (list == nullptr) return invalid(where + ": 'keywords' must be a list of strings");
      for (const auto& k : *list) {
        if (!k.is_string()) return invalid(where + ": 'keywords' must be a list of strings");
        s.keywords.push_back(k.as_string()->get());
      }
    }
    for (const auto& [key, _] : *t) {
      static const std::set<std::string> kKnown = {"service_code", "service_name", "description", "group", "keywords", "category"};
      if (!kKnown.contains(std::string(key.str()))) return invalid(where + ": unknown key '" + std::string(key.str()) + "'");
    }
    if (!valid_code(s.code)) return invalid(where + ": service_code '" + s.code + "' must be 1-64 of a-z A-Z 0-9 . _ -");
    if (!codes.insert(s.code).second) return invalid(where + ": service_code '" + s.code + "' is listed twice");
    if (!known_categories.empty() && !known_categories.contains(s.category)) {
      return invalid(where + " (" + s.code + "): category '" + s.category + "' is not in categories.toml");
    }
    catalog.services_.push_back(std::move(s));
  }
  return catalog;
}

const Service* ServiceCatalog::find(const std::string& code) const {
  for (const auto& s : services_) {
    if (s.code == code) return &s;
  }
  return nullptr;
}

Open311Json ServiceCatalog::to_json() const {
  auto out = Open311Json::array();
  for (const auto& s : services_) {
    std::string keywords;
    for (const auto& k : s.keywords) keywords += (keywords.empty() ? "" : ",") + k;
    out.push_back({{"service_code", s.code},
                   {"service_name", s.name},
                   {"description", s.description},
                   {"metadata", false},
                   {"type", "realtime"},
                   {"keywords", keywords},
                   {"group", s.group}});
  }
  return out;
}

Result<Params> parse_form(std::string_view body) {
  Params params;
  std::size_t pos = 0;
  while (pos <= body.size()) {
    std::size_t end = body.find('&', pos);
    if (end == std::string_view::npos) end = body.size();
    const std::string_view pair = body.substr(pos, end - pos);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      auto key = url_decode(pair.substr(0, eq), "a field name");
      if (!key.ok()) return key.status();
      if (key->empty()) return invalid("malformed form body: a field without a name");
      auto value = url_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), "field '" + shown(*key) + "'");
      if (!value.ok()) return value.status();
      params.emplace(*key, *value);
    }
    pos = end + 1;
  }
  return params;
}

Result<Params> parse_json_params(std::string_view body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) return invalid("malformed JSON body");
  if (!doc.is_object()) return invalid("the JSON body must be an object of fields");
  Params params;
  for (const auto& [key, value] : doc.items()) {
    if (value.is_null()) continue;
    if (value.is_string()) {
      params.emplace(key, value.get<std::string>());
    } else if (value.is_number() || value.is_boolean()) {
      params.emplace(key, value.dump());
    } else {
      return invalid("field '" + shown(key) + "' must be a string or a number");
    }
  }
  return params;
}

Result<Params> parse_body(std::string_view content_type, std::string_view body) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return Params{};
  if (content_type.find("json") != std::string_view::npos) return parse_json_params(body);
  if (!content_type.empty() && content_type.find("x-www-form-urlencoded") == std::string_view::npos) {
    return invalid("Content-Type '" + shown(content_type) + "' is not supported: send application/x-www-form-urlencoded or application/json");
  }
  return parse_form(body);
}

Result<CaseInput> validate_case(const Params& params, const ServiceCatalog& catalog, const AddressIdCheck& known_address_id) {
  CaseInput in;
  for (const auto& [key, value] : params) {
    const std::size_t limit = key == "description" ? kMaxText : kMaxField;
    if (value.size() > limit) return invalid(shown(key) + " is longer than " + std::to_string(limit) + " bytes");
  }
  auto code = text_param(params, "service_code");
  const bool located = text_param(params, "lat") || text_param(params, "long") ||
                       text_param(params, "address_string") || text_param(params, "address_id");
  if (!code && !located) {
    return invalid("service_code and a location are required: service_code, and lat + long, address_string or "
                   "address_id");
  }
  if (!code) return invalid("service_code is required");
  if (catalog.find(*code) == nullptr) return invalid("service_code '" + shown(*code) + "' is not a service of GET /services.json");
  in.service_code = *code;
  auto lat = number_param(params, "lat", -90, 90);
  if (!lat.ok()) return lat.status();
  auto lon = number_param(params, "long", -180, 180);
  if (!lon.ok()) return lon.status();
  if (lat->has_value() != lon->has_value()) {
    return invalid(lat->has_value() ? "long is required with lat" : "lat is required with long");
  }
  in.lat = *lat;
  in.lon = *lon;
  in.address = text_param(params, "address_string");
  in.address_id = text_param(params, "address_id");
  if (in.address_id && (!valid_code(*in.address_id) || !known_address_id || !known_address_id(*in.address_id))) {
    return invalid("address_id '" + shown(*in.address_id) +
                   "' is not a grid of this deployment: address_id is a grid id of grids.csv, e.g. G00001");
  }
  if (!in.lat && !in.address && !in.address_id) {
    return invalid("a location is required: lat + long, address_string or address_id");
  }
  in.description = text_param(params, "description");
  in.media_url = text_param(params, "media_url");
  in.first_name = text_param(params, "first_name");
  in.last_name = text_param(params, "last_name");
  in.phone = text_param(params, "phone");
  in.email = text_param(params, "email");
  in.device_id = text_param(params, "device_id");
  in.account_id = text_param(params, "account_id");
  in.inspector_id = text_param(params, "inspector_id");
  if (in.inspector_id && !valid_code(*in.inspector_id)) {
    return invalid("inspector_id '" + shown(*in.inspector_id) + "' must be 1-64 of a-z A-Z 0-9 . _ -");
  }
  return in;
}

std::string report_id_for(std::int64_t case_id) { return "citymgmt-" + std::to_string(case_id); }

v1::IncidentReport to_incident_report(const CaseRecord& r) {
  v1::IncidentReport rep;
  rep.report_id = report_id_for(r.id);
  rep.source = "citymgmt";
  rep.category = r.category;
  if (r.input.lat && r.input.lon) rep.location = v1::Location{*r.input.lat, *r.input.lon};
  rep.address = r.input.address;
  rep.grid = r.input.address_id;  // the router routes by it, before lat/long
  std::string name;
  if (r.input.last_name) name += *r.input.last_name;
  if (r.input.first_name) name += (name.empty() || !r.input.last_name ? "" : " ") + *r.input.first_name;
  if (r.input.phone || !name.empty()) {
    v1::Caller caller;
    caller.phone = r.input.phone;
    if (!name.empty()) caller.name = name;
    rep.caller = caller;
  }
  std::string text = r.service_name;
  if (r.input.description) text += ": " + *r.input.description;
  if (r.input.inspector_id) text += " [inspector " + *r.input.inspector_id + "]";
  if (r.input.media_url) text += " [photo " + *r.input.media_url + "]";
  rep.text = text;
  rep.reported_at_ms = r.requested_at_ms;
  return rep;
}

bool is_closed_step(const std::string& step) { return step == "closed" || step == "cancelled"; }

std::string status_notes(const CaseRecord& r) {
  std::string s = r.step;
  if (const char* label = step_label(r.step); *label) s += std::string(" (") + label + ")";
  if (r.step == "reported") {
    s += ": waiting for the router to register the case";
  } else if (r.step == "registered") {
    s += r.incident_id ? ": incident " + *r.incident_id : std::string();
  } else if (r.step == "transferred") {
    // the note says where
  } else if (r.unit && !is_closed_step(r.step)) {
    s += ": " + *r.unit + " has it";
  }
  if (r.step_by && (r.step == "verified" || r.step == "closed")) s += " by " + *r.step_by;
  if (r.note) s += "; " + *r.note;
  return s;
}

Open311Json case_json(const CaseRecord& r, int utc_offset_minutes) {
  auto opt = [](const std::optional<std::string>& v) -> Open311Json { return v ? Open311Json(*v) : Open311Json(nullptr); };
  Open311Json j;
  j["service_request_id"] = std::to_string(r.id);
  j["status"] = is_closed_step(r.step) ? "closed" : "open";
  j["status_notes"] = status_notes(r);
  j["service_name"] = r.service_name;
  j["service_code"] = r.input.service_code;
  j["description"] = opt(r.input.description);
  j["agency_responsible"] = opt(r.unit);
  j["service_notice"] = nullptr;
  j["requested_datetime"] = format_iso8601(r.requested_at_ms, utc_offset_minutes);
  j["updated_datetime"] = format_iso8601(r.updated_at_ms, utc_offset_minutes);
  j["expected_datetime"] = r.expected_ms ? Open311Json(format_iso8601(*r.expected_ms, utc_offset_minutes)) : Open311Json(nullptr);
  j["address"] = opt(r.input.address);
  j["address_id"] = opt(r.input.address_id);
  j["zipcode"] = nullptr;
  j["lat"] = r.input.lat ? Open311Json(*r.input.lat) : Open311Json(nullptr);
  j["long"] = r.input.lon ? Open311Json(*r.input.lon) : Open311Json(nullptr);
  j["media_url"] = opt(r.input.media_url);
  // Liandong extensions (Open311 clients ignore unknown keys).
  j["step"] = r.step;
  j["incident_id"] = opt(r.incident_id);
  j["grid"] = opt(r.grid);
  j["inspector_id"] = opt(r.input.inspector_id);
  return j;
}

Open311Json error_json(int http_code, const std::string& description) {
  return Open311Json::array({{{"code", http_code}, {"description", description}}});
}

Result<DateWindow> date_window(std::optional<Millis> start_ms, std::optional<Millis> end_ms, Millis now_ms,
                               int utc_offset_minutes) {
  if (!start_ms && !end_ms) return DateWindow{now_ms - kMaxDateSpanMs, std::nullopt};
  if (!end_ms) return DateWindow{*start_ms, *start_ms + kMaxDateSpanMs};
  if (!start_ms) return DateWindow{*end_ms - kMaxDateSpanMs, *end_ms};
  const std::string range = "start_date " + format_iso8601(*start_ms, utc_offset_minutes) + " to end_date " +
                            format_iso8601(*end_ms, utc_offset_minutes);
  if (*end_ms < *start_ms) return invalid(range + ": end_date is before start_date");
  if (*end_ms - *start_ms > kMaxDateSpanMs) {
    return invalid(range + " spans more than 90 days, the most one query may cover (GeoReport v2): split the query");
  }
  return DateWindow{*start_ms, *end_ms};
}

std::string format_iso8601(Millis wall_ms, int utc_offset_minutes) {
  const std::int64_t secs = (wall_ms >= 0 ? wall_ms / 1000 : (wall_ms - 999) / 1000) + utc_offset_minutes * 60LL;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t rem = secs - days * 86400;
  std::int64_t y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  const int off = utc_offset_minutes < 0 ? -utc_offset_minutes : utc_offset_minutes;
  char buf[96];  // room for any int64 year the compiler can imagine (-Wformat-truncation)
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld%c%02d:%02d", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                utc_offset_minutes < 0 ? '-' : '+', off / 60, off % 60);
  return buf;
}

Result<Millis> parse_iso8601(std::string_view text, int utc_offset_minutes) {
  const Status bad = invalid("'" + shown(text) + "' is not an ISO 8601 date-time (e.g. 2026-05-01T08:00:00+08:00)");
  std::size_t i = 0;
  auto digits = [&](int n, int& out) {
    if (i + static_cast<std::size_t>(n) > text.size()) return false;
    out = 0;
    for (int k = 0; k < n; ++k) {
      const char c = text[i++];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    return true;
  };
  auto take = [&](char c) {
    if (i < text.size() && text[i] == c) {
      ++i;
      return true;
    }
    return false;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!digits(4, y) || !take('-') || !digits(2, mo) || !take('-') || !digits(2, d)) return bad;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return bad;
  int offset = utc_offset_minutes;
  if (i < text.size()) {
    if (!take('T') && !take(' ') && !take('t')) return bad;
    if (!digits(2, h) || !take(':') || !digits(2, mi)) return bad;
    if (take(':')) {
      if (!digits(2, s)) return bad;
      if (take('.') || take(',')) {
        int scale = 100;
        bool any = false;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
          ms += (text[i++] - '0') * scale;
          scale /= 10;
          any = true;
        }
        if (!any) return bad;
      }
    }
    if (h > 23 || mi > 59 || s > 60) return bad;
    if (take('Z') || take('z')) {
      offset = 0;
    } else if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
      const int sign = text[i++] == '-' ? -1 : 1;
      int oh = 0, om = 0;
      if (!digits(2, oh)) return bad;
      take(':');
      if (!digits(2, om)) return bad;
      if (oh > 14 || om > 59) return bad;
      offset = sign * (oh * 60 + om);
    }
    if (i != text.size()) return bad;
  }
  const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  const std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offset * 60LL;
  return static_cast<Millis>(secs * 1000 + ms);
}

}  // namespace liandong::citymgmt
