// The subcommands of `liandong`, one add_* function each: it declares the subcommand, its
// options and its --help on `app`, and when the subcommand is chosen sets `selected` to the
// function that runs it (main calls it after parsing and exits with what it returns).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>

namespace liandong::cli {

using CommandRun = std::function<int()>;

void add_up_command(CLI::App& app, CommandRun& selected);      // up_command.cpp
void add_demo_command(CLI::App& app, CommandRun& selected);    // up_command.cpp
void add_stats_command(CLI::App& app, CommandRun& selected);   // stats_command.cpp
// report, incident show, incidents, unit listen|ack|status, transfer: router_commands.cpp
void add_router_commands(CLI::App& app, CommandRun& selected);
// audit trail|verify|export: audit_commands.cpp
void add_audit_commands(CLI::App& app, CommandRun& selected);
// keys gen|enroll|revoke|list: keys_commands.cpp
void add_keys_commands(CLI::App& app, CommandRun& selected);

}  // namespace liandong::cli
