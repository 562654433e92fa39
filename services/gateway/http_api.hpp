// What the HTTP/JSON gateways (96345, 110) share without touching a socket: replies as status +
// JSON, errors as {"error": {"code", "message"}} with the HTTP status that fits the error code,
// typed readers for request fields whose errors name the field, and record ids.
// The httplib side is in http_server.hpp.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/ids.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::gateway {

// Request bodies larger than this are refused with 413 before they are parsed.
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;
// Longest free text (a caller's account, a note) kept from a request.
inline constexpr std::size_t kMaxTextBytes = 8 * 1024;

// An HTTP answer: status and JSON body; a 503 also says when to try again (Retry-After).
struct ApiReply {
  int status = 200;
  nlohmann::json body = nlohmann::json::object();
  int retry_after_s = 0;  // > 0: sent as Retry-After
};

// Seconds a client is told to wait before repeating a request refused with 503.
inline constexpr int kRetryAfterSeconds = 1;

// 400 for content errors (MISSING_FIELD, WRONG_TYPE, INVALID_VALUE, INVALID_BODY), 404 UNKNOWN_ID,
// 409 INVALID_TRANSITION, 413 TOO_LARGE, 503 UNAVAILABLE/BUSY, 500 otherwise.
int http_status_for(ErrorCode code);
// {"error": {"code": "MISSING_FIELD", "message": "..."}}
nlohmann::json error_body(const Status& status);
ApiReply error_reply(const Status& status);
ApiReply error_reply(int http_status, std::string_view code, std::string message);
// A storage fault (SQLite busy, locked, I/O): logged with what was being done, answered 503
// UNAVAILABLE naming the cause, with Retry-After; never a 404 or an empty list.
ApiReply storage_error(std::string_view doing, const Status& status);

// Parses a request body that must be one JSON object; the error names the offset of bad JSON.
Result<nlohmann::json> parse_json_object(std::string_view body);

// Typed field readers. `field` is the path shown in errors ("caller.phone"); `object` must be
// a JSON object. Strings are trimmed of nothing and must be valid UTF-8 (nlohmann checks) and at
// most `max_len` bytes; required strings must not be empty.
Result<std::string> required_string(const nlohmann::json& object, std::string_view key, std::string_view field,
                                    std::size_t max_len = 256);
Result<std::optional<std::string>> optional_string(const nlohmann::json& object, std::string_view key,
                                                   std::string_view field, std::size_t max_len = 256);
Result<std::optional<std::int64_t>> optional_integer(const nlohmann::json& object, std::string_view key,
                                                     std::string_view field, std::int64_t min, std::int64_t max);
Result<std::optional<bool>> optional_bool(const nlohmann::json& object, std::string_view key, std::string_view field);
// {"lat": .., "lon": ..} with lat in [-90, 90] and lon in [-180, 180].
Result<std::optional<v1::Location>> optional_location(const nlohmann::json& object, std::string_view key,
                                                      std::string_view field);
// {"phone": "...", "name": "..."}; `phone_required` makes caller.phone required (the object too).
Result<std::optional<v1::Caller>> read_caller(const nlohmann::json& object, std::string_view key,
                                              std::string_view field, bool phone_required);
// A category id: "family.name" of a-z 0-9 _ (e.g. "traffic.accident").
Result<std::string> read_category(const nlohmann::json& object, std::string_view field);

// {"to": "<platform>", "reason": "..."} of a transfer request; `to` must be a platform other than
// `own`, the reason is required (it goes into the audit log).
struct TransferRequest {
  std::string to;
  std::string reason;
};
Result<TransferRequest> parse_transfer_request(const nlohmann::json& body, std::string_view own);

// The wire's id syntax: 1-64 chars of a-z A-Z 0-9 . _ - :
bool is_valid_id(std::string_view id);
// A new record id (work order, incident reference): a ULID, time-ordered, 26 characters, so
// "<platform>-<id>" is a valid report id.
std::string new_record_id(IdGenerator& ids);

// Wall milliseconds as "2026-11-25T07:30:01.123Z" for people reading the JSON.
std::string iso_time(std::int64_t wall_ms);

}  // namespace liandong::gateway
