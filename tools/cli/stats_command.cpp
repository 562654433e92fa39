// `liandong stats`: the counters of the running broker (DESIGN.md, "The CLI"), as a table or JSON.
#include <iostream>
#include <memory>

#include "core/log.hpp"
#include "tools/cli/bus_session.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/stats_format.hpp"
#include "tools/cli/stats_query.hpp"

namespace liandong::cli {

namespace {

struct StatsOptions {
  std::string data_dir;
  std::string broker;
  bool json = false;
  Millis timeout_ms = 3000;
};

int run_stats(const StatsOptions& options) {
  // The bus client logs reconnects as warnings; on a terminal they would only repeat the error.
  (void)init_logging("cli", "error");
  const DataDir data_dir(options.data_dir);
  auto endpoint = resolve_broker_endpoint(options.broker, data_dir);
  if (!endpoint.ok()) return fail(kExitFailure, endpoint.status().message());
  const std::string self = cli_peer_name();
  auto stats = query_broker_stats(*endpoint, self, options.timeout_ms);
  if (!stats.ok()) return fail(kExitFailure, stats.status().message());
  if (options.json) {
    std::cout << stats_to_json(*stats, *endpoint).dump() << "\n";
  } else {
    std::cout << format_stats_table(*stats, *endpoint, self);
  }
  return kExitOk;
}

}  // namespace

void add_stats_command(CLI::App& app, CommandRun& selected) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "stats",
      "Show the counters of the running broker.\n"
      "Asks the broker (STATS) for its uptime, messages in and out, registrations, errors "
      "sent by name, and every registered peer with its role and idle time. (Services will answer "
      "too as they are built.)");
  add_data_dir_option(*cmd, options->data_dir);
  add_broker_option(*cmd, options->broker);
  add_json_flag(*cmd, options->json, "print one JSON object (service, endpoint, uptime_ms, counters, errors, peers)");
  cmd->add_option("--timeout-ms", options->timeout_ms,
                  "give up, with exit status 1, when the broker has not answered within this many "
                  "milliseconds, 1..3600000 (default 3000)")
      ->type_name("N")
      ->check(CLI::Range(Millis{1}, Millis{3'600'000}).description(""));
  cmd->footer("Example: liandong stats --data-dir /tmp/ld --json");
  cmd->callback([options, &selected] { selected = [options] { return run_stats(*options); }; });
}

}  // namespace liandong::cli
