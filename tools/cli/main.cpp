// liandong: the operator CLI (DESIGN.md, "The CLI"). Only wires the subcommands; each lives in
// its own *_command(s).cpp.
#include <CLI/CLI.hpp>

#include "tools/cli/commands.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/help_formatter.hpp"

using namespace liandong::cli;

namespace {
// The deepest subcommand given on the command line ("unit ack"), or nullptr for none.
const CLI::App* deepest_command(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return at;
}

std::string usage_error(const CLI::App& app, const CLI::ParseError& e) {
  const CLI::App* at = deepest_command(app);
  const std::string name = at == &app ? "liandong" : "liandong " + command_path(*at);
  std::string reason = e.what();
  // CLI11 reports "liandong bogus" as a missing subcommand; say what was wrong instead.
  if (!at->get_subcommands({}).empty() && !at->remaining().empty()) {
    reason = "unknown command '" + at->remaining().front() + "'";
  }
  return reason + " (see '" + name + " --help')";
}
}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"liandong: run and operate Liandong, the emergency-linkage message bus and dispatch router."};

  app.name("liandong");
  app.formatter(std::make_shared<HelpFormatter>());  // before the subcommands, which copy it
  app.set_version_flag("--version", std::string("liandong ") + LIANDONG_VERSION);
  app.require_subcommand(1);

  CommandRun selected;
  add_up_command(app, selected);
  add_demo_command(app, selected);
  add_router_commands(app, selected);
  add_audit_commands(app, selected);
  add_stats_command(app, selected);
  add_keys_commands(app, selected);
  // Set after the subcommands, so their own help does not repeat it.
  app.footer(
      "Every command takes --data-dir DIR (default ./liandong-data); commands that talk to the bus\n"
      "also take --broker ENDPOINT. 'liandong COMMAND --help' explains a command.\n"
      "Exit status: 0 success, 1 failure, 2 bad usage.");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    return fail(kExitUsage, usage_error(app, e));
  }
  if (!selected) return fail(kExitUsage, "no command given (see 'liandong --help')");
  return selected();
}
