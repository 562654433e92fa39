// The body codec: message structs <-> msgpack maps (schemas/README.md, "Bodies").
// A message type lists its fields once, in `template <class V> void fields(V& v)`, with
// v.required("name", member) or v.optional("name", std::optional member); that one list drives
// encoding and decoding. Decoding ignores unknown keys (forward compatibility) and names the field
// and the problem in every error: MISSING_FIELD, WRONG_TYPE, INVALID_VALUE or INVALID_BODY.
#pragma once

#include <msgpack.hpp>

#include <cstdint>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/status.hpp"
#include "core/utf8.hpp"

namespace liandong {

// An opaque msgpack value carried inside a message (an audit event's body): its encoded bytes.
struct RawMsgpack {
  std::string bytes;
  bool operator==(const RawMsgpack&) const = default;
};

// Limits applied to every decoded body (schemas/README.md §5); a body beyond them is refused with
// INVALID_BODY naming the limit, before any of it is converted. A value exactly at a limit is
// accepted. They bound what a hostile 1 MiB frame can make a decoder allocate or recurse into.
struct DecodeLimits {
  std::size_t max_depth = 16;         // nesting levels; the body map itself is level 1
  std::size_t max_array = 10'000;     // items in one array (an AUDIT_EVENTS page holds at most 10,000)
  std::size_t max_map = 10'000;       // entries in one map
  std::size_t max_str = 64 * 1024;    // bytes in one string, map keys included
  std::size_t max_bin = 64 * 1024;    // bytes in one binary
  std::size_t max_ext = 64 * 1024;    // bytes in one extension value
};

namespace codec_detail {

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class T>
struct is_string_map<std::map<std::string, T>> : std::true_type {};

using Packer = msgpack::packer<msgpack::sbuffer>;

struct FieldCounter {
  std::uint32_t count = 0;
  template <class T>
  void required(const char*, const T&) { ++count; }
  template <class T>
  void optional(const char*, const std::optional<T>& v) { count += v.has_value() ? 1 : 0; }
};

template <class T>
void pack_value(Packer& pk, msgpack::sbuffer& buf, const T& value);

struct FieldPacker {
  Packer& pk;
  msgpack::sbuffer& buf;
  template <class T>
  void required(const char* name, const T& v) {
    pk.pack(std::string_view(name));
    pack_value(pk, buf, v);
  }
  template <class T>
  void optional(const char* name, const std::optional<T>& v) {
    if (v) required(name, *v);
  }
};

template <class M>
void pack_message(Packer& pk, msgpack::sbuffer& buf, const M& msg) {
  // fields() is written once for both directions, so it is not const; packing only reads.
  auto& m = const_cast<M&>(msg);
  FieldCounter counter;
  m.fields(counter);
  pk.pack_map(counter.count);
  FieldPacker packer{pk, buf};
  m.fields(packer);
}

template <class T>
void pack_value(Packer& pk, msgpack::sbuffer& buf, const T& value) {
  if constexpr (std::is_same_v<T, std::string>) {
    pk.pack(value);
  } else if constexpr (std::is_same_v<T, bool>) {
    pk.pack(value);
  } else if constexpr (std::is_integral_v<T> || std::is_floating_point_v<T>) {
    pk.pack(value);
  } else if constexpr (std::is_same_v<T, RawMsgpack>) {
    if (value.bytes.empty()) {
      pk.pack_nil();
    } else {
      buf.write(value.bytes.data(), value.bytes.size());
    }
  } else if constexpr (is_vector<T>::value) {
    pk.pack_array(static_cast<std::uint32_t>(value.size()));
    for (const auto& item : value) pack_value(pk, buf, item);
  } else if constexpr (is_string_map<T>::value) {
    pk.pack_map(static_cast<std::uint32_t>(value.size()));
    for (const auto& [k, v] : value) {
      pk.pack(k);
      pack_value(pk, buf, v);
    }
  } else {
    pack_message(pk, buf, value);
  }
}

std::string_view type_name(const msgpack::object& o);
Status wrong_type(const std::string& path, std::string_view expected, const msgpack::object& got);
// Every key of a map read as a struct must be a string (WRONG_TYPE) of strict UTF-8
// (INVALID_VALUE), also the keys of fields the struct does not know: a non-string key is a broken
// body, never a field silently skipped. `path` is the map's field path, empty for the body.
Status check_keys(const msgpack::object_map& map, const std::string& path);

template <class T>
Status convert(const msgpack::object& o, T& out, const std::string& path);

struct FieldReader {
  const msgpack::object_map& map;
  std::string prefix;  // "location." for nested fields
  Status status;

  const msgpack::object* find(const char* name) const {
    const std::string_view key(name);
    for (std::uint32_t i = 0; i < map.size; ++i) {
      const auto& k = map.ptr[i].key;
      if (k.type == msgpack::type::STR && std::string_view(k.via.str.ptr, k.via.str.size) == key) {
        return &map.ptr[i].val;
      }
    }
    return nullptr;
  }

  template <class T>
  void required(const char* name, T& out) {
    if (!status.ok()) return;
    const msgpack::object* v = find(name);
    if (v == nullptr) {
      status = Status(ErrorCode::kMissingField, "missing required field '" + prefix + name + "'");
      return;
    }
    status = convert(*v, out, prefix + name);
  }

  template <class T>
  void optional(const char* name, std::optional<T>& out) {
    if (!status.ok()) return;
    const msgpack::object* v = find(name);
    if (v == nullptr || v->type == msgpack::type::NIL) {
      out.reset();  // nil is read as "absent", as JSON clients often write it
      return;
    }
    T value{};
    status = convert(*v, value, prefix + name);
    if (status.ok()) out = std::move(value);
  }
};

template <class M>
Status validate_if_any(const M& m) {
  if constexpr (requires { m.validate(); }) {
    return m.validate();
  } else {
    return Status::Ok();
  }
}

template <class T>
Status convert(const msgpack::object& o, T& out, const std::string& path) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (o.type != msgpack::type::STR) return wrong_type(path, "string", o);
    if (!valid_utf8(std::string_view(o.via.str.ptr, o.via.str.size))) {
      return {ErrorCode::kInvalidValue, "field '" + path + "' is not valid UTF-8"};
    }
    out.assign(o.via.str.ptr, o.via.str.size);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (o.type != msgpack::type::BOOLEAN) return wrong_type(path, "boolean", o);
    out = o.via.boolean;
  } else if constexpr (std::is_integral_v<T>) {
    if (o.type == msgpack::type::POSITIVE_INTEGER) {
      if (o.via.u64 > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) {
        return {ErrorCode::kInvalidValue, "field '" + path + "': " + std::to_string(o.via.u64) + " is out of range"};
      }
      out = static_cast<T>(o.via.u64);
    } else if (o.type == msgpack::type::NEGATIVE_INTEGER) {
      if constexpr (std::is_unsigned_v<T>) {
        return {ErrorCode::kInvalidValue, "field '" + path + "': " + std::to_string(o.via.i64) + " must not be negative"};
      } else {
        if (o.via.i64 < static_cast<std::int64_t>(std::numeric_limits<T>::min())) {
          return {ErrorCode::kInvalidValue, "field '" + path + "': " + std::to_string(o.via.i64) + " is out of range"};
        }
        out = static_cast<T>(o.via.i64);
      }
    } else {
      return wrong_type(path, "integer", o);
    }
  } else if constexpr (std::is_floating_point_v<T>) {
    switch (o.type) {
      case msgpack::type::FLOAT32:
      case msgpack::type::FLOAT64: out = static_cast<T>(o.via.f64); break;
      case msgpack::type::POSITIVE_INTEGER: out = static_cast<T>(o.via.u64); break;
      case msgpack::type::NEGATIVE_INTEGER: out = static_cast<T>(o.via.i64); break;
      default: return wrong_type(path, "number", o);
    }
  } else if constexpr (std::is_same_v<T, RawMsgpack>) {
    msgpack::sbuffer sb;
    msgpack::pack(sb, o);
    out.bytes.assign(sb.data(), sb.size());
  } else if constexpr (is_vector<T>::value) {
    if (o.type != msgpack::type::ARRAY) return wrong_type(path, "array", o);
    out.clear();
    out.resize(o.via.array.size);
    for (std::uint32_t i = 0; i < o.via.array.size; ++i) {
      Status s = convert(o.via.array.ptr[i], out[i], path + "[" + std::to_string(i) + "]");
      if (!s.ok()) return s;
    }
  } else if constexpr (is_string_map<T>::value) {
    if (o.type != msgpack::type::MAP) return wrong_type(path, "map", o);
    out.clear();
    for (std::uint32_t i = 0; i < o.via.map.size; ++i) {
      const auto& kv = o.via.map.ptr[i];
      if (kv.key.type != msgpack::type::STR) return wrong_type(path + " key", "string", kv.key);
      std::string key(kv.key.via.str.ptr, kv.key.via.str.size);
      if (!valid_utf8(key)) return {ErrorCode::kInvalidValue, "a key of map '" + path + "' is not valid UTF-8"};
      Status s = convert(kv.val, out[key], path + "." + key);
      if (!s.ok()) return s;
    }
  } else {
    if (o.type != msgpack::type::MAP) return wrong_type(path, "map", o);
    if (Status keys = check_keys(o.via.map, path); !keys.ok()) return keys;
    FieldReader reader{o.via.map, path + ".", Status::Ok()};
    out.fields(reader);
    if (!reader.status.ok()) return reader.status;
    return validate_if_any(out);
  }
  return Status::Ok();
}

// Unpacks one msgpack value from `data` under `limits` into `handle`; INVALID_BODY when the bytes
// are not exactly one well-formed value within the limits.
Status unpack_one(std::string_view data, const DecodeLimits& limits, msgpack::object_handle& handle);
// INVALID_BODY for an exception that escaped decoding (out of memory, a library error).
Status decode_failure(const std::exception& e);

}  // namespace codec_detail

// Encodes a message struct as a msgpack map.
template <class M>
std::string encode_body(const M& msg) {
  msgpack::sbuffer buf;
  codec_detail::Packer pk(buf);
  codec_detail::pack_message(pk, buf, msg);
  return std::string(buf.data(), buf.size());
}

// Decodes a msgpack map into a message struct, checking required fields, types and the struct's
// own validate() if it has one. Never throws: whatever the bytes, the answer is a message or a
// Status (a library exception, out of memory included, becomes INVALID_BODY).
template <class M>
Result<M> decode_body(std::string_view data, const DecodeLimits& limits = {}) {
  try {
    msgpack::object_handle handle;
    Status s = codec_detail::unpack_one(data, limits, handle);
    if (!s.ok()) return s;
    const msgpack::object& root = handle.get();
    if (root.type != msgpack::type::MAP) {
      return Status(ErrorCode::kInvalidBody,
                    "body must be a msgpack map, got " + std::string(codec_detail::type_name(root)));
    }
    s = codec_detail::check_keys(root.via.map, "");
    if (!s.ok()) return s;
    M msg{};
    codec_detail::FieldReader reader{root.via.map, "", Status::Ok()};
    msg.fields(reader);
    if (!reader.status.ok()) return reader.status;
    s = codec_detail::validate_if_any(msg);
    if (!s.ok()) return s;
    return msg;
  } catch (const std::exception& e) {
    return codec_detail::decode_failure(e);
  }
}

}  // namespace liandong
