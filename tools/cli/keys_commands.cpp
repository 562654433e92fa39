// Key management for CurveZMQ (planned, issue #7): keys gen|enroll|revoke|list. The options are
// a first cut; each command parses them, says security is not built yet and exits 3.
#include <memory>
#include <string>

#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/not_built.hpp"
#include "tools/cli/option_checks.hpp"

namespace liandong::cli {

namespace {

struct KeyOptions {
  std::string data_dir, name, public_key;
  bool json = false;
};

}  // namespace

void add_keys_commands(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "keys", "Manage the CurveZMQ keys that let peers connect to the broker (issue #7).\n"
              "Subcommands: gen, enroll, revoke, list.");
  group->require_subcommand(1);

  auto gen_o = std::make_shared<KeyOptions>();
  CLI::App* gen = group->add_subcommand(
      "gen", "Create a key pair for a peer.\nCreates a key pair for peer NAME in DATA_DIR/keys (NAME.key secret, NAME.pub public).");
  gen->add_option("NAME", gen_o->name, "required: the peer name the keys are for, e.g. gw-110")->check(id_check());
  add_data_dir_option(*gen, gen_o->data_dir);
  run_as_not_built(*gen, PlannedService::kSecurity, selected, gen_o);

  auto enroll_o = std::make_shared<KeyOptions>();
  CLI::App* enroll = group->add_subcommand(
      "enroll", "Allow a peer's public key.\nAllows peer NAME to connect with public key KEY (its NAME.pub file, or the Z85 text).");
  enroll->add_option("NAME", enroll_o->name, "required: the peer name")->check(id_check());
  enroll->add_option("KEY", enroll_o->public_key, "required: a public key file or 40 characters of Z85");
  add_data_dir_option(*enroll, enroll_o->data_dir);
  run_as_not_built(*enroll, PlannedService::kSecurity, selected, enroll_o);

  auto revoke_o = std::make_shared<KeyOptions>();
  CLI::App* revoke = group->add_subcommand(
      "revoke", "Revoke a peer's key.\nStops accepting peer NAME's key; it can no longer connect to the broker.");
  revoke->add_option("NAME", revoke_o->name, "required: the peer name")->check(id_check());
  add_data_dir_option(*revoke, revoke_o->data_dir);
  run_as_not_built(*revoke, PlannedService::kSecurity, selected, revoke_o);

  auto list_o = std::make_shared<KeyOptions>();
  CLI::App* list = group->add_subcommand("list", "List enrolled peers.\nLists enrolled peers with their public keys and when they were enrolled.");
  add_json_flag(*list, list_o->json, "print a JSON array instead of a table");
  add_data_dir_option(*list, list_o->data_dir);
  run_as_not_built(*list, PlannedService::kSecurity, selected, list_o);
}

}  // namespace liandong::cli
