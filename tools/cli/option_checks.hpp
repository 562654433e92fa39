// CLI11 validators for values the wire protocol constrains (schemas/README.md §2 and §7), so a
// bad value is refused while parsing, naming the option and the value.
#pragma once

#include <CLI/CLI.hpp>

namespace liandong::cli {

// One of the platforms that report incidents: 96345, 110, citymgmt, watch.
CLI::Validator platform_check();
// A platform an incident may be transferred to: 96345, 110, citymgmt.
CLI::Validator transfer_target_check();
// A category: 1-64 characters of a-z 0-9 _ . , not starting or ending with . ("fire.building").
CLI::Validator category_check();
// An id as in a message id frame: 1-64 characters of a-z A-Z 0-9 . _ - :
CLI::Validator id_check();
// A priority P1..P4 (or 1..4, any case).
CLI::Validator priority_check();

}  // namespace liandong::cli
