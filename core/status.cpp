#include "core/status.hpp"

namespace liandong {

std::string Status::to_string() const {
  if (ok()) return "OK";
  return std::string(error_name(code_)) + ": " + message_;
}

}  // namespace liandong
