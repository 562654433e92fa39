// The stable numeric error codes of the Liandong wire protocol (schemas/README.md, "Error codes").
// Numbers never change meaning once released; new codes are only ever added.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace liandong {

enum class ErrorCode : std::uint16_t {
  kOk = 0,
  // 1xx: framing and routing, raised by the broker.
  kMalformed = 100,            // wrong frame count, bad tag, bad command or id frame
  kUnsupportedVersion = 101,   // protocol tag "LDPn" with n other than 1
  kNotRegistered = 102,        // sender has not registered (or its registration expired)
  kUnroutable = 103,           // no registered peer of the destination name
  kTooLarge = 104,             // a frame exceeds the size limit
  kInvalidRegistration = 105,  // REGISTER with a bad name or role
  kUnknownCommand = 106,       // command addressed to a peer that does not handle it
  kBusy = 107,                 // destination or broker cannot take more right now; retry later
  kForbidden = 108,            // sender's role may not do this
  // 2xx: message content, raised by the endpoint that decodes the body.
  kInvalidBody = 200,          // body is not a msgpack map, is truncated, or exceeds decode limits
  kMissingField = 201,         // a required field is absent
  kWrongType = 202,            // a field has the wrong msgpack type
  kInvalidValue = 203,         // a field's value is out of range or not one of the allowed values
  kUnknownId = 204,            // an incident, order, unit, grid or household id that does not exist
  kInvalidTransition = 205,    // a status change the workflow does not allow
  // 3xx: service faults; the request may succeed if retried later.
  kUnavailable = 300,          // a service dependency (store, disk) is failing
  kInternal = 301,             // a bug: reported, never silent
  // Non-wire codes used inside processes (never sent).
  kIo = 900,
  kConfig = 901,
  kTimeout = 902,
};

// Upper-snake name of a code as it appears on the wire ("UNROUTABLE"); "UNKNOWN" for others.
std::string_view error_name(ErrorCode code);
// Reverse lookup for decoders; nullopt for numbers not in the table.
std::optional<ErrorCode> error_code_from_number(std::uint32_t number);
// True for the codes only the broker raises (schemas/README.md §4: MALFORMED, UNSUPPORTED_VERSION,
// NOT_REGISTERED, UNROUTABLE, TOO_LARGE, INVALID_REGISTRATION). The broker's own errors have an
// empty source frame; one of these codes from a named peer is a claim no peer can make.
bool raised_by_broker_only(std::uint32_t number);

}  // namespace liandong
