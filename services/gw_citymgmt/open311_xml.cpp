#include "services/gw_citymgmt/open311_xml.hpp"

#include "core/utf8.hpp"

namespace liandong::citymgmt {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void append_value(std::string& out, const Open311Json& value);

void append_element(std::string& out, std::string_view name, const Open311Json& value) {
  if (value.is_array()) {  // a list: the element repeated
    for (const auto& v : value) append_element(out, name, v);
    return;
  }
  out += '<';
  out += name;
  if (value.is_null() || (value.is_object() && value.empty())) {
    out += "/>";
    return;
  }
  out += '>';
  append_value(out, value);
  out += "</";
  out += name;
  out += '>';
}

void append_value(std::string& out, const Open311Json& value) {
  if (value.is_object()) {
    for (const auto& [key, v] : value.items()) append_element(out, key, v);
  } else if (value.is_string()) {
    out += xml_text(value.get_ref<const std::string&>());
  } else if (value.is_boolean()) {
    out += value.get<bool>() ? "true" : "false";
  } else {
    out += xml_text(value.dump());
  }
}

}  // namespace

std::string xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const char c = text[i];
    const std::size_t len = utf8_sequence_length(text, i);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (len == 1) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\t': case '\n': case '\r': out += c; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20) out += kReplacement;
          else out += c;
      }
    } else {
      const std::string_view seq = text.substr(i, len);
      if (seq == "\xEF\xBF\xBE" || seq == "\xEF\xBF\xBF") out += kReplacement;  // U+FFFE, U+FFFF
      else out += seq;
    }
    i += len;
  }
  return out;
}

std::string to_xml(const Open311Json& items, XmlList names) {
  std::string out = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<";
  out += names.root;
  out += '>';
  if (items.is_array()) {
    for (const auto& item : items) {
      append_element(out, names.item, item.is_object() ? item : Open311Json(nullptr));
    }
  }
  out += "</";
  out += names.root;
  out += ">\n";
  return out;
}

}  // namespace liandong::citymgmt
