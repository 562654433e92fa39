#include "tools/cli/exit_codes.hpp"

#include <iostream>
#include <string>

namespace liandong::cli {

int fail(int code, std::string_view reason) {
  std::string line(reason);
  // Scripts read the reason as one line; library messages sometimes carry newlines.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  std::cerr << "liandong: " << line << "\n";
  return code;
}

}  // namespace liandong::cli
