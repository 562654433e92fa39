// `liandong up` and `liandong demo` (DESIGN.md, "The CLI"): start the system's processes as
// children, print where each listens, supervise them until SIGINT/SIGTERM.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <memory>
#include <system_error>

#include "core/log.hpp"
#include "core/service_main.hpp"
#include "tools/cli/binary_locator.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/service_spec.hpp"
#include "tools/cli/supervisor.hpp"

namespace liandong::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultConfig = "config/liandong.toml";

struct UpOptions {
  std::string config;
  std::string data_dir;
  std::string endpoint;
  bool demo = false;
};

int run_up(const UpOptions& options) {
  SystemOptions system;
  std::error_code ec;
  if (!options.config.empty()) {
    system.config_file = fs::absolute(options.config, ec);
  } else if (fs::is_regular_file(kDefaultConfig, ec)) {
    system.config_file = fs::absolute(kDefaultConfig, ec);
  }
  system.broker_endpoint = options.endpoint;

  const DataDir data_dir(options.data_dir);
  if (Status s = data_dir.create(); !s.ok()) return fail(kExitFailure, s.message());
  if (Status s = data_dir.lock_for_supervisor(); !s.ok()) return fail(kExitFailure, s.message());
  if (Status s = init_logging("up", "info", data_dir.log_file("up").string()); !s.ok()) {
    return fail(kExitFailure, s.message());
  }

  std::vector<ResolvedService> services;
  for (ServiceSpec& spec : system_services(system, data_dir)) {
    auto program = find_binary(spec.binary, spec.build_subdir);
    if (!program.ok()) return fail(kExitFailure, program.status().message());
    services.push_back({std::move(spec), *program});
  }

  install_stop_handlers();
  std::cout << "data dir " << data_dir.root().string() << ", config "
            << (system.config_file ? system.config_file->string() : "(none: built-in defaults)") << std::endl;
  if (options.demo) {
    std::cout << "demo: the scenario replay arrives with the gateways (issue #5); running the system without it"
              << std::endl;
  }
  SystemClock clock;
  Supervisor supervisor(std::move(services), clock, std::cout);
  if (Status s = supervisor.start_all(stop_flag()); !s.ok()) return fail(kExitFailure, s.message());
  if (!stop_requested()) std::cout << "running; Ctrl-C (or kill -TERM " << ::getpid() << ") stops everything" << std::endl;
  supervisor.run(stop_flag());
  std::cout << "stopping" << std::endl;
  supervisor.stop_all();
  return kExitOk;
}

CLI::App* add_up_like(CLI::App& app, const std::string& name, const std::string& description, bool demo,
                      CommandRun& selected) {
  auto options = std::make_shared<UpOptions>();
  options->demo = demo;
  CLI::App* cmd = app.add_subcommand(name, description);
  cmd->add_option("--config", options->config,
                  "TOML configuration for every service (default: config/liandong.toml if it exists "
                  "in the current directory, else built-in defaults)")
      ->type_name("FILE")
      ->check(CLI::Validator(CLI::ExistingFile).description(""));
  add_data_dir_option(*cmd, options->data_dir);
  cmd->add_option("--endpoint", options->endpoint,
                  "where the broker listens, overriding the config: tcp://HOST:PORT (port 0 picks a "
                  "free one) or ipc://PATH; the endpoint bound is written to DATA_DIR/endpoints/broker")
      ->type_name("EP");
  cmd->callback([options, &selected] { selected = [options] { return run_up(*options); }; });
  return cmd;
}

}  // namespace

void add_up_command(CLI::App& app, CommandRun& selected) {
  CLI::App* cmd = add_up_like(
      app, "up",
      "Start the system and keep it running.\n"
      "Starts the Liandong processes (for now: the broker) as children, prints where each "
      "listens, and supervises them: a process that exits is restarted after 0.5 s, doubling up to "
      "30 s while it keeps failing. Ctrl-C or SIGTERM stops every process (SIGKILL after 5 s) and "
      "exits 0. Logs go to DATA_DIR/logs, bound endpoints to DATA_DIR/endpoints.",
      false, selected);
  cmd->footer("Example: liandong up --data-dir /tmp/ld --endpoint tcp://127.0.0.1:0\n"
              "then, from another shell: liandong stats --data-dir /tmp/ld");
}

void add_demo_command(CLI::App& app, CommandRun& selected) {
  add_up_like(app, "demo",
              "Start the system and replay a scenario through it (replay: issue #5).\n"
              "Like 'up', with a scenario of incident reports replayed so routing can be watched "
              "live. The replay arrives with the gateways (issue #5); until then this runs the "
              "system as 'up' does.",
              true, selected);
}

}  // namespace liandong::cli
