// Subcommands whose service is planned but not built yet: they parse their options like the real
// command will, then say which service is missing and exit 3 (DESIGN.md, "The CLI").
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <string_view>

#include "tools/cli/commands.hpp"

namespace liandong::cli {

enum class PlannedService { kRouter, kAudit, kSecurity };

// "'incident show' needs the router, which is not built yet (issue #4)".
std::string not_built_message(std::string_view command_path, PlannedService service);

// "incident show" for the `show` subcommand of `incident` (the program's own name left out).
std::string command_path(const CLI::App& command);

// When `command` is chosen, `selected` prints not_built_message() and returns kExitNotBuilt.
// `options` (the variables the command's options write to) is kept alive with the command.
void run_as_not_built(CLI::App& command, PlannedService service, CommandRun& selected,
                      std::shared_ptr<const void> options);

}  // namespace liandong::cli
