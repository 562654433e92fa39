// `liandong unit ack|status` (DESIGN.md, "The CLI"; schemas/README.md, ORDER_ACK, STATUS_UPDATE,
// RECEIPT): a unit accepts or declines an order and reports its progress. `unit listen` is in
// unit_listen.cpp; this file also declares the `unit` group.
#include <iostream>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/incident_format.hpp"
#include "tools/cli/option_checks.hpp"
#include "tools/cli/router_session.hpp"
#include "tools/cli/unit_listen.hpp"

namespace liandong::cli {

namespace {

const char* const kTimeoutHelp =
    "give up, with exit status 1, when the router has not answered within this many milliseconds "
    "in all, connecting included, 1..3600000 (default 10000)";

struct AckOptions : BusOptions {
  std::string order, unit, decline;
  bool json = false;
};
struct StatusOptions : BusOptions {
  std::string incident, unit, state, order, note;
  bool json = false;
};

int run_ack(const AckOptions& o) {
  v1::OrderAck ack;
  ack.order_id = o.order;
  ack.unit = o.unit;
  ack.accepted = o.decline.empty();
  if (!o.decline.empty()) ack.reason = o.decline;
  if (Status s = ack.validate(); !s.ok()) return fail(kExitUsage, s.message());
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  auto receipt = (*session)->request<v1::OrderAck, v1::Receipt>(ack);
  if (!receipt.ok()) return fail(kExitFailure, receipt.status().message());
  if (o.json) std::cout << to_json(*receipt).dump() << std::endl;
  else std::cout << order_receipt_line(*receipt) << std::endl;
  return kExitOk;
}

int run_status(const StatusOptions& o) {
  v1::StatusUpdate u;
  u.update_id = new_message_id();
  u.incident_id = o.incident;
  u.unit = o.unit;
  if (!o.order.empty()) u.order_id = o.order;
  u.state = o.state;
  if (!o.note.empty()) u.note = o.note;
  u.at_ms = SystemClock().wall_ms();
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  // The update id makes a repeat the same update, so it is safe to send again on silence.
  auto receipt = (*session)->request<v1::StatusUpdate, v1::Receipt>(u, /*resend_on_silence=*/true);
  if (!receipt.ok()) return fail(kExitFailure, receipt.status().message());
  if (o.json) std::cout << to_json(*receipt).dump() << std::endl;
  else std::cout << incident_receipt_line(*receipt) << std::endl;
  return kExitOk;
}

// A workflow state as the router's config names them: en_route, on_scene, resolved, ...
CLI::Validator state_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        bool ok = !value.empty() && value.size() <= 64;
        for (char c : value) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
        return ok ? "" : "state '" + value + "' must be 1-64 characters of a-z 0-9 _ (e.g. en_route)";
      },
      "");
}

}  // namespace

void add_unit_commands(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "unit", "Act as a response unit: listen for orders, accept or decline them, report progress.\n"
              "Subcommands: listen, ack, status.");
  group->require_subcommand(1);

  add_unit_listen_command(*group, selected);

  auto a = std::make_shared<AckOptions>();
  CLI::App* ack = group->add_subcommand(
      "ack", "Accept (or decline) a dispatch order.\nTells the router (ORDER_ACK) that unit --unit accepts dispatch "
             "order ORDER, or with --decline declines it, which escalates the order at once to the next rung of its "
             "ladder. The router accepts an answer only from the unit the order was sent to, so --unit is required "
             "(the DESIGN contract's 'liandong unit ack ORDER' plus the unit). Prints 'order ORDER STATE'. Exit 1 "
             "when the router refuses (unknown order, another unit's order, an order no longer waiting: escalated "
             "or already declined).");
  ack->add_option("ORDER", a->order, "the order id, as printed by 'liandong unit listen'")
      ->required()
      ->check(id_check());
  ack->add_option("--unit", a->unit, "the unit answering, the one the order was sent to (police.ps03)")
      ->type_name("UNIT")
      ->required()
      ->check(id_check());
  ack->add_option("--decline", a->decline, "decline the order instead, giving REASON (e.g. \"crew busy\")")
      ->type_name("REASON");
  add_json_flag(*ack, a->json, "print the router's RECEIPT as one JSON object: key, incident_id, state, duplicate");
  add_bus_options(*ack, *a, kTimeoutHelp);
  ack->footer("Example: liandong unit ack 01JD3Q1B2C3D4E5F6G7H8J9K0M --unit police.ps03");
  ack->callback([a, &selected] { selected = [a] { return run_ack(*a); }; });

  auto s = std::make_shared<StatusOptions>();
  CLI::App* status = group->add_subcommand(
      "status", "Report a unit's progress on an incident.\nTells the router (STATUS_UPDATE) that unit UNIT reached "
                "STATE on incident INCIDENT: a state of the incident's platform workflow, e.g. on 110 en_route, "
                "on_scene, resolved. The unit's open order on the incident is meant, or the one given with --order. "
                "Prints 'incident ID STATE' with the incident's state afterwards. Exit 1 when the router refuses: "
                "unknown incident or order, no open order for the unit, or a transition the workflow does not allow "
                "(the message names the allowed next states).");
  status->add_option("INCIDENT", s->incident, "the incident id")->required()->check(id_check());
  status->add_option("UNIT", s->unit, "the unit's id, e.g. police.ps03")->required()->check(id_check());
  status->add_option("STATE", s->state, "a state of the platform's workflow: en_route, on_scene, resolved, ...")
      ->required()
      ->check(state_check());
  status->add_option("--order", s->order, "the order concerned (default: the unit's open order on the incident)")
      ->type_name("ORDER")
      ->check(id_check());
  status->add_option("--note", s->note, "a note for the timeline")->type_name("TEXT");
  add_json_flag(*status, s->json, "print the router's RECEIPT as one JSON object: key, incident_id, state, duplicate");
  add_bus_options(*status, *s, kTimeoutHelp);
  status->footer("Example: liandong unit status 01JD3Q0ZK6XG3M2V8W5T9YB7CN police.ps03 on_scene --note \"2 injured\"");
  status->callback([s, &selected] { selected = [s] { return run_status(*s); }; });
}

}  // namespace liandong::cli
