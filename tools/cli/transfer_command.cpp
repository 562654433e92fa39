// `liandong transfer` (DESIGN.md, "The CLI"; schemas/README.md, TRANSFER/RECEIPT): moves an
// incident to another platform's workflow; it keeps its id and history.
#include <iostream>
#include <memory>
#include <string>

#include "core/ids.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/incident_format.hpp"
#include "tools/cli/option_checks.hpp"
#include "tools/cli/router_session.hpp"

namespace liandong::cli {

namespace {

struct TransferOptions : BusOptions {
  std::string incident, to, reason;
  bool json = false;
};

int run_transfer(const TransferOptions& o) {
  v1::Transfer t;
  t.transfer_id = new_message_id();
  t.incident_id = o.incident;
  t.to = o.to;
  if (!o.reason.empty()) t.reason = o.reason;
  if (Status s = t.validate(); !s.ok()) return fail(kExitUsage, s.message());
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  auto receipt = (*session)->request<v1::Transfer, v1::Receipt>(t);
  if (!receipt.ok()) return fail(kExitFailure, receipt.status().message());
  if (o.json) std::cout << to_json(*receipt).dump() << std::endl;
  else std::cout << transfer_receipt_line(*receipt, o.to) << std::endl;
  return kExitOk;
}

}  // namespace

void add_transfer_command(CLI::App& app, CommandRun& selected) {
  auto o = std::make_shared<TransferOptions>();
  CLI::App* cmd = app.add_subcommand(
      "transfer",
      "Move an incident to another platform.\nTells the router (TRANSFER) to move incident INCIDENT to another "
      "platform's workflow: it keeps its id and history, the old platform's open orders are withdrawn (their units "
      "are told) and the incident is routed by the new platform's rules. Prints 'incident ID transferred to "
      "PLATFORM, now STATE'. Exit 1 when the router refuses (unknown id, closed incident, already on that "
      "platform).");
  cmd->add_option("INCIDENT", o->incident, "the incident id")->required()->check(id_check());
  cmd->add_option("--to", o->to, "the new platform: 96345, 110 or citymgmt")
      ->type_name("PLATFORM")
      ->required()
      ->check(transfer_target_check());
  cmd->add_option("--reason", o->reason, "why, for the timeline and the audit log")->type_name("TEXT");
  add_json_flag(*cmd, o->json, "print the router's RECEIPT as one JSON object: key, incident_id, state, duplicate");
  add_bus_options(*cmd, *o,
                  "give up, with exit status 1, when the router has not answered within this many milliseconds "
                  "in all, connecting included, 1..3600000 (default 10000)");
  cmd->footer("Example: liandong transfer 01JD3Q0ZK6XG3M2V8W5T9YB7CN --to 96345 --reason \"no emergency\"");
  cmd->callback([o, &selected] { selected = [o] { return run_transfer(*o); }; });
}

}  // namespace liandong::cli
