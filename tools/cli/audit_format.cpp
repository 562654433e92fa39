#include "tools/cli/audit_format.hpp"

#include <msgpack.hpp>

#include "core/log.hpp"
#include "tools/cli/time_text.hpp"

namespace liandong::cli {

namespace {
nlohmann::json to_json(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: return nullptr;
    case msgpack::type::BOOLEAN: return o.via.boolean;
    case msgpack::type::POSITIVE_INTEGER: return o.via.u64;
    case msgpack::type::NEGATIVE_INTEGER: return o.via.i64;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return o.via.f64;
    case msgpack::type::STR: return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::BIN:
    case msgpack::type::EXT: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char* p = o.type == msgpack::type::BIN ? o.via.bin.ptr : o.via.ext.data();
      const std::uint32_t n = o.type == msgpack::type::BIN ? o.via.bin.size : o.via.ext.size;
      std::string hex;
      for (std::uint32_t i = 0; i < n; ++i) {
        hex.push_back(kHex[static_cast<unsigned char>(p[i]) >> 4]);
        hex.push_back(kHex[static_cast<unsigned char>(p[i]) & 0xF]);
      }
      return hex;
    }
    case msgpack::type::ARRAY: {
      auto arr = nlohmann::json::array();
      for (std::uint32_t i = 0; i < o.via.array.size; ++i) arr.push_back(to_json(o.via.array.ptr[i]));
      return arr;
    }
    case msgpack::type::MAP: {
      auto obj = nlohmann::json::object();
      for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
        const auto& kv = o.via.map.ptr[i];
        const auto key = kv.key.type == msgpack::type::STR ? std::string(kv.key.via.str.ptr, kv.key.via.str.size)
                                                           : json_text(to_json(kv.key));
        obj[key] = to_json(kv.val);
      }
      return obj;
    }
  }
  return nullptr;
}

void mask_in(nlohmann::json& value, bool inside_caller) {
  if (value.is_array()) {
    for (auto& item : value) mask_in(item, inside_caller);
    return;
  }
  if (!value.is_object()) return;
  for (auto& [key, item] : value.items()) {
    if (item.is_string()) {
      const auto text = item.get<std::string>();
      if (key == "phone" || key == "caller_phone") item = mask_phone(text);
      else if (key == "name" && inside_caller) item = mask_name(text);
      else if (key == "caller_name") item = mask_name(text);
      else if (key == "text" || key == "note") item = mask_text(text);
    } else {
      mask_in(item, key == "caller");
    }
  }
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += "\"\"";
    else out.push_back(c);
  }
  return out + "\"";
}
}  // namespace

nlohmann::json msgpack_to_json(const std::string& bytes) {
  if (bytes.empty()) return nullptr;
  try {
    auto handle = msgpack::unpack(bytes.data(), bytes.size());
    return to_json(handle.get());
  } catch (const std::exception&) {
    return {{"undecodable_msgpack_bytes", bytes.size()}};
  }
}

void mask_personal_data(nlohmann::json& value) { mask_in(value, false); }

nlohmann::json event_json(const v1::StoredEvent& event, bool unmasked) {
  auto body = msgpack_to_json(event.body.bytes);
  if (!unmasked) mask_personal_data(body);
  nlohmann::json j;
  j["seq"] = event.seq;
  j["event_id"] = event.event_id;
  j["incident_id"] = event.incident_id ? nlohmann::json(*event.incident_id) : nlohmann::json(nullptr);
  j["type"] = event.type;
  j["actor"] = event.actor;
  j["at"] = format_utc(event.at_ms);
  j["at_ms"] = event.at_ms;
  j["body"] = std::move(body);
  j["prev_hash"] = event.prev_hash;
  j["hash"] = event.hash;
  return j;
}

std::string json_text(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string csv_header() { return "seq,at,event_id,incident_id,type,actor,body,hash"; }

std::string csv_row(const v1::StoredEvent& event, bool unmasked) {
  auto body = msgpack_to_json(event.body.bytes);
  if (!unmasked) mask_personal_data(body);
  return std::to_string(event.seq) + "," + format_utc(event.at_ms) + "," + csv_field(event.event_id) + "," +
         csv_field(event.incident_id.value_or("")) + "," + csv_field(event.type) + "," + csv_field(event.actor) + "," +
         csv_field(json_text(body)) + "," + event.hash;
}

}  // namespace liandong::cli
