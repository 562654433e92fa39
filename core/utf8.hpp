// Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF). Strings on
// the bus are text (schemas/README.md §5): bytes that are not would break every JSON view of them
// (the gateways' APIs, `liandong audit export`), so decoders refuse them where they come in.
#pragma once

#include <string_view>

namespace liandong {

bool valid_utf8(std::string_view s);

}  // namespace liandong
