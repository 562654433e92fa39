// `liandong up` and `liandong demo` (DESIGN.md, "The CLI"): start the system's processes as
// children, print where each listens, supervise them until SIGINT/SIGTERM.
#include <unistd.h>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>
#include <thread>

#include "core/config.hpp"
#include "tools/cli/demo_runner.hpp"
#include "tools/cli/demo_scenario.hpp"

#include "core/log.hpp"
#include "core/service_main.hpp"
#include "tools/cli/binary_locator.hpp"
#include "tools/cli/bus_session.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/default_config.hpp"
#include "tools/cli/deployment_keys.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/service_spec.hpp"
#include "tools/cli/supervisor.hpp"

namespace liandong::cli {

namespace fs = std::filesystem;

namespace {

struct UpOptions {
  std::string config;
  std::string data_dir;
  std::string endpoint;
  bool free_ports = false;
  bool insecure_plain = false;
  bool demo = false;
  int max_same_start_failures = SupervisorSettings{}.max_same_start_failures;
  // demo only
  std::string scenario;
  double speed = 1.0;
  bool keep_running = false;
};

// The deployment's data directory as the router will see it: [router].deployment of the config,
// relative to the config's folder; config/zhuji without a config.
fs::path deployment_dir(const SystemOptions& system) {
  if (!system.config_file) return fs::absolute("config/zhuji");
  std::string deployment = "zhuji";
  if (auto doc = load_toml_file(system.config_file->string()); doc.ok()) {
    if (auto d = (*doc)["router"]["deployment"].value<std::string>()) deployment = *d;
  }
  const fs::path p(deployment);
  return p.is_relative() ? system.config_file->parent_path() / p : p;
}

// Replays the scenario while the supervisor keeps the system running; prints the summary.
int replay_demo(const UpOptions& options, const SystemOptions& system, const DataDir& data_dir) {
  const fs::path scenario_file =
      options.scenario.empty() ? deployment_dir(system) / "demo.toml" : fs::absolute(options.scenario);
  auto scenario = load_demo_scenario(scenario_file.string());
  if (!scenario.ok()) return fail(kExitFailure, scenario.status().message());
  if (options.speed != 1.0) scenario->scale(1.0 / options.speed);
  DemoEndpoints endpoints;
  endpoints.deployment = deployment_dir(system).string();
  auto broker = read_endpoint_file(data_dir.endpoint_file("broker"));
  if (!broker.ok()) return fail(kExitFailure, broker.status().message());
  endpoints.broker = *broker;
  if (!system.insecure_plain) {
    auto units = load_client_keys(system.keys_dir, demo_units_key().label);
    if (!units.ok()) return fail(kExitFailure, units.status().message());
    auto operator_keys = load_client_keys(system.keys_dir, kOperatorKeyLabel);
    if (!operator_keys.ok()) return fail(kExitFailure, operator_keys.status().message());
    endpoints.units_keys = *units;
    endpoints.operator_keys = *operator_keys;
    // The relay talks to the watch gateway, whose own key is the server's.
    auto relay = read_secret_key(system.keys_dir, demo_relay_key().label);
    if (!relay.ok()) return fail(kExitFailure, relay.status().message());
    auto watch = read_key_file(public_key_path(system.keys_dir, "gateway.watch"));
    if (!watch.ok()) return fail(kExitFailure, watch.status().message());
    endpoints.relay_keys = CurveClientKeys{relay->label, relay->public_key, relay->secret_key, watch->public_key};
  }
  for (const char* platform : {"110", "96345", "citymgmt", "watch"}) {
    auto ep = read_endpoint_file(data_dir.endpoint_file(std::string("gw-") + platform));
    if (!ep.ok()) return fail(kExitFailure, ep.status().message());
    endpoints.gateways[platform] = *ep;
  }
  auto result = run_demo(*scenario, endpoints, std::cout, stop_flag());
  if (!result.ok()) return fail(kExitFailure, "demo: " + result.status().message());
  std::cout << "\nsummary (" << result->reports_sent << " reports and alarms sent";
  if (result->reports_refused > 0) std::cout << ", " << result->reports_refused << " refused by a gateway";
  std::cout << ")\n" << result->tally.summary();
  std::cout << "  audit verify: " << (result->verified ? "intact" : "FAILED") << " - " << result->verify_message << "\n"
            << std::flush;
  return result->verified && result->reports_refused == 0 ? kExitOk : kExitFailure;
}

int run_up(const UpOptions& options) {
  SystemOptions system;
  std::error_code ec;
  std::string config_origin = "given by --config";
  if (!options.config.empty()) {
    system.config_file = fs::absolute(options.config, ec);
  } else {
    auto found = find_default_config(fs::current_path(ec), running_executable_dir());
    if (!found.ok()) return fail(kExitFailure, found.status().message());
    system.config_file = found->file;
    config_origin = found->origin;
  }
  system.broker_endpoint = options.endpoint;
  if (options.free_ports) {
    if (system.broker_endpoint.empty()) system.broker_endpoint = "tcp://127.0.0.1:0";
    system.gateway_listen_any = "127.0.0.1";
  }

  const DataDir data_dir(options.data_dir);
  if (Status s = data_dir.create(); !s.ok()) return fail(kExitFailure, s.message());
  if (Status s = data_dir.lock_for_supervisor(); !s.ok()) return fail(kExitFailure, s.message());
  if (Status s = init_logging("up", "info", data_dir.log_file("up").string()); !s.ok()) {
    return fail(kExitFailure, s.message());
  }
  // The operator watching `up` sees its events (restarts, failures) as well as its log file.
  {
    auto echo = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    echo->set_pattern("%Y-%m-%d %H:%M:%S.%e %n %^%-5l%$ %v");
    spdlog::default_logger()->sinks().push_back(std::move(echo));
  }
  system.insecure_plain = options.insecure_plain;
  system.keys_dir = data_dir.keys_dir();
  if (options.insecure_plain) {
    spdlog::warn("INSECURE: --insecure-plain: the bus runs without authentication");
    std::cout << "INSECURE: --insecure-plain: no CurveZMQ; any local process may join the bus as anyone" << std::endl;
  } else {
    std::vector<DeploymentKey> keys = system_keys();
    if (options.demo) {
      keys.push_back(demo_units_key());
      keys.push_back(demo_relay_key());
    }
    if (Status s = ensure_keys(system.keys_dir, keys, std::cout); !s.ok()) return fail(kExitFailure, s.message());
  }

  std::vector<ResolvedService> services;
  for (ServiceSpec& spec : system_services(system, data_dir)) {
    auto program = find_binary(spec.binary, spec.build_subdir);
    if (!program.ok()) return fail(kExitFailure, program.status().message());
    services.push_back({std::move(spec), *program});
  }

  install_stop_handlers();
  std::cout << "data dir " << data_dir.root().string() << ", config " << system.config_file->string() << " ("
            << config_origin << ")" << std::endl;
  SystemClock clock;
  SupervisorSettings settings;
  settings.max_same_start_failures = options.max_same_start_failures;
  Supervisor supervisor(std::move(services), clock, std::cout, settings);
  if (Status s = supervisor.start_all(stop_flag()); !s.ok()) return fail(kExitFailure, s.message());
  int status = kExitOk;
  if (options.demo && !stop_requested()) {
    // The supervisor keeps restarting what dies while the scenario plays on this thread.
    std::atomic<bool> demo_over{false};
    std::thread supervising([&] { supervisor.run(demo_over); });
    status = replay_demo(options, system, data_dir);
    demo_over = true;
    supervising.join();
    if (!options.keep_running) {
      std::cout << "stopping (--keep-running keeps the system up after the demo)" << std::endl;
      supervisor.stop_all();
      return status;
    }
  }
  if (!stop_requested()) std::cout << "running; Ctrl-C (or kill -TERM " << ::getpid() << ") stops everything" << std::endl;
  supervisor.run(stop_flag());
  std::cout << "stopping" << std::endl;
  supervisor.stop_all();
  return status;
}

CLI::App* add_up_like(CLI::App& app, const std::string& name, const std::string& description, bool demo,
                      CommandRun& selected) {
  auto options = std::make_shared<UpOptions>();
  options->demo = demo;
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->add_option("--config", options->config,
                  "TOML configuration for every service (default: config/liandong.toml of the current "
                  "directory if it has one, else the installed PREFIX/share/liandong/liandong.toml); "
                  "its relative paths are read against its own directory")
      ->type_name("FILE")
      ->check(CLI::Validator(CLI::ExistingFile).description(""));
  add_data_dir_option(*cmd, options->data_dir);
  cmd->add_option("--endpoint", options->endpoint,
                  "where the broker listens, overriding the config: tcp://HOST:PORT (port 0 picks a "
                  "free one) or ipc://PATH; the endpoint bound is written to DATA_DIR/endpoints/broker")
      ->type_name("EP");
  cmd->add_flag("--insecure-plain", options->insecure_plain,
                "run the bus WITHOUT authentication (no CurveZMQ keys; anyone who can reach the broker may "
                "join under any name and role): local development only, and logged as such");
  cmd->add_flag("--free-ports", options->free_ports,
                "let the broker and the four gateways listen on free loopback ports instead of the "
                "configured ones (several systems on one machine, tests); DATA_DIR/endpoints says where");
  cmd->add_option("--max-start-failures", options->max_same_start_failures,
                  "give up (stop everything, exit 1) when a service being started fails this many times in a "
                  "row the same way, e.g. its port is taken (default 5); fewer failures, or different ones, "
                  "are restarted with backoff")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  if (demo) {
    cmd->add_option("--scenario", options->scenario,
                    "the scenario to replay (default: demo.toml in the deployment's directory, "
                    "config/zhuji/demo.toml)")
        ->type_name("FILE")
        ->check(CLI::Validator(CLI::ExistingFile).description(""));
    cmd->add_option("--speed", options->speed, "play the scenario this many times faster (default 1)")
        ->type_name("X")
        ->check(CLI::Range(0.1, 100.0));
    cmd->add_flag("--keep-running", options->keep_running,
                  "keep the system running after the summary, until Ctrl-C (default: stop it)");
  }
  cmd->callback([options, &selected] { selected = [options] { return run_up(*options); }; });
  return cmd;
}

}  // namespace

void add_up_command(CLI::App& app, CommandRun& selected) {
  CLI::App* cmd = add_up_like(
      app, "up",
      "Start the system and keep it running.\n"
      "Starts the Liandong processes (broker, audit, router and the four platform gateways) as children, prints where each "
      "listens, and supervises them: a process that exits, also while it starts, is restarted after 0.5 s, "
      "doubling up to 30 s while it keeps failing; only a start that fails the same way "
      "--max-start-failures times in a row stops 'up'. Ctrl-C or SIGTERM stops every process (SIGKILL after 5 s) and "
      "exits 0. Logs go to DATA_DIR/logs, bound endpoints to DATA_DIR/endpoints.",
      false, selected);
  cmd->footer("Example: liandong up --data-dir /tmp/ld --endpoint tcp://127.0.0.1:0\n"
              "then, from another shell: liandong stats --data-dir /tmp/ld");
}

void add_demo_command(CLI::App& app, CommandRun& selected) {
  CLI::App* cmd = add_up_like(
      app, "demo",
      "Start the system and replay a scenario through it, showing the routing live.\n"
      "Starts everything as 'up' does, then plays the scenario (config/zhuji/demo.toml: about a "
      "minute of reports from all four platforms through their gateways, with every unit of the "
      "deployment simulated on the bus, accepting its orders after a second or two, except the "
      "units the scenario says never answer). Each routing event of the audit log is printed as "
      "it happens. At the end: a summary per platform (reports, merged, orders, accepted, "
      "escalated, transferred), the intake -> dispatch latency the simulated units saw (p50/p99), "
      "and the audit chain verified. Exit 0 when every report was taken and the chain is intact.",
      true, selected);
  cmd->footer("Example: liandong demo --data-dir /tmp/ld-demo --free-ports --speed 2");
}

}  // namespace liandong::cli
