// `liandong unit listen` (DESIGN.md, "The CLI"): a unit's console on the bus. Declared here so
// unit_commands.cpp can put it into the `unit` group; the logic is in unit_listen.cpp and
// unit_console.hpp.
#pragma once

#include <CLI/CLI.hpp>

#include "tools/cli/commands.hpp"

namespace liandong::cli {

// Adds `listen` to the `unit` group.
void add_unit_listen_command(CLI::App& unit_group, CommandRun& selected);

}  // namespace liandong::cli
