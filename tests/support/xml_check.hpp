// A well-formedness check for the XML the Open311 gateway writes (open311_xml.hpp): the XML
// declaration, then one root element; elements without attributes; text with only the five
// predefined entities or character references, valid UTF-8 and only XML 1.0 characters. Used by
// the unit tests and the fuzz target, so both check the same rule without an XML library.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/utf8.hpp"

namespace liandong::testing {

// nullopt when `doc` is well-formed in that subset, else what is wrong and where.
inline std::optional<std::string> xml_problem(std::string_view doc) {
  auto at = [](std::size_t i, const std::string& what) { return std::optional<std::string>(what + " at byte " + std::to_string(i)); };
  if (!valid_utf8(doc)) return std::string("not UTF-8");
  constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"utf-8\"?>";
  if (!doc.starts_with(kDecl)) return std::string("no XML declaration");
  auto name_char = [](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           (!first && ((c >= '0' && c <= '9') || c == '-' || c == '.'));
  };
  std::vector<std::string_view> open;
  bool root_seen = false;
  std::size_t i = kDecl.size();
  while (i < doc.size()) {
    const char c = doc[i];
    if (c == '<') {
      const bool closing = i + 1 < doc.size() && doc[i + 1] == '/';
      std::size_t j = i + (closing ? 2 : 1);
      const std::size_t name_start = j;
      while (j < doc.size() && name_char(doc[j], j == name_start)) ++j;
      const std::string_view name = doc.substr(name_start, j - name_start);
      if (name.empty()) return at(i, "a tag without a name");
      const bool empty_element = !closing && doc.substr(j, 2) == "/>";
      if (!empty_element && (j >= doc.size() || doc[j] != '>')) return at(i, "a malformed tag");
      if (open.empty() && !closing && root_seen) return at(i, "a second root element");
      if (closing) {
        if (open.empty() || open.back() != name) return at(i, "a closing tag that matches no open element");
        open.pop_back();
      } else if (!empty_element) {
        open.push_back(name);
      }
      root_seen = true;
      i = j + (empty_element ? 2 : 1);
      continue;
    }
    if (open.empty() && c != '\n' && c != ' ' && c != '\t' && c != '\r') return at(i, "text outside the root element");
    if (c == '&') {
      const std::size_t semi = doc.find(';', i);
      if (semi == std::string_view::npos) return at(i, "an unterminated entity");
      const std::string_view ref = doc.substr(i + 1, semi - i - 1);
      if (ref != "amp" && ref != "lt" && ref != "gt" && ref != "quot" && ref != "apos" && !ref.starts_with("#")) {
        return at(i, "an unknown entity");
      }
      i = semi + 1;
      continue;
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 && c != '\t' && c != '\n' && c != '\r') return at(i, "a control character");
    if (doc.substr(i, 3) == "\xEF\xBF\xBE" || doc.substr(i, 3) == "\xEF\xBF\xBF") return at(i, "U+FFFE or U+FFFF");
    if (doc.substr(i, 3) == "]]>") return at(i, "']]>' in text");
    ++i;
  }
  if (!root_seen) return std::string("no root element");
  if (!open.empty()) return "element <" + std::string(open.back()) + "> is not closed";
  return std::nullopt;
}

}  // namespace liandong::testing
