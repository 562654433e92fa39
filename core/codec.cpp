#include "core/codec.hpp"

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

Status unpack_one(std::string_view data, const DecodeLimits& limits, msgpack::object_handle& handle) {
  if (data.empty()) return {ErrorCode::kInvalidBody, "body is empty: expected a msgpack map"};
  std::size_t offset = 0;
  try {
    const msgpack::unpack_limit limit(limits.max_array, limits.max_map, limits.max_str, limits.max_bin,
                                      limits.max_bin, limits.max_depth);
    handle = msgpack::unpack(data.data(), data.size(), offset, nullptr, nullptr, limit);
  } catch (const msgpack::insufficient_bytes&) {
    return {ErrorCode::kInvalidBody,
            "body is truncated: the msgpack value needs more than its " + std::to_string(data.size()) + " bytes"};
  } catch (const msgpack::depth_size_overflow&) {
    return {ErrorCode::kInvalidBody, "body nests deeper than " + std::to_string(limits.max_depth) + " levels"};
  } catch (const msgpack::array_size_overflow&) {
    return {ErrorCode::kInvalidBody, "body has an array longer than " + std::to_string(limits.max_array)};
  } catch (const msgpack::map_size_overflow&) {
    return {ErrorCode::kInvalidBody, "body has a map larger than " + std::to_string(limits.max_map)};
  } catch (const msgpack::str_size_overflow&) {
    return {ErrorCode::kInvalidBody, "body has a string longer than " + std::to_string(limits.max_str) + " bytes"};
  } catch (const msgpack::bin_size_overflow&) {
    return {ErrorCode::kInvalidBody, "body has binary data longer than " + std::to_string(limits.max_bin) + " bytes"};
  } catch (const msgpack::size_overflow&) {
    return {ErrorCode::kInvalidBody, "body exceeds the decoder's size limits"};
  } catch (const msgpack::parse_error& e) {
    return {ErrorCode::kInvalidBody, std::string("body is not valid msgpack: ") + e.what()};
  } catch (const std::bad_alloc&) {
    return {ErrorCode::kInvalidBody, "body declares sizes too large to decode"};
  }
  if (offset != data.size()) {
    return {ErrorCode::kInvalidBody,
            "body has " + std::to_string(data.size() - offset) + " trailing bytes after its msgpack value"};
  }
  return Status::Ok();
}

}  // namespace liandong::codec_detail
