// liandong audit trail|verify|export (issue #3): an incident's trail from the running audit
// service; chain verification over the bus or offline on a database file; exports of the log
// with caller personal data masked unless --unmasked.
#include <iostream>
#include <memory>
#include <string>

#include "services/audit/audit_service.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "tools/cli/audit_format.hpp"
#include "tools/cli/bus_conversation.hpp"
#include "tools/cli/bus_session.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/option_checks.hpp"
#include "tools/cli/time_text.hpp"

namespace liandong::cli {

namespace {

constexpr Millis kDefaultTimeoutMs = 5000;

struct TrailOptions {
  std::string data_dir = kDefaultDataDir, broker, incident;
  bool json = false, unmasked = false;
  std::int64_t timeout_ms = kDefaultTimeoutMs;
};
struct VerifyOptions {
  std::string data_dir = kDefaultDataDir, broker, db;
  bool json = false;
  std::int64_t timeout_ms = 600'000;
};
struct ExportOptions {
  std::string data_dir = kDefaultDataDir, db, format = "jsonl", since, incident;
  bool unmasked = false;
};

Result<std::unique_ptr<BusConversation>> open_bus(const std::string& data_dir, const std::string& broker,
                                                  Millis timeout_ms) {
  return open_operator_session(broker, DataDir(data_dir), timeout_ms);
}

Result<std::unique_ptr<audit::SqliteEventStore>> open_database(const std::string& db, const std::string& data_dir) {
  const std::string path = db.empty() ? (DataDir(data_dir).root() / "audit.db").string() : db;
  audit::SqliteStoreOptions options;
  options.path = path;
  options.read_only = true;
  return audit::SqliteEventStore::open(options);
}

int run_trail(const TrailOptions& o) {
  auto bus = open_bus(o.data_dir, o.broker, o.timeout_ms);
  if (!bus.ok()) return fail(kExitFailure, bus.status().message());
  std::int64_t from_seq = 1;
  std::size_t shown = 0;
  while (true) {
    v1::AuditQuery q;
    q.query_id = "trail";
    q.incident_id = o.incident;
    q.from_seq = from_seq;
    auto page = (*bus)->ask_for<v1::AuditQuery, v1::AuditEvents>("audit", q, o.timeout_ms);
    if (!page.ok()) return fail(kExitFailure, page.status().message());
    for (const auto& e : page->events) {
      if (o.json) {
        std::cout << json_text(event_json(e, o.unmasked)) << "\n";
      } else {
        auto body = msgpack_to_json(e.body.bytes);
        if (!o.unmasked) mask_personal_data(body);
        std::cout << format_utc(e.at_ms) << "  #" << e.seq << "  " << e.type << "  by " << e.actor << "  "
                  << json_text(body) << "\n";
      }
      ++shown;
    }
    if (page->complete || !page->next_seq) break;
    from_seq = *page->next_seq;
  }
  if (shown == 0) return fail(kExitFailure, "the audit log has no events for incident '" + o.incident + "'");
  return kExitOk;
}

void print_verify(bool json, bool intact, std::int64_t events, std::optional<std::int64_t> bad_seq,
                  const std::string& problem, const std::string& message, const std::string& where) {
  if (json) {
    nlohmann::json j{{"intact", intact}, {"events", events}, {"source", where}, {"message", message}};
    if (bad_seq) j["first_bad_seq"] = *bad_seq;
    if (!problem.empty()) j["problem"] = problem;
    std::cout << json_text(j) << "\n";
  } else if (intact) {
    std::cout << "intact: " << events << " events checked in " << where << "\n";
  }
}

int run_verify(const VerifyOptions& o) {
  if (!o.db.empty()) {
    auto store = open_database(o.db, o.data_dir);
    if (!store.ok()) return fail(kExitFailure, store.status().message());
    auto report = (*store)->verify();
    if (!report.ok()) return fail(kExitFailure, report.status().message());
    print_verify(o.json, report->intact, report->events, report->first_bad_seq, report->problem, report->message, o.db);
    if (!report->intact) return fail(kExitFailure, "chain broken at seq " + std::to_string(*report->first_bad_seq) +
                                                       " (" + report->problem + "): " + report->message);
    return kExitOk;
  }
  auto bus = open_bus(o.data_dir, o.broker, kDefaultTimeoutMs);
  if (!bus.ok()) return fail(kExitFailure, bus.status().message() + " (use --db FILE to check a database offline)");
  auto reply = (*bus)->ask_for<v1::AuditVerify, v1::AuditVerifyReply>("audit", v1::AuditVerify{"verify"}, o.timeout_ms);
  if (!reply.ok()) return fail(kExitFailure, reply.status().message());
  print_verify(o.json, reply->intact, reply->events, reply->first_bad_seq, reply->problem.value_or(""), reply->message,
               "the running audit service");
  if (!reply->intact) {
    return fail(kExitFailure, "chain broken at seq " + std::to_string(reply->first_bad_seq.value_or(0)) + " (" +
                                  reply->problem.value_or("?") + "): " + reply->message);
  }
  return kExitOk;
}

int run_export(const ExportOptions& o) {
  std::int64_t since_ms = 0;
  if (!o.since.empty()) {
    auto t = parse_time(o.since);
    if (!t.ok()) return fail(kExitUsage, "--since: " + t.status().message());
    since_ms = *t;
  }
  auto store = open_database(o.db, o.data_dir);
  if (!store.ok()) return fail(kExitFailure, store.status().message());
  if (o.format == "csv") std::cout << csv_header() << "\n";
  constexpr std::int64_t kPage = 5000;
  std::int64_t after_seq = 0;
  while (true) {
    auto page = !o.incident.empty() ? (*store)->read_incident(o.incident, after_seq, kPage)
                                    : (*store)->read_time_range(since_ms, INT64_MAX, after_seq, kPage);
    if (!page.ok()) return fail(kExitFailure, page.status().message());
    for (const auto& record : *page) {
      if (record.at_ms < since_ms) continue;
      const auto event = audit::to_wire(record);
      if (o.format == "csv") std::cout << csv_row(event, o.unmasked) << "\n";
      else std::cout << json_text(event_json(event, o.unmasked)) << "\n";
    }
    if (static_cast<std::int64_t>(page->size()) < kPage) break;
    after_seq = page->back().seq;
  }
  std::cout.flush();
  return std::cout ? kExitOk : fail(kExitFailure, "could not write the export to stdout");
}

}  // namespace

void add_audit_commands(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "audit", "Read the audit log: an incident's trail, an integrity check, an export.\n"
               "Subcommands: trail, verify, export.");
  group->require_subcommand(1);

  auto t = std::make_shared<TrailOptions>();
  CLI::App* trail = group->add_subcommand(
      "trail", "Show an incident's audit trail.\nAsks the running audit service for every event of incident "
               "INCIDENT, oldest first: time, sequence number, type, actor and data. Caller phone numbers and "
               "names are masked unless --unmasked is given. Exit 1 when the incident has no events.");
  trail->add_option("INCIDENT", t->incident, "the incident id")->required()->check(id_check());
  add_json_flag(*trail, t->json, "print one JSON object per event (JSON lines), with hashes");
  trail->add_flag("--unmasked", t->unmasked, "show caller phone numbers and names in clear");
  trail->add_option("--timeout-ms", t->timeout_ms, "give up after this many milliseconds without an answer (default 5000)")
      ->check(CLI::Range(1, 3'600'000));
  add_data_dir_option(*trail, t->data_dir);
  add_broker_option(*trail, t->broker);
  trail->callback([t, &selected] { selected = [t] { return run_trail(*t); }; });

  auto v = std::make_shared<VerifyOptions>();
  CLI::App* verify = group->add_subcommand(
      "verify", "Check that the audit log was not altered.\nChecks the hash chain from the first event to the last: "
                "sequence numbers without gaps, each event's hash, each link to the previous event. With --db it "
                "reads the database file directly (works offline, read-only); without, it asks the running audit "
                "service. Exit 0 when intact; exit 1 naming the first broken sequence number and why "
                "(hash_mismatch, gap, chain_break).");
  verify->add_option("--db", v->db, "check this database file offline instead of asking the running service")
      ->type_name("FILE");
  add_json_flag(*verify, v->json, "print the result as one JSON object");
  add_data_dir_option(*verify, v->data_dir);
  add_broker_option(*verify, v->broker);
  verify->callback([v, &selected] { selected = [v] { return run_verify(*v); }; });

  auto e = std::make_shared<ExportOptions>();
  CLI::App* exp = group->add_subcommand(
      "export", "Export the audit log.\nWrites the log to stdout, oldest event first, from the database file (read-only; "
                "safe while the system runs). Caller phone numbers and names are masked unless --unmasked.");
  exp->add_option("--format", e->format, "jsonl (one JSON object per line, default) or csv")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  exp->add_option("--since", e->since, "only events at or after TIME: 2026-11-25, 2026-11-25T07:30[:15][Z] (UTC) "
                                       "or Unix milliseconds")
      ->type_name("TIME");
  exp->add_option("--incident", e->incident, "only this incident's events")->type_name("ID")->check(id_check());
  exp->add_flag("--unmasked", e->unmasked, "export caller phone numbers and names in clear");
  exp->add_option("--db", e->db, "the database file (default DATA_DIR/audit.db)")->type_name("FILE");
  add_data_dir_option(*exp, e->data_dir);
  exp->callback([e, &selected] { selected = [e] { return run_export(*e); }; });
}

}  // namespace liandong::cli
