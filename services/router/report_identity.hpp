// Who and where a report names, in a form two reports can be compared by: the caller's phone
// number and the address. The merge rule of link families (merge.toml, mode = "link") merges two
// nearby reports only when they name the same household, caller or address.
#pragma once

#include <string>
#include <string_view>

namespace liandong::router {

// The digits of a phone number without a leading international prefix (+86 / 0086):
// "+86 138-0575-1111" -> "13805751111". Empty when it has no digits.
std::string caller_key(std::string_view phone);

// An address as compared: ASCII letters lower-cased; white space (the ideographic space too) and
// punctuation (ASCII, and the full-width forms Chinese text uses: ，。、；：（）－ …) removed;
// full-width letters and digits made ASCII. "Liutou community, Building 7" and
// "liutou community building 7" compare equal; so do "暨阳路１２号" and "暨阳路 12 号".
std::string address_key(std::string_view address);

}  // namespace liandong::router
