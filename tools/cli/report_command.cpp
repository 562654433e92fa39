// `liandong report` (DESIGN.md, "The CLI"; schemas/README.md, INCIDENT_REPORT/REPORT_ACK): sends
// an incident report to the router as a platform operator would and prints the incident it
// became. Reports are idempotent by report id, so the same report is resent until acknowledged.
#include <iostream>
#include <memory>
#include <optional>
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

struct ReportOptions : BusOptions {
  std::string source, category, priority, grid, household, address, caller, caller_name, text, report_id;
  std::optional<double> lat, lon;
  bool json = false;
};

v1::IncidentReport build_report(const ReportOptions& o) {
  v1::IncidentReport r;
  r.report_id = o.report_id.empty() ? new_message_id() : o.report_id;
  r.source = o.source;
  r.category = o.category;
  if (!o.priority.empty()) r.priority = parse_priority(o.priority);
  if (o.lat && o.lon) r.location = v1::Location{*o.lat, *o.lon};
  if (!o.grid.empty()) r.grid = o.grid;
  if (!o.household.empty()) r.household = o.household;
  if (!o.address.empty()) r.address = o.address;
  if (!o.caller.empty() || !o.caller_name.empty()) {
    v1::Caller caller;
    if (!o.caller.empty()) caller.phone = o.caller;
    if (!o.caller_name.empty()) caller.name = o.caller_name;
    r.caller = caller;
  }
  if (!o.text.empty()) r.text = o.text;
  r.reported_at_ms = SystemClock().wall_ms();
  return r;
}

int run_report(const ReportOptions& o) {
  const v1::IncidentReport report = build_report(o);
  if (Status s = report.validate(); !s.ok()) return fail(kExitUsage, s.message());
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  // The same report (same report_id) every kRouterRetryMs until acknowledged: the router answers a
  // repeat with the incident it already made.
  auto ack = (*session)->request<v1::IncidentReport, v1::ReportAck>(report, /*resend_on_silence=*/true);
  if (!ack.ok()) return fail(kExitFailure, "report " + report.report_id + " not acknowledged: " + ack.status().message());
  if (o.json) {
    std::cout << to_json(*ack).dump() << std::endl;
  } else {
    std::cout << report_ack_line(*ack) << std::endl;
  }
  return kExitOk;
}

}  // namespace

void add_report_command(CLI::App& app, CommandRun& selected) {
  auto o = std::make_shared<ReportOptions>();
  CLI::App* cmd = app.add_subcommand(
      "report",
      "Report an incident.\n"
      "Sends an incident report to the router as a platform operator would (INCIDENT_REPORT) and prints "
      "the incident it became, once the router has stored the report durably: 'incident ID STATE', with "
      "'(merged into ID)' when it was linked to an open incident nearby and '(already reported)' when this "
      "report id had been acknowledged before. Reports are idempotent: the same report (same report id) is "
      "sent again every 2 s until the router acknowledges it or --timeout-ms runs out. Give at most one kind "
      "of location: --lat with --lon, --grid, or --household; a report without any goes to the platform's "
      "duty supervisor for manual triage.\n"
      "Exit 0 when acknowledged; 1 when the router refused it or did not answer in time (the reason on "
      "stderr); 2 on bad options.");
  cmd->add_option("--source", o->source, "the reporting platform: 96345, 110, citymgmt or watch")
      ->type_name("PLATFORM")
      ->required()
      ->check(platform_check());
  cmd->add_option("--category", o->category,
                  "what happened, a dotted category of the deployment's taxonomy (fire.building); "
                  "an unknown category is sent to manual triage, not refused")
      ->type_name("CAT")
      ->required()
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
  cmd->add_option("--caller", o->caller,
                  "the caller's phone number (personal data: masked in every log and in this command's output)")
      ->type_name("PHONE");
  cmd->add_option("--caller-name", o->caller_name, "the caller's name (personal data, masked like --caller)")
      ->type_name("NAME");
  cmd->add_option("--text", o->text, "the operator's free text")->type_name("TEXT");
  cmd->add_option("--report-id", o->report_id,
                  "idempotency key: sending the same id again yields the same incident "
                  "(default: a new id for each call)")
      ->type_name("ID")
      ->check(id_check());
  add_json_flag(*cmd, o->json,
                "print one JSON object: incident_id, report_id, state, duplicate, merged_into (null when not merged)");
  add_bus_options(*cmd, *o,
                  "give up, with exit status 1, when the report is not acknowledged within this many "
                  "milliseconds in all, connecting included, 1..3600000 (default 10000)");
  cmd->footer("Example: liandong report --source 110 --category fire.building --priority P1 "
              "--lat 31.23 --lon 121.47 --text \"smoke from 3rd floor\"");
  cmd->callback([o, &selected] { selected = [o] { return run_report(*o); }; });
}

}  // namespace liandong::cli
