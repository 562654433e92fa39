// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). Strings on
// the bus are text (schemas/README.md §5): bytes that are not would break every JSON view of them
// (the gateways' APIs, `liandong audit export`), so decoders refuse them where they come in.
#pragma once

#include <cstddef>
#include <string_view>

namespace liandong {

// The length (1..4) of the well-formed UTF-8 sequence starting at s[i], or 0 when there is none
// (a stray continuation byte, an overlong form, a surrogate, a sequence cut short). i < s.size().
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

bool valid_utf8(std::string_view s);

}  // namespace liandong
