// The subcommands served by the audit service (DESIGN.md, "The CLI"): audit trail|verify|export.
// Until the audit service exists (issue #3) each one parses its options, says so and exits 3.
#include <memory>
#include <string>

#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/not_built.hpp"
#include "tools/cli/option_checks.hpp"

namespace liandong::cli {

namespace {

struct TrailOptions {
  std::string data_dir, broker, incident;
  bool json = false;
};
struct VerifyOptions {
  std::string data_dir, db;
};
struct ExportOptions {
  std::string data_dir, format = "jsonl";
};

}  // namespace

void add_audit_commands(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "audit", "Read the audit log: an incident's trail, an integrity check, an export.\n"
               "Subcommands: trail, verify, export.");
  group->require_subcommand(1);

  auto trail_o = std::make_shared<TrailOptions>();
  CLI::App* trail = group->add_subcommand(
      "trail", "Show an incident's audit trail.\nPrints every audit event of incident INCIDENT in order: time, type, actor and data.");
  trail->add_option("INCIDENT", trail_o->incident, "required: the incident id")->check(id_check());
  add_json_flag(*trail, trail_o->json, "print one JSON object per event (JSON lines)");
  add_data_dir_option(*trail, trail_o->data_dir);
  add_broker_option(*trail, trail_o->broker);
  run_as_not_built(*trail, PlannedService::kAudit, selected, trail_o);

  auto verify_o = std::make_shared<VerifyOptions>();
  CLI::App* verify = group->add_subcommand(
      "verify", "Check that the audit log was not altered.\nChecks the audit database's hash chain from the first event to the last; exit 1 and "
                "name the first broken event if anything was altered or removed.");
  verify->add_option("--db", verify_o->db, "the audit database to check (default: the one in DATA_DIR)")
      ->type_name("FILE");
  add_data_dir_option(*verify, verify_o->data_dir);
  run_as_not_built(*verify, PlannedService::kAudit, selected, verify_o);

  auto export_o = std::make_shared<ExportOptions>();
  CLI::App* exp = group->add_subcommand("export", "Export the audit log.\nWrites the whole audit log to stdout, oldest event first.");
  exp->add_option("--format", export_o->format, "output format; jsonl (one JSON object per line) is the only one")
      ->type_name("FORMAT")
      ->check(CLI::Validator(CLI::IsMember({"jsonl"})).description(""));
  add_data_dir_option(*exp, export_o->data_dir);
  run_as_not_built(*exp, PlannedService::kAudit, selected, export_o);
}

}  // namespace liandong::cli
