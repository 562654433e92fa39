#include "services/router/report_identity.hpp"

#include <cstdint>

namespace liandong::router {

std::string caller_key(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.starts_with("0086")) {
    digits.erase(0, 4);
  } else if (!phone.empty() && phone.front() == '+' && digits.starts_with("86")) {
    digits.erase(0, 2);
  }
  return digits;
}

namespace {
// One UTF-8 sequence at `i` (well-formed: strings on the bus are checked to be UTF-8), as its
// code point; `i` moves past it.
std::uint32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b = static_cast<unsigned char>(s[i]);
  const std::size_t n = b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
  std::uint32_t cp = n == 1 ? b : b & (0x7F >> n);
  for (std::size_t k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += n;
  return cp;
}

bool is_separator(std::uint32_t cp) {
  if (cp < 0x80) return !((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z'));
  return cp == 0x3000                        // ideographic space
         || (cp >= 0x3001 && cp <= 0x3003)   // 、。〃 (not 〇, a digit in addresses)
         || (cp >= 0x3008 && cp <= 0x3011)   // 〈〉《》「」『』【】
         || (cp >= 0x2010 && cp <= 0x2027)   // dashes, quotes, bullets, ellipsis
         || cp == 0x00B7 || cp == 0x00A0;    // middle dot, no-break space
}
}  // namespace

std::string address_key(std::string_view address) {
  std::string out;
  std::size_t i = 0;
  while (i < address.size()) {
    const std::size_t start = i;
    std::uint32_t cp = next_code_point(address, i);
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII forms: １２号 is 12号
    if (is_separator(cp)) continue;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp - 'A' + 'a' : cp));
    } else {
      out.append(address.substr(start, i - start));
    }
  }
  return out;
}

}  // namespace liandong::router
