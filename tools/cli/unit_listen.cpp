// `liandong unit listen UNIT`: registers on the bus as peer "unit:UNIT" (role unit), prints the
// DISPATCH_ORDERs and STATUS_UPDATEs the router sends it, live, and with --ack accepts each order.
// Runs until SIGINT/SIGTERM, --count orders, or --timeout-ms.
#include <zmq.hpp>

#include <algorithm>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "core/bus_client.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "tools/cli/bus_session.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/option_checks.hpp"
#include "tools/cli/router_session.hpp"
#include "tools/cli/unit_console.hpp"
#include "tools/cli/unit_listen.hpp"

namespace liandong::cli {

namespace {

constexpr std::string_view kUnitPeerPrefix = "unit:";
// How often the loop looks at the stop flag when nothing arrives (signals also cut the wait short).
constexpr Millis kPollMs = 200;

struct ListenOptions {
  std::string data_dir, broker, unit;
  bool ack = false, json = false;
  std::optional<std::int64_t> count;
  std::optional<Millis> timeout_ms;
};

// Prints `lines` and flushes at once: scripts and tests read the orders as they come.
bool print_lines(const std::vector<std::string>& lines) {
  for (const auto& line : lines) std::cout << line << '\n';
  std::cout.flush();
  return static_cast<bool>(std::cout);
}

// Registers within `deadline` (monotonic), giving up early when a stop was requested. The bus
// client re-sends REGISTER by itself while the broker stays silent.
Status register_unit(BusClient& client, const Clock& clock, Millis deadline, const std::string& endpoint) {
  Status s = client.connect();
  if (!s.ok() && s.code() != ErrorCode::kTimeout) return s;
  while (!client.registered()) {
    const Millis now = clock.monotonic_ms();
    if (stop_requested()) return Status::Ok();
    if (now >= deadline) return Status(ErrorCode::kTimeout, "no answer from broker at " + endpoint);
    auto env = client.receive(std::min(kPollMs, deadline - now));
    if (env && env->peer.empty() && env->command == v1::Error::kCommand) {
      auto err = decode_body<v1::Error>(env->body);
      if (err.ok() && err->code != static_cast<std::uint32_t>(ErrorCode::kNotRegistered)) {
        return Status(error_code_from_number(err->code).value_or(ErrorCode::kInternal),
                      "broker at " + endpoint + " refused registration of '" + client.name() + "': " + err->message);
      }
    }
  }
  return Status::Ok();
}

int run_listen(const ListenOptions& o) {
  // The bus client logs reconnects as warnings; on a terminal they would only clutter the orders.
  (void)init_logging("cli", "error");
  const std::string peer = std::string(kUnitPeerPrefix) + o.unit;
  if (peer.size() > kMaxPeerNameLength) {
    return fail(kExitUsage, "unit id '" + o.unit + "' is too long: at most " +
                                std::to_string(kMaxPeerNameLength - kUnitPeerPrefix.size()) + " characters");
  }
  auto endpoint = resolve_broker_endpoint(o.broker, DataDir(o.data_dir));
  if (!endpoint.ok()) return fail(kExitFailure, endpoint.status().message());
  // A unit connects with its own key (names unit:<id>), so the broker lets it answer only as itself.
  auto keys = cli_bus_keys(DataDir(o.data_dir), peer);
  if (!keys.ok()) return fail(kExitFailure, keys.status().message());
  install_stop_handlers();

  const SystemClock clock;
  const Millis start = clock.monotonic_ms();
  constexpr Millis kNever = INT64_MAX;
  const Millis deadline = o.timeout_ms ? start + *o.timeout_ms : kNever;
  const Millis register_ms = std::min(kDefaultRouterTimeoutMs, o.timeout_ms.value_or(kDefaultRouterTimeoutMs));
  try {
    zmq::context_t context{1};
    BusClientOptions options;
    options.endpoint = *endpoint;
    options.name = peer;
    options.role = "unit";
    options.curve = *keys;
    options.register_timeout_ms = std::min<Millis>(250, register_ms);  // then the loop below waits on
    options.software = "liandong-cli " LIANDONG_VERSION " (unit listen)";
    BusClient client(context, options, clock);
    if (Status s = register_unit(client, clock, start + register_ms, *endpoint); !s.ok()) {
      if (s.code() != ErrorCode::kTimeout) return fail(kExitFailure, s.message());
      return fail(kExitFailure, s.message() + " within " + std::to_string(register_ms) + " ms (is the system running?)");
    }

    UnitConsole console(o.unit, o.json, o.ack);
    while (!stop_requested()) {
      if (o.count && static_cast<std::int64_t>(console.orders()) >= *o.count) return kExitOk;
      const Millis now = clock.monotonic_ms();
      if (now >= deadline) {
        const auto got = console.orders();
        if (o.count) {
          return fail(kExitFailure, "unit " + o.unit + " received " + std::to_string(got) + " of " +
                                        std::to_string(*o.count) + " orders within " + std::to_string(*o.timeout_ms) +
                                        " ms");
        }
        if (got == 0) {
          return fail(kExitFailure,
                      "no dispatch order for unit " + o.unit + " within " + std::to_string(*o.timeout_ms) + " ms");
        }
        return kExitOk;
      }
      auto env = client.receive(std::min(kPollMs, deadline - now));
      if (!env) continue;
      if (env->peer.empty() && env->command == v1::Disconnect::kCommand) {
        return fail(kExitFailure, "another process registered as '" + peer + "' on the broker at " + *endpoint +
                                      "; this listener has stopped");
      }
      const ConsoleReaction reaction = console.on_message(*env);
      if (!print_lines(reaction.out)) return fail(kExitFailure, "cannot write to stdout; stopping");
      for (const auto& problem : reaction.errors) (void)fail(kExitFailure, problem);
      if (reaction.ack) client.send_message(env->peer, *reaction.ack);
    }
    return kExitOk;
  } catch (const zmq::error_t& e) {
    return fail(kExitFailure, "talking to broker at " + *endpoint + ": " + e.what());
  }
}

}  // namespace

void add_unit_listen_command(CLI::App& unit_group, CommandRun& selected) {
  auto o = std::make_shared<ListenOptions>();
  CLI::App* listen = unit_group.add_subcommand(
      "listen",
      "Receive dispatch orders as unit UNIT.\nRegisters on the bus as unit UNIT (peer name 'unit:UNIT', role unit) and "
      "prints every DISPATCH_ORDER the router sends it, one line each, as it arrives: order and incident id, "
      "priority, category, platform, grid, address, location, acceptance deadline (UTC), escalation rung and why "
      "this unit, and the text (phone numbers masked). An order sent again (the router repeats orders not yet "
      "accepted) is printed again, marked. Also prints the STATUS_UPDATEs sent to the unit, such as 'withdrawn' "
      "when its incident was transferred. Another process registering as the same unit takes its orders over and "
      "ends this one (exit 1).\n"
      "Runs until Ctrl-C or SIGTERM (exit 0), until --count orders have arrived (exit 0), or until --timeout-ms "
      "(exit 1 when fewer orders than --count, or none, arrived).");
  listen->add_option("UNIT", o->unit, "the unit's id, e.g. police.ps03")->required()->check(id_check());
  listen->add_flag("--ack", o->ack,
                   "accept every order at once: answer each with ORDER_ACK accepted=true to the router (the "
                   "router's RECEIPTs are printed only with --json)");
  add_json_flag(*listen, o->json,
                "print JSON lines: each order as {order_id, incident_id, unit, source, category, priority, grid, "
                "location, address, text, ack_deadline, ack_deadline_ms, rung, reason}; status updates as "
                "{\"status_update\": {...}}; with --ack, receipts as {\"receipt\": {key, incident_id, state, "
                "duplicate}}");
  listen->add_option("--count", o->count, "stop, with exit status 0, once N different orders have arrived")
      ->type_name("N")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}).description(""));
  listen->add_option("--timeout-ms", o->timeout_ms,
                     "stop after this many milliseconds: exit 0 if at least one order (or --count orders) arrived, "
                     "else 1 (default: no limit; registering with the broker must succeed within 10000 ms)")
      ->type_name("N")
      ->check(CLI::Range(Millis{1}, Millis{86'400'000}).description(""));
  add_data_dir_option(*listen, o->data_dir);
  add_broker_option(*listen, o->broker);
  listen->footer("Example: liandong unit listen police.ps03 --ack --json");
  listen->callback([o, &selected] { selected = [o] { return run_listen(*o); }; });
}

}  // namespace liandong::cli
