// The subcommands served by the router (DESIGN.md, "The CLI"), wired in the order --help lists
// them: report, incident show|unlink, incidents, unit listen|ack|status, transfer.
#include "tools/cli/commands.hpp"

namespace liandong::cli {

void add_router_commands(CLI::App& app, CommandRun& selected) {
  add_report_command(app, selected);
  add_incident_commands(app, selected);
  add_unit_commands(app, selected);
  add_transfer_command(app, selected);
}

}  // namespace liandong::cli
