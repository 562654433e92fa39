// The subcommands served by the router (DESIGN.md, "The CLI"): report, incident show, incidents,
// unit listen|ack|status, transfer. Their options are final; until the router exists (issue #4)
// each one parses its options, says so and exits 3.
#include <memory>
#include <optional>
#include <string>

#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/not_built.hpp"
#include "tools/cli/option_checks.hpp"

namespace liandong::cli {

namespace {

struct BusOptions {
  std::string data_dir;
  std::string broker;
  bool json = false;
};

struct ReportOptions : BusOptions {
  std::string source, category, priority, grid, household, address, caller, text, report_id;
  std::optional<double> lat, lon;
};

void add_report(CLI::App& app, CommandRun& selected) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Report an incident.\n"
      "Sends an incident report to the router as a platform operator would (INCIDENT_REPORT) and prints "
      "the incident it became: its id, its state, and whether it was merged into an open incident.");
  cmd->add_option("--source", o->source, "required: the reporting platform: 96345, 110, citymgmt or watch")
      ->type_name("PLATFORM")
      ->check(platform_check());
  cmd->add_option("--category", o->category,
                  "required: what happened, a dotted category of the deployment's taxonomy (fire.building)")
      ->type_name("CAT")
      ->check(category_check());
  cmd->add_option("--priority", o->priority,
                  "P1 (life-threatening) to P4 (low); overrides the category's default priority")
      ->type_name("P1..P4")
      ->check(priority_check());
  auto* lat = cmd->add_option("--lat", o->lat, "latitude of the incident, -90..90 (give --lon too)")
                  ->option_text("X")  // the text says what it needs and excludes
                  ->check(CLI::Range(-90.0, 90.0));
  auto* lon = cmd->add_option("--lon", o->lon, "longitude of the incident, -180..180 (give --lat too)")
                  ->option_text("Y")
                  ->check(CLI::Range(-180.0, 180.0));
  auto* grid = cmd->add_option("--grid", o->grid, "the grid the incident is in, instead of --lat/--lon")
                   ->option_text("ID")
                   ->check(id_check());
  auto* household = cmd->add_option("--household", o->household,
                                    "a neighbourhood-watch household id, instead of --lat/--lon or --grid")
                        ->option_text("ID")
                        ->check(id_check());
  lat->needs(lon);
  lon->needs(lat);
  lat->excludes(grid)->excludes(household);
  lon->excludes(grid)->excludes(household);
  grid->excludes(household);
  cmd->add_option("--address", o->address, "address text as the caller gave it")->type_name("TEXT");
  cmd->add_option("--caller", o->caller, "the caller's phone number (personal data: masked in every log)")
      ->type_name("PHONE");
  cmd->add_option("--text", o->text, "the operator's free text")->type_name("TEXT");
  cmd->add_option("--report-id", o->report_id,
                  "idempotency key: sending the same id again yields the same incident "
                  "(default: a new id for each call)")
      ->type_name("ID")
      ->check(id_check());
  add_json_flag(*cmd, o->json, "print the router's REPORT_ACK as one JSON object");
  add_data_dir_option(*cmd, o->data_dir);
  add_broker_option(*cmd, o->broker);
  cmd->footer("Example: liandong report --source 110 --category fire.building --priority P1 "
              "--lat 31.23 --lon 121.47 --text \"smoke from 3rd floor\"");
  run_as_not_built(*cmd, PlannedService::kRouter, selected, o);
}

struct IncidentShowOptions : BusOptions {
  std::string incident;
};

void add_incident(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand("incident", "Look at one incident: 'liandong incident show ID'.");
  group->require_subcommand(1);
  auto o = std::make_shared<IncidentShowOptions>();
  CLI::App* show = group->add_subcommand(
      "show", "Show one incident.\nShows one incident as the router knows it: state, source platform, units and their "
              "dispatch orders, and its timeline.");
  show->add_option("ID", o->incident, "required: the incident id (from 'liandong report' or 'liandong incidents')")
      ->check(id_check());
  add_json_flag(*show, o->json, "print one JSON object instead of text");
  add_data_dir_option(*show, o->data_dir);
  add_broker_option(*show, o->broker);
  run_as_not_built(*show, PlannedService::kRouter, selected, o);
}

struct IncidentsOptions : BusOptions {
  std::string state;
};

void add_incidents(CLI::App& app, CommandRun& selected) {
  auto o = std::make_shared<IncidentsOptions>();
  CLI::App* cmd = app.add_subcommand(
      "incidents", "List incidents.\nLists the router's incidents, newest first: id, state, platform, category, priority, age.");
  cmd->add_option("--state", o->state, "only incidents in this state (e.g. open, dispatched, resolved)")
      ->type_name("S");
  add_json_flag(*cmd, o->json, "print a JSON array instead of a table");
  add_data_dir_option(*cmd, o->data_dir);
  add_broker_option(*cmd, o->broker);
  run_as_not_built(*cmd, PlannedService::kRouter, selected, o);
}

struct UnitListenOptions : BusOptions {
  std::string unit;
  bool ack = false;
};
struct UnitAckOptions : BusOptions {
  std::string order;
};
struct UnitStatusOptions : BusOptions {
  std::string incident, unit, state;
};

void add_unit(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "unit", "Act as a response unit: listen for orders, accept them, report progress.\n"
                    "Subcommands: listen, ack, status.");
  group->require_subcommand(1);

  auto listen_o = std::make_shared<UnitListenOptions>();
  CLI::App* listen = group->add_subcommand(
      "listen", "Receive dispatch orders as unit UNIT.\nRegisters on the bus as unit UNIT and prints every DISPATCH_ORDER it receives, one per "
                "line, until interrupted.");
  listen->add_option("UNIT", listen_o->unit, "required: the unit's id, e.g. police.ps03")->check(id_check());
  listen->add_flag("--ack", listen_o->ack, "accept every order at once (sends ORDER_ACK accepted=true)");
  add_json_flag(*listen, listen_o->json, "print each order as one JSON object per line (JSON lines)");
  add_data_dir_option(*listen, listen_o->data_dir);
  add_broker_option(*listen, listen_o->broker);
  run_as_not_built(*listen, PlannedService::kRouter, selected, listen_o);

  auto ack_o = std::make_shared<UnitAckOptions>();
  CLI::App* ack = group->add_subcommand("ack", "Accept a dispatch order.\nAccepts dispatch order ORDER (sends ORDER_ACK accepted=true).");
  ack->add_option("ORDER", ack_o->order, "required: the order id, as printed by 'liandong unit listen'")
      ->check(id_check());
  add_data_dir_option(*ack, ack_o->data_dir);
  add_broker_option(*ack, ack_o->broker);
  run_as_not_built(*ack, PlannedService::kRouter, selected, ack_o);

  auto status_o = std::make_shared<UnitStatusOptions>();
  CLI::App* status = group->add_subcommand(
      "status", "Report a unit's progress on an incident.\nReports that unit UNIT reached STATE on incident INCIDENT (sends STATUS_UPDATE).");
  status->add_option("INCIDENT", status_o->incident, "required: the incident id")->check(id_check());
  status->add_option("UNIT", status_o->unit, "required: the unit's id, e.g. police.ps03")->check(id_check());
  status->add_option("STATE", status_o->state,
                     "required: a state of the platform's workflow: en_route, on_scene, resolved, ...");
  add_data_dir_option(*status, status_o->data_dir);
  add_broker_option(*status, status_o->broker);
  run_as_not_built(*status, PlannedService::kRouter, selected, status_o);
}

struct TransferOptions : BusOptions {
  std::string incident, to;
};

void add_transfer(CLI::App& app, CommandRun& selected) {
  auto o = std::make_shared<TransferOptions>();
  CLI::App* cmd = app.add_subcommand(
      "transfer", "Move an incident to another platform.\nMoves incident INCIDENT to another platform's workflow; it keeps its id and history "
                  "(sends TRANSFER).");
  cmd->add_option("INCIDENT", o->incident, "required: the incident id")->check(id_check());
  cmd->add_option("--to", o->to, "required: the new platform: 96345, 110 or citymgmt")
      ->type_name("PLATFORM")
      ->check(transfer_target_check());
  add_data_dir_option(*cmd, o->data_dir);
  add_broker_option(*cmd, o->broker);
  run_as_not_built(*cmd, PlannedService::kRouter, selected, o);
}

}  // namespace

void add_router_commands(CLI::App& app, CommandRun& selected) {
  add_report(app, selected);
  add_incident(app, selected);
  add_incidents(app, selected);
  add_unit(app, selected);
  add_transfer(app, selected);
}

}  // namespace liandong::cli
