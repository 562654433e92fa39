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
#include "tools/cli/bus_conversation.hpp"

namespace liandong::cli {

namespace {

struct StatsOptions {
  std::string data_dir;
  std::string broker;
  bool json = false;
  Millis timeout_ms = 3000;
};

// Peers whose roles run a service that answers STATS itself.
bool answers_stats(const std::string& role) { return role == "audit" || role == "router" || role == "gateway"; }

int run_stats(const StatsOptions& options) {
  // The bus client logs reconnects as warnings; on a terminal they would only repeat the error.
  (void)init_logging("cli", "error");
  const DataDir data_dir(options.data_dir);
  auto bus = open_operator_session(options.broker, data_dir, options.timeout_ms);
  if (!bus.ok()) return fail(kExitFailure, bus.status().message());
  const std::string endpoint = (*bus)->endpoint();
  const std::string self = (*bus)->peer_name();
  auto stats = (*bus)->ask_for<v1::Stats, v1::StatsReply>("", v1::Stats{}, options.timeout_ms);
  if (!stats.ok()) return fail(kExitFailure, stats.status().message());

  // Then every service on the bus; one that does not answer is reported, not fatal.
  std::vector<std::pair<std::string, Result<v1::StatsReply>>> services;
  for (const auto& peer : stats->peers.value_or(std::vector<v1::PeerInfo>{})) {
    if (!answers_stats(peer.role)) continue;
    services.emplace_back(peer.name, (*bus)->ask_for<v1::Stats, v1::StatsReply>(peer.name, v1::Stats{}, options.timeout_ms));
  }
  if (options.json) {
    auto j = stats_to_json(*stats, endpoint);
    j["services"] = nlohmann::ordered_json::array();
    for (const auto& [name, reply] : services) {
      if (reply.ok()) {
        j["services"].push_back(stats_to_json(*reply, "bus peer " + name));
      } else {
        j["services"].push_back({{"service", name}, {"error", reply.status().message()}});
      }
    }
    std::cout << j.dump() << "\n";
  } else {
    std::cout << format_stats_table(*stats, endpoint, self);
    for (const auto& [name, reply] : services) {
      std::cout << "\n";
      if (reply.ok()) {
        std::cout << format_stats_table(*reply, "bus peer '" + name + "'", self);
      } else {
        std::cout << name << ": no statistics: " << reply.status().message() << "\n";
      }
    }
  }
  return kExitOk;
}

}  // namespace

void add_stats_command(CLI::App& app, CommandRun& selected) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "stats",
      "Show the counters of the running system.\n"
      "Asks the broker (STATS) for its uptime, messages in and out, registrations, errors "
      "sent by name, and every registered peer with its role and idle time; then asks every service "
      "on the bus (audit, router, gateways) for its own counters.");
  add_data_dir_option(*cmd, options->data_dir);
  add_broker_option(*cmd, options->broker);
  add_json_flag(*cmd, options->json, "print one JSON object: the broker's service, endpoint, uptime_ms, counters, errors, peers, "
                 "and services: the same for each service");
  cmd->add_option("--timeout-ms", options->timeout_ms,
                  "give up, with exit status 1, when the broker has not answered within this many "
                  "milliseconds, 1..3600000 (default 3000)")
      ->type_name("N")
      ->check(CLI::Range(Millis{1}, Millis{3'600'000}).description(""));
  cmd->footer("Example: liandong stats --data-dir /tmp/ld --json");
  cmd->callback([options, &selected] { selected = [options] { return run_stats(*options); }; });
}

}  // namespace liandong::cli
