// How audit events are shown and exported: bodies turned from msgpack into JSON, with caller
// personal data masked unless the operator asks for it unmasked.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "schemas/messages.hpp"

namespace liandong::cli {

// Any msgpack value as JSON (binary as base-16 text, maps with non-string keys stringified).
nlohmann::json msgpack_to_json(const std::string& bytes);

// Masks personal data anywhere in `value`: "phone" and "caller_phone" strings as phone numbers,
// "name" inside a "caller" object as a name, "text" and "note" free text for embedded numbers.
void mask_personal_data(nlohmann::json& value);

// One event as a JSON object: seq, event_id, incident_id, type, actor, at (UTC), at_ms, body,
// prev_hash, hash.
nlohmann::json event_json(const v1::StoredEvent& event, bool unmasked);

// The JSON text of `value`. Bytes that are not UTF-8 (only a raw event body can still hold them:
// typed fields are checked when decoded) become U+FFFD instead of failing the whole export.
std::string json_text(const nlohmann::json& value);

// The CSV header and one row (RFC 4180 quoting); the body column holds the body as JSON.
std::string csv_header();
std::string csv_row(const v1::StoredEvent& event, bool unmasked);

}  // namespace liandong::cli
