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
// report, incident show|unlink, incidents, unit listen|ack|status, transfer: router_commands.cpp
// wires the four below.
void add_router_commands(CLI::App& app, CommandRun& selected);
void add_report_command(CLI::App& app, CommandRun& selected);     // report_command.cpp
void add_incident_commands(CLI::App& app, CommandRun& selected);  // incident_commands.cpp: incident, incidents
void add_unit_commands(CLI::App& app, CommandRun& selected);      // unit_commands.cpp, unit_listen.cpp
void add_transfer_command(CLI::App& app, CommandRun& selected);   // transfer_command.cpp
// audit trail|verify|export: audit_commands.cpp
void add_audit_commands(CLI::App& app, CommandRun& selected);
// keys gen|enroll|revoke|list: keys_commands.cpp
void add_keys_commands(CLI::App& app, CommandRun& selected);

}  // namespace liandong::cli
