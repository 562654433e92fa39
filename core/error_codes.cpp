// Names of the wire error codes; the table in schemas/README.md lists the same.
#include "core/error_codes.hpp"

namespace liandong {

namespace {
struct Entry {
  ErrorCode code;
  std::string_view name;
};
constexpr Entry kTable[] = {
    {ErrorCode::kOk, "OK"},
    {ErrorCode::kMalformed, "MALFORMED"},
    {ErrorCode::kUnsupportedVersion, "UNSUPPORTED_VERSION"},
    {ErrorCode::kNotRegistered, "NOT_REGISTERED"},
    {ErrorCode::kUnroutable, "UNROUTABLE"},
    {ErrorCode::kTooLarge, "TOO_LARGE"},
    {ErrorCode::kInvalidRegistration, "INVALID_REGISTRATION"},
    {ErrorCode::kUnknownCommand, "UNKNOWN_COMMAND"},
    {ErrorCode::kBusy, "BUSY"},
    {ErrorCode::kForbidden, "FORBIDDEN"},
    {ErrorCode::kInvalidBody, "INVALID_BODY"},
    {ErrorCode::kMissingField, "MISSING_FIELD"},
    {ErrorCode::kWrongType, "WRONG_TYPE"},
    {ErrorCode::kInvalidValue, "INVALID_VALUE"},
    {ErrorCode::kUnknownId, "UNKNOWN_ID"},
    {ErrorCode::kInvalidTransition, "INVALID_TRANSITION"},
    {ErrorCode::kUnavailable, "UNAVAILABLE"},
    {ErrorCode::kInternal, "INTERNAL"},
    {ErrorCode::kIo, "IO"},
    {ErrorCode::kConfig, "CONFIG"},
    {ErrorCode::kTimeout, "TIMEOUT"},
};
}  // namespace

std::string_view error_name(ErrorCode code) {
  for (const auto& e : kTable) {
    if (e.code == code) return e.name;
  }
  return "UNKNOWN";
}

std::optional<ErrorCode> error_code_from_number(std::uint32_t number) {
  for (const auto& e : kTable) {
    if (static_cast<std::uint32_t>(e.code) == number) return e.code;
  }
  return std::nullopt;
}

bool raised_by_broker_only(std::uint32_t number) {
  switch (static_cast<ErrorCode>(number)) {
    case ErrorCode::kMalformed:
    case ErrorCode::kUnsupportedVersion:
    case ErrorCode::kNotRegistered:
    case ErrorCode::kUnroutable:
    case ErrorCode::kTooLarge:
    case ErrorCode::kInvalidRegistration: return true;
    default: return false;
  }
}

}  // namespace liandong
