// `liandong incident show|unlink|merge` and `liandong incidents` (DESIGN.md, "The CLI";
// schemas/README.md, INCIDENT_QUERY/INCIDENT_INFO, INCIDENTS_QUERY/INCIDENT_LIST,
// INCIDENT_UNLINK/RECEIPT, INCIDENT_MERGE/RECEIPT): what the router knows about incidents, undoing
// a duplicate merge, and merging two reports of one incident by hand.
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

const char* const kTimeoutHelp =
    "give up, with exit status 1, when the router has not answered within this many milliseconds "
    "in all, connecting included, 1..3600000 (default 10000)";

struct ShowOptions : BusOptions {
  std::string incident;
  bool json = false;
};
struct UnlinkOptions : BusOptions {
  std::string incident;
  bool json = false;
};
struct MergeOptions : BusOptions {
  std::string incident;
  std::string into;
  std::string reason;
  bool json = false;
};
struct ListOptions : BusOptions {
  std::string state;
  std::optional<std::int64_t> limit;
  bool json = false;
};

int run_show(const ShowOptions& o) {
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  auto info = (*session)->query<v1::IncidentQuery, v1::IncidentInfo>(v1::IncidentQuery{new_message_id(), o.incident});
  if (!info.ok()) return fail(kExitFailure, info.status().message());
  if (o.json) std::cout << to_json(info->incident).dump() << std::endl;
  else std::cout << format_incident(info->incident) << std::flush;
  return kExitOk;
}

int run_unlink(const UnlinkOptions& o) {
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  auto receipt =
      (*session)->request<v1::IncidentUnlink, v1::Receipt>(v1::IncidentUnlink{new_message_id(), o.incident});
  if (!receipt.ok()) return fail(kExitFailure, receipt.status().message());
  if (o.json) std::cout << to_json(*receipt).dump() << std::endl;
  else std::cout << unlink_receipt_line(*receipt) << std::endl;
  return kExitOk;
}

int run_merge(const MergeOptions& o) {
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  v1::IncidentMerge merge{new_message_id(), o.incident, o.into, std::nullopt};
  if (!o.reason.empty()) merge.reason = o.reason;
  auto receipt = (*session)->request<v1::IncidentMerge, v1::Receipt>(merge);
  if (!receipt.ok()) return fail(kExitFailure, receipt.status().message());
  if (o.json) std::cout << to_json(*receipt).dump() << std::endl;
  else std::cout << merge_receipt_line(*receipt, o.into) << std::endl;
  return kExitOk;
}

int run_list(const ListOptions& o) {
  auto session = RouterSession::open(o);
  if (!session.ok()) return fail(kExitFailure, session.status().message());
  v1::IncidentsQuery q;
  q.query_id = new_message_id();
  if (!o.state.empty()) q.state = o.state;
  q.limit = o.limit;
  auto list = (*session)->query<v1::IncidentsQuery, v1::IncidentList>(q);
  if (!list.ok()) return fail(kExitFailure, list.status().message());
  if (o.json) std::cout << to_json(*list).dump() << std::endl;
  else std::cout << format_incident_list(*list) << std::flush;
  return kExitOk;
}

void add_incident_group(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "incident", "Look at one incident, undo a duplicate merge, or merge one by hand.\nSubcommands: show, unlink, merge.");
  group->require_subcommand(1);

  auto s = std::make_shared<ShowOptions>();
  CLI::App* show = group->add_subcommand(
      "show", "Show one incident.\nAsks the router (INCIDENT_QUERY) for incident ID and shows it: state, source "
              "platform, category, priority, grid and town, location, address, text, why it went to manual triage, "
              "the incident it was merged into or the ones linked to it, its report ids; then its dispatch orders "
              "(unit, state, escalation rung, acceptance deadline, why that unit) and its timeline, oldest first. "
              "Times are UTC; phone numbers in free text are masked. Exit 1 when the router does not know the id.");
  show->add_option("ID", s->incident, "the incident id (from 'liandong report' or 'liandong incidents')")
      ->required()
      ->check(id_check());
  add_json_flag(*show, s->json,
                "print the router's view as one JSON object (every field; times also as UTC text next to the "
                "milliseconds)");
  add_bus_options(*show, *s, kTimeoutHelp);
  show->footer("Example: liandong incident show 01JD3Q0ZK6XG3M2V8W5T9YB7CN");
  show->callback([s, &selected] { selected = [s] { return run_show(*s); }; });

  auto u = std::make_shared<UnlinkOptions>();
  CLI::App* unlink = group->add_subcommand(
      "unlink", "Undo a duplicate merge.\nTells the router (INCIDENT_UNLINK) that incident ID is not a duplicate of "
                "the open incident it was merged into: it is routed on its own from now on. Prints 'incident ID "
                "unlinked, now STATE'. Exit 1 when the router refuses (unknown id, incident not merged).");
  unlink->add_option("ID", u->incident, "the id of the incident that was merged into another")
      ->required()
      ->check(id_check());
  add_json_flag(*unlink, u->json, "print the router's RECEIPT as one JSON object: key, incident_id, state, duplicate");
  add_bus_options(*unlink, *u, kTimeoutHelp);
  unlink->callback([u, &selected] { selected = [u] { return run_unlink(*u); }; });

  auto m = std::make_shared<MergeOptions>();
  CLI::App* merge = group->add_subcommand(
      "merge", "Merge an incident into another by hand.\nTells the router (INCIDENT_MERGE) that incident ID is the "
               "same incident as OTHER (two reports of one patient that the router only linked as possibly "
               "related): ID stops being handled on its own, its open orders are withdrawn (their units are told) "
               "and OTHER's orders carry on. Prints 'incident ID merged into OTHER, now merged'. Undo with 'liandong "
               "incident unlink ID'. Exit 1 when the router refuses (unknown id, ID itself, a closed incident, an "
               "OTHER that is itself merged, ID merged elsewhere already).");
  merge->add_option("ID", m->incident, "the id of the incident that is a duplicate")->required()->check(id_check());
  merge->add_option("--into", m->into, "the id of the open incident it is the same as")
      ->type_name("OTHER")
      ->required()
      ->check(id_check());
  merge->add_option("--reason", m->reason, "why, for the trail (e.g. 'same patient, the neighbour called')")
      ->type_name("TEXT");
  add_json_flag(*merge, m->json, "print the router's RECEIPT as one JSON object: key, incident_id, state, duplicate");
  add_bus_options(*merge, *m, kTimeoutHelp);
  merge->footer("Example: liandong incident merge 01JD3Q0ZK6XG3M2V8W5T9YB7CN --into 01JD3PZW1R8C9D3E5F7G9H1J3K");
  merge->callback([m, &selected] { selected = [m] { return run_merge(*m); }; });
}

void add_incidents(CLI::App& app, CommandRun& selected) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* cmd = app.add_subcommand(
      "incidents", "List incidents.\nAsks the router (INCIDENTS_QUERY) for its incidents, newest first, and prints a "
                   "table: id, state, source platform, category, priority, grid, when reported (UTC) and how many "
                   "dispatch orders are open; then 'N of TOTAL' (how many are shown of how many match).");
  cmd->add_option("--state", o->state,
                  "only incidents in this state (e.g. dispatched, accepted, closed; 'open' means any but closed)")
      ->type_name("S");
  cmd->add_option("--limit", o->limit, "show at most the newest N incidents, 1..1000 (default: the router's, 100)")
      ->type_name("N")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000}).description(""));
  add_json_flag(*cmd, o->json,
                "print one JSON object: total, and incidents: [{incident_id, state, source, category, priority, "
                "grid, reported_at, reported_at_ms, open_orders}]");
  add_bus_options(*cmd, *o, kTimeoutHelp);
  cmd->footer("Example: liandong incidents --state open --limit 20");
  cmd->callback([o, &selected] { selected = [o] { return run_list(*o); }; });
}

}  // namespace

void add_incident_commands(CLI::App& app, CommandRun& selected) {
  add_incident_group(app, selected);
  add_incidents(app, selected);
}

}  // namespace liandong::cli
