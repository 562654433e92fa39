#include "tools/cli/option_checks.hpp"

#include <string>

#include "core/envelope.hpp"

namespace liandong::cli {

CLI::Validator platform_check() { return CLI::IsMember({"96345", "110", "citymgmt", "watch"}); }

CLI::Validator transfer_target_check() { return CLI::IsMember({"96345", "110", "citymgmt"}); }

CLI::Validator category_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        bool ok = !value.empty() && value.size() <= 64;
        for (char c : value) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.');
        ok = ok && value.front() != '.' && value.back() != '.';
        return ok ? "" : "category '" + value + "' must be 1-64 characters of a-z 0-9 _ . not starting or ending "
                         "with . (e.g. fire.building)";
      },
      "");
}

CLI::Validator id_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return valid_name(value, kMaxMessageIdLength)
                   ? ""
                   : "id '" + value + "' must be 1-64 characters of a-z A-Z 0-9 . _ - :";
      },
      "");
}

CLI::Validator priority_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        std::string v = value;
        if (!v.empty() && (v[0] == 'P' || v[0] == 'p')) v.erase(0, 1);
        if (v.size() == 1 && v[0] >= '1' && v[0] <= '4') {
          value = "P" + v;  // one spelling from here on
          return "";
        }
        return "priority '" + value + "' must be P1, P2, P3 or P4 (P1 is life-threatening)";
      },
      "");
}

}  // namespace liandong::cli
