#include "services/gateway/http_api.hpp"

#include <spdlog/spdlog.h>

#include <cmath>
#include <ctime>

namespace liandong::gateway {
namespace {

using nlohmann::json;

std::string type_name(const json& value) {
  switch (value.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::string: return "string";
    case json::value_t::array: return "array";
    case json::value_t::object: return "object";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    default: return "value";
  }
}

Status wrong_type(std::string_view field, std::string_view expected, const json& got) {
  return Status(ErrorCode::kWrongType,
                "field '" + std::string(field) + "': expected " + std::string(expected) + ", got " + type_name(got));
}

Status missing(std::string_view field) {
  return Status(ErrorCode::kMissingField, "field '" + std::string(field) + "' is required");
}

const json* member(const json& object, std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

int http_status_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidBody:
    case ErrorCode::kMissingField:
    case ErrorCode::kWrongType:
    case ErrorCode::kInvalidValue:
    case ErrorCode::kMalformed:
      return 400;
    case ErrorCode::kUnknownId:
      return 404;
    case ErrorCode::kInvalidTransition:
      return 409;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kUnavailable:
    case ErrorCode::kBusy:
    case ErrorCode::kUnroutable:
      return 503;
    case ErrorCode::kForbidden:
      return 403;
    default:
      return 500;
  }
}

json error_body(const Status& status) {
  return json{{"error", {{"code", std::string(error_name(status.code()))}, {"message", status.message()}}}};
}

ApiReply error_reply(const Status& status) {
  const int http = http_status_for(status.code());
  return ApiReply{http, error_body(status), http == 503 ? kRetryAfterSeconds : 0};
}

ApiReply error_reply(int http_status, std::string_view code, std::string message) {
  return ApiReply{http_status, json{{"error", {{"code", std::string(code)}, {"message", std::move(message)}}}},
                  http_status == 503 ? kRetryAfterSeconds : 0};
}

ApiReply storage_error(std::string_view doing, const Status& status) {
  spdlog::error("{}: {}", doing, status.message());
  return error_reply(Status(ErrorCode::kUnavailable, std::string(doing) + ": " + status.message() +
                                                         "; nothing was changed, try again in a moment"));
}

Result<json> parse_json_object(std::string_view body) {
  if (body.size() > kMaxBodyBytes) {
    return Status(ErrorCode::kTooLarge, "request body is " + std::to_string(body.size()) + " bytes; at most " +
                                            std::to_string(kMaxBodyBytes) + " are accepted");
  }
  if (body.empty()) return Status(ErrorCode::kInvalidBody, "request body is empty; a JSON object is expected");
  json parsed = json::parse(body.begin(), body.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    // Parse again with exceptions only to get the parser's position for the message.
    try {
      [[maybe_unused]] json again = json::parse(body.begin(), body.end());
    } catch (const json::parse_error& e) {
      return Status(ErrorCode::kInvalidBody, "request body is not valid JSON (at byte " + std::to_string(e.byte) + ")");
    }
    return Status(ErrorCode::kInvalidBody, "request body is not valid JSON");
  }
  if (!parsed.is_object()) {
    return Status(ErrorCode::kInvalidBody, "request body must be a JSON object, got " + type_name(parsed));
  }
  return parsed;
}

Result<std::optional<std::string>> optional_string(const json& object, std::string_view key, std::string_view field,
                                                   std::size_t max_len) {
  const json* v = member(object, key);
  if (v == nullptr) return std::optional<std::string>{};
  if (!v->is_string()) return wrong_type(field, "string", *v);
  std::string s = v->get<std::string>();
  if (s.size() > max_len) {
    return Status(ErrorCode::kInvalidValue, "field '" + std::string(field) + "' is " + std::to_string(s.size()) +
                                                " bytes long; at most " + std::to_string(max_len) + " are allowed");
  }
  return std::optional<std::string>(std::move(s));
}

Result<std::string> required_string(const json& object, std::string_view key, std::string_view field,
                                    std::size_t max_len) {
  auto s = optional_string(object, key, field, max_len);
  if (!s.ok()) return s.status();
  if (!s->has_value()) return missing(field);
  if ((*s)->empty()) return Status(ErrorCode::kInvalidValue, "field '" + std::string(field) + "' must not be empty");
  return std::move(**s);
}

Result<std::optional<std::int64_t>> optional_integer(const json& object, std::string_view key, std::string_view field,
                                                     std::int64_t min, std::int64_t max) {
  const json* v = member(object, key);
  if (v == nullptr) return std::optional<std::int64_t>{};
  if (!v->is_number_integer()) return wrong_type(field, "integer", *v);
  if (v->is_number_unsigned() && v->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) {
    return Status(ErrorCode::kInvalidValue, "field '" + std::string(field) + "' is " + v->dump() + "; allowed " +
                                                std::to_string(min) + ".." + std::to_string(max));
  }
  const auto n = v->get<std::int64_t>();
  if (n < min || n > max) {
    return Status(ErrorCode::kInvalidValue, "field '" + std::string(field) + "' is " + std::to_string(n) + "; allowed " +
                                                std::to_string(min) + ".." + std::to_string(max));
  }
  return std::optional<std::int64_t>(n);
}

Result<std::optional<bool>> optional_bool(const json& object, std::string_view key, std::string_view field) {
  const json* v = member(object, key);
  if (v == nullptr) return std::optional<bool>{};
  if (!v->is_boolean()) return wrong_type(field, "boolean", *v);
  return std::optional<bool>(v->get<bool>());
}

Result<std::optional<v1::Location>> optional_location(const json& object, std::string_view key,
                                                      std::string_view field) {
  const json* v = member(object, key);
  if (v == nullptr) return std::optional<v1::Location>{};
  if (!v->is_object()) return wrong_type(field, "object {\"lat\", \"lon\"}", *v);
  v1::Location loc;
  for (auto [name, out, limit] : {std::tuple{"lat", &loc.lat, 90.0}, std::tuple{"lon", &loc.lon, 180.0}}) {
    const std::string sub = std::string(field) + "." + name;
    const json* c = member(*v, name);
    if (c == nullptr) return missing(sub);
    if (!c->is_number()) return wrong_type(sub, "number", *c);
    *out = c->get<double>();
    if (!std::isfinite(*out) || std::fabs(*out) > limit) {
      return Status(ErrorCode::kInvalidValue, "field '" + sub + "' is " + c->dump() + "; allowed -" +
                                                  std::to_string(static_cast<int>(limit)) + ".." +
                                                  std::to_string(static_cast<int>(limit)));
    }
  }
  return std::optional<v1::Location>(loc);
}

Result<std::optional<v1::Caller>> read_caller(const json& object, std::string_view key, std::string_view field,
                                              bool phone_required) {
  const json* v = member(object, key);
  if (v == nullptr) {
    if (phone_required) return missing(field);
    return std::optional<v1::Caller>{};
  }
  if (!v->is_object()) return wrong_type(field, "object {\"phone\", \"name\"}", *v);
  v1::Caller caller;
  const std::string phone_field = std::string(field) + ".phone";
  auto phone = optional_string(*v, "phone", phone_field, 32);
  if (!phone.ok()) return phone.status();
  if (phone->has_value()) {
    const std::string& p = **phone;
    const bool ok = !p.empty() && p.find_first_not_of("+-0123456789 ") == std::string::npos &&
                    p.find_first_of("0123456789") != std::string::npos;
    if (!ok) {
      return Status(ErrorCode::kInvalidValue,
                    "field '" + phone_field + "' must be a phone number (digits, spaces, + and - only)");
    }
  } else if (phone_required) {
    return missing(phone_field);
  }
  caller.phone = *phone;
  auto name = optional_string(*v, "name", std::string(field) + ".name", 128);
  if (!name.ok()) return name.status();
  caller.name = *name;
  return std::optional<v1::Caller>(caller);
}

Result<std::string> read_category(const json& object, std::string_view field) {
  auto c = required_string(object, field, field, 64);
  if (!c.ok()) return c;
  const std::string& s = *c;
  const auto dot = s.find('.');
  const bool chars_ok = s.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.") == std::string::npos;
  if (!chars_ok || dot == std::string::npos || dot == 0 || dot + 1 == s.size() || s.find('.', dot + 1) != std::string::npos) {
    return Status(ErrorCode::kInvalidValue, "field '" + std::string(field) + "' is '" + s +
                                                "'; expected a category id 'family.name' of a-z 0-9 _ (e.g. "
                                                "'traffic.accident')");
  }
  return c;
}

Result<TransferRequest> parse_transfer_request(const json& body, std::string_view own) {
  TransferRequest in;
  auto to = required_string(body, "to", "to", 32);
  if (!to.ok()) return to.status();
  if (!v1::is_platform(*to)) {
    return Status(ErrorCode::kInvalidValue,
                  "field 'to' is '" + *to + "'; a platform is expected: 96345, 110, citymgmt or watch");
  }
  if (*to == own) {
    return Status(ErrorCode::kInvalidValue, "field 'to' is '" + *to + "': the incident is on that platform already");
  }
  in.to = *to;
  auto reason = required_string(body, "reason", "reason", 1024);
  if (!reason.ok()) return reason.status();
  in.reason = *reason;
  return in;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char ch : id) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '_' || ch == '-' || ch == ':';
    if (!ok) return false;
  }
  return true;
}

std::string new_record_id(IdGenerator& ids) { return ids.next(); }

std::string iso_time(std::int64_t wall_ms) {
  if (wall_ms <= 0) return "";
  const std::time_t secs = static_cast<std::time_t>(wall_ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(wall_ms % 1000));
  return buf;
}

}  // namespace liandong::gateway
