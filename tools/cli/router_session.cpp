#include "tools/cli/router_session.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "tools/cli/bus_session.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"

namespace liandong::cli {

void add_bus_options(CLI::App& command, BusOptions& options, const std::string& timeout_help) {
  add_data_dir_option(command, options.data_dir);
  add_broker_option(command, options.broker);
  command.add_option("--timeout-ms", options.timeout_ms, timeout_help)
      ->type_name("N")
      ->check(CLI::Range(Millis{1}, Millis{3'600'000}).description(""));
}

Result<std::unique_ptr<RouterSession>> RouterSession::open(const BusOptions& options) {
  // The bus client logs reconnects as warnings; on a terminal they would only repeat the error.
  (void)init_logging("cli", "error");
  const SystemClock clock;
  const Millis deadline = clock.monotonic_ms() + options.timeout_ms;
  auto bus = open_operator_session(options.broker, DataDir(options.data_dir), options.timeout_ms);
  if (!bus.ok()) return bus.status();
  return std::unique_ptr<RouterSession>(new RouterSession(std::move(*bus), deadline));
}

Millis RouterSession::remaining_ms() const { return std::max<Millis>(1, deadline_ - clock_.monotonic_ms()); }

}  // namespace liandong::cli
