// The non-template half of the body codec (core/codec.hpp): type names, unpacking under limits.
#include "core/codec.hpp"

#include <new>

namespace liandong::codec_detail {

std::string_view type_name(const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: return "nil";
    case msgpack::type::BOOLEAN: return "boolean";
    case msgpack::type::POSITIVE_INTEGER:
    case msgpack::type::NEGATIVE_INTEGER: return "integer";
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return "float";
    case msgpack::type::STR: return "string";
    case msgpack::type::BIN: return "binary";
    case msgpack::type::ARRAY: return "array";
    case msgpack::type::MAP: return "map";
    case msgpack::type::EXT: return "ext";
  }
  return "unknown";
}

Status wrong_type(const std::string& path, std::string_view expected, const msgpack::object& got) {
  return {ErrorCode::kWrongType,
          "field '" + path + "': expected " + std::string(expected) + ", got " + std::string(type_name(got))};
}

Status check_keys(const msgpack::object_map& map, const std::string& path) {
  const std::string where = path.empty() ? "the body" : "map '" + path + "'";
  for (std::uint32_t i = 0; i < map.size; ++i) {
    const msgpack::object& key = map.ptr[i].key;
    if (key.type != msgpack::type::STR) {
      return {ErrorCode::kWrongType,
              where + " has a key of type " + std::string(type_name(key)) + ": map keys must be strings"};
    }
    if (!valid_utf8(std::string_view(key.via.str.ptr, key.via.str.size))) {
      return {ErrorCode::kInvalidValue, "a key of " + where + " is not valid UTF-8"};
    }
  }
  return Status::Ok();
}

Status unpack_one(std::string_view data, const DecodeLimits& limits, msgpack::object_handle& handle) {
  if (data.empty()) return {ErrorCode::kInvalidBody, "body is empty: expected a msgpack map"};
  std::size_t offset = 0;
  // "<what> longer than <limit> <unit> (decode limit <name>)": names the limit that was hit.
  const auto over = [](std::string_view what, std::size_t limit, std::string_view unit, std::string_view name) {
    return Status(ErrorCode::kInvalidBody, "body has " + std::string(what) + " longer than " + std::to_string(limit) +
                                               " " + std::string(unit) + " (decode limit " + std::string(name) + ")");
  };
  try {
    // msgpack-cxx counts an ext's type byte in its size; max_ext counts data bytes only.
    const msgpack::unpack_limit limit(limits.max_array, limits.max_map, limits.max_str, limits.max_bin,
                                      limits.max_ext + 1, limits.max_depth);
    handle = msgpack::unpack(data.data(), data.size(), offset, nullptr, nullptr, limit);
  } catch (const msgpack::insufficient_bytes&) {
    return {ErrorCode::kInvalidBody,
            "body is truncated: the msgpack value needs more than its " + std::to_string(data.size()) + " bytes"};
  } catch (const msgpack::depth_size_overflow&) {
    return {ErrorCode::kInvalidBody,
            "body nests deeper than " + std::to_string(limits.max_depth) + " levels (decode limit max_depth)"};
  } catch (const msgpack::array_size_overflow&) {
    return over("an array", limits.max_array, "items", "max_array");
  } catch (const msgpack::map_size_overflow&) {
    return over("a map", limits.max_map, "entries", "max_map");
  } catch (const msgpack::str_size_overflow&) {
    return over("a string", limits.max_str, "bytes", "max_str");
  } catch (const msgpack::bin_size_overflow&) {
    return over("binary data", limits.max_bin, "bytes", "max_bin");
  } catch (const msgpack::ext_size_overflow&) {
    return over("an ext value", limits.max_ext, "bytes", "max_ext");
  } catch (const msgpack::size_overflow&) {
    return {ErrorCode::kInvalidBody, "body exceeds the decoder's size limits"};
  } catch (const msgpack::unpack_error& e) {
    return {ErrorCode::kInvalidBody, std::string("body is not valid msgpack: ") + e.what()};
  } catch (const std::exception& e) {
    return decode_failure(e);
  }
  if (offset != data.size()) {
    return {ErrorCode::kInvalidBody,
            "body has " + std::to_string(data.size() - offset) + " trailing bytes after its msgpack value"};
  }
  return Status::Ok();
}

Status decode_failure(const std::exception& e) {
  if (dynamic_cast<const std::bad_alloc*>(&e) != nullptr) {
    return {ErrorCode::kInvalidBody, "body declares sizes too large to decode"};
  }
  return {ErrorCode::kInvalidBody, std::string("body could not be decoded: ") + e.what()};
}

}  // namespace liandong::codec_detail
