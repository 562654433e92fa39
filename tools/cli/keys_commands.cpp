// `liandong keys gen|enroll|revoke|list` (docs/security.md, "Keys" and "Enrolment"; issue #7):
// CurveZMQ key pairs for peers, and the broker's allowlist DATA_DIR/keys/enrolled.toml. The CLI
// only edits files; the running broker notices enrolled.toml changing and re-reads it by itself.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/curve_keys.hpp"
#include "core/envelope.hpp"
#include "core/key_allowlist.hpp"
#include "schemas/messages.hpp"
#include "tools/cli/commands.hpp"
#include "tools/cli/common_options.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/exit_codes.hpp"
#include "tools/cli/text_table.hpp"

namespace liandong::cli {

namespace {

namespace fs = std::filesystem;


struct GenOptions {
  std::string data_dir, dir, label, role, names;
};
struct EnrollOptions {
  std::string data_dir, label, key, role, names;
};
struct RevokeOptions {
  std::string data_dir, label;
};
struct ListOptions {
  std::string data_dir;
  bool json = false;
};

// --- Checks of the values, while parsing (a bad one exits 2 naming it) ---

std::string role_list() {
  std::string out;
  for (const auto role : v1::kRoles) out += (out.empty() ? "" : ", ") + std::string(role);
  return out;
}

// `with_broker`: `keys gen` also makes the broker's own pair; enrolment is only for peers.
CLI::Validator role_check(bool with_broker) {
  return CLI::Validator(
      [with_broker](std::string& value) -> std::string {
        if (v1::is_role(value) || (with_broker && value == kBrokerKeyLabel)) return "";
        return "role '" + value + "' must be one of " + role_list() + (with_broker ? ", or broker for the broker's own pair" : "");
      },
      "");
}

CLI::Validator label_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return valid_key_label(value) ? ""
                                      : "key label '" + value + "' must be 1-64 characters of a-z A-Z 0-9 . _ - : "
                                                                "not starting with . (usually the peer name)";
      },
      "");
}

bool valid_names_pattern(const std::string& pattern) {
  if (!pattern.empty() && pattern.back() == '*') {
    // A bare "*" would let the key register as any peer, which is what the allowlist prevents.
    return pattern.size() > 1 && valid_name(pattern.substr(0, pattern.size() - 1), kMaxPeerNameLength);
  }
  return valid_name(pattern, kMaxPeerNameLength);
}

CLI::Validator names_check() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return valid_names_pattern(value) ? ""
                                          : "names '" + value + "' must be a peer name (gateway.110) or a "
                                                                "non-empty prefix followed by '*' (unit:*)";
      },
      "");
}

// --- Small helpers ---

// A path as it can be pasted into a shell.
std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789._-:/+=@,") == std::string::npos;
  return plain ? text : "'" + text + "'";
}

// " --data-dir DIR" for a suggested next command, or "" when the default is in use.
std::string data_dir_flag(const std::string& data_dir) {
  return data_dir == kDefaultDataDir ? "" : " --data-dir " + shell_word(DataDir(data_dir).root().string());
}

fs::path allowlist_file(const std::string& data_dir) { return KeyAllowlist::file_in(DataDir(data_dir).keys_dir()); }

// --- keys gen ---

int run_gen(const GenOptions& o) {
  // The broker's pair is found by its label (peers read broker.pub), so the two go together.
  if ((o.role == kBrokerKeyLabel) != (o.label == kBrokerKeyLabel)) {
    return fail(kExitUsage, "the broker's own pair must have label 'broker' and --role broker, and no other key "
                            "may use either (got label '" + o.label + "', role '" + o.role + "')");
  }
  const fs::path dir = o.dir.empty() ? DataDir(o.data_dir).keys_dir() : fs::absolute(o.dir).lexically_normal();
  const std::string names = o.names.empty() ? o.label : o.names;
  auto key = generate_key(o.label, o.role, names);
  if (!key.ok()) return fail(kExitFailure, key.status().message());
  if (auto s = write_key_files(dir, *key); !s.ok()) return fail(kExitFailure, s.message());

  const std::string pub = public_key_path(dir, o.label).string();
  std::cout << "Generated key pair '" << o.label << "' (role " << o.role << ", names " << names << ")\n"
            << "  public key:  " << key->public_key << "\n"
            << "  secret file: " << secret_key_path(dir, o.label).string()
            << " (mode 0600: keep it on this machine, never copy it)\n"
            << "  public file: " << pub << " (mode 0644)\n";
  if (o.role == kBrokerKeyLabel) {
    std::cout << "Next: start the broker with this key directory (liandong-broker --keys " << shell_word(dir.string())
              << "), and copy " << shell_word(pub) << " beside every peer's own key.\n";
  } else {
    std::cout << "Next: liandong keys enroll " << o.label << " " << shell_word(pub) << data_dir_flag(o.data_dir)
              << "\n";
  }
  return kExitOk;
}

// --- keys enroll ---

// What KEY names: a key file (its role and names become the defaults), or Z85 text.
struct KeySource {
  std::string public_key, role, names, from;
};

Result<KeySource> read_key_argument(const std::string& key) {
  std::error_code ec;
  if (fs::is_regular_file(key, ec)) {
    auto file = read_key_file(key);
    if (!file.ok()) return file.status();
    return KeySource{file->public_key, file->role, file->names, "file " + key};
  }
  if (valid_z85_key(key)) return KeySource{key, "", "", "Z85 text"};
  return Status(ErrorCode::kInvalidValue,
                "KEY '" + key + "' is neither a key file (LABEL.pub from `liandong keys gen`) nor 40 characters of Z85");
}

int run_enroll(const EnrollOptions& o) {
  if (o.label == kBrokerKeyLabel) {
    return fail(kExitUsage, "label 'broker' is the broker's own key; it is not enrolled (peers trust it through "
                            "broker.pub)");
  }
  auto source = read_key_argument(o.key);
  if (!source.ok()) {
    return fail(source.status().code() == ErrorCode::kInvalidValue ? kExitUsage : kExitFailure,
                source.status().message());
  }
  EnrolledKey key{o.label, source->public_key, o.role.empty() ? source->role : o.role,
                  o.names.empty() ? (source->names.empty() ? o.label : source->names) : o.names, enrolment_time_now(), ""};
  if (key.role.empty()) {
    return fail(kExitUsage, "--role is required when KEY is Z85 text (one of " + role_list() + ")");
  }
  if (!v1::is_role(key.role)) {
    return fail(kExitUsage, source->from + " has role '" + key.role + "', which peers cannot register with; give "
                                "--role (one of " + role_list() + ")");
  }
  if (!valid_names_pattern(key.names)) {
    return fail(kExitUsage, source->from + " has names '" + key.names +
                                "', not a peer name or a prefix ending in '*'; give --names");
  }
  const fs::path keys_dir = DataDir(o.data_dir).keys_dir();
  const Status s = edit_allowlist(keys_dir, [&key](KeyAllowlist& list) { return list.enroll(key); });
  if (!s.ok()) return fail(kExitFailure, s.message() + " (in " + KeyAllowlist::file_in(keys_dir).string() + ")");
  std::cout << "Enrolled '" << key.label << "' (role " << key.role << ", names " << key.names << ") from "
            << source->from << "\n"
            << "  public key:  " << key.public_key << "\n"
            << "  enrolled at: " << key.enrolled_at << " in " << KeyAllowlist::file_in(keys_dir).string() << "\n"
            << "The running broker re-reads the allowlist by itself and accepts this key within a second.\n";
  return kExitOk;
}

// --- keys revoke ---

int run_revoke(const RevokeOptions& o) {
  const fs::path file = allowlist_file(o.data_dir);
  const std::string unknown = "no key is enrolled as '" + o.label + "' in " + file.string() +
                              "; `liandong keys list" + data_dir_flag(o.data_dir) + "` shows the enrolled labels";
  // Nothing enrolled: say so without creating the key directory just to hold a lock.
  if (!fs::exists(file)) return fail(kExitFailure, unknown);
  const std::string when = enrolment_time_now();
  const Status s = edit_allowlist(file.parent_path(), [&](KeyAllowlist& list) { return list.revoke(o.label, when); });
  if (!s.ok()) return fail(kExitFailure, s.code() == ErrorCode::kUnknownId ? unknown : s.message() + " (in " + file.string() + ")");
  std::cout << "Revoked '" << o.label << "' at " << when << ".\n"
            << "The broker refuses this key from now on and drops its open sessions within a second.\n";
  return kExitOk;
}

// --- keys list ---

nlohmann::ordered_json key_json(const EnrolledKey& key) {
  return {{"label", key.label},
          {"role", key.role},
          {"names", key.names},
          {"public_key", key.public_key},
          {"enrolled_at", key.enrolled_at},
          {"revoked_at", key.revoked() ? nlohmann::ordered_json(key.revoked_at) : nlohmann::ordered_json(nullptr)}};
}

std::string key_table(const std::vector<EnrolledKey>& keys) {
  std::vector<std::vector<std::string>> rows = {{"LABEL", "ROLE", "NAMES", "STATE", "ENROLLED", "PUBLIC KEY"}};
  for (const auto& key : keys) {
    rows.push_back({key.label, key.role, key.names, key.revoked() ? "revoked at " + key.revoked_at : "valid",
                    key.enrolled_at, key.public_key});
  }
  return format_table(rows);
}

int run_list(const ListOptions& o) {
  const fs::path file = allowlist_file(o.data_dir);
  auto list = KeyAllowlist::load(file);  // an absent file is an empty list
  if (!list.ok()) return fail(kExitFailure, list.status().message());
  if (o.json) {
    auto out = nlohmann::ordered_json::array();
    for (const auto& key : list->keys()) out.push_back(key_json(key));
    std::cout << out.dump() << "\n";
  } else if (list->keys().empty()) {
    std::cout << "no keys enrolled in " << file.parent_path().string() << "\n";
  } else {
    std::cout << key_table(list->keys());
  }
  return kExitOk;
}

// --- Wiring ---

void add_gen(CLI::App& group, CommandRun& selected) {
  auto o = std::make_shared<GenOptions>();
  CLI::App* cmd = group.add_subcommand(
      "gen",
      "Create a key pair for a peer.\n"
      "Writes DIR/LABEL.key (the secret pair, mode 0600) and DIR/LABEL.pub (the public part, mode 0644), "
      "recording the role and peer names the key is for. Refuses to overwrite an existing key: a replaced "
      "key locks its peers out. Then enroll LABEL.pub with 'liandong keys enroll' on the broker's machine.");
  cmd->add_option("LABEL", o->label, "the key's name, usually the peer name it is for, e.g. gateway.110")
      ->required()
      ->check(label_check());
  cmd->add_option("--role", o->role,
                  "the role its peer registers with: " + role_list() + "; or broker for the broker's own pair "
                  "(label broker)")
      ->type_name("ROLE")
      ->required()
      ->check(role_check(true));
  cmd->add_option("--names", o->names,
                  "the peer names the key may register: one name, or a prefix ending in '*' such as unit:* "
                  "(default LABEL)")
      ->type_name("PATTERN")
      ->check(names_check());
  add_data_dir_option(*cmd, o->data_dir);
  cmd->add_option("--dir", o->dir, "write the key files here instead of DATA_DIR/keys (created with mode 0700)")
      ->type_name("DIR");
  cmd->footer("Example: liandong keys gen gateway.110 --role gateway --data-dir /tmp/ld");
  cmd->callback([o, &selected] { selected = [o] { return run_gen(*o); }; });
}

void add_enroll(CLI::App& group, CommandRun& selected) {
  auto o = std::make_shared<EnrollOptions>();
  CLI::App* cmd = group.add_subcommand(
      "enroll",
      "Allow a peer's public key to connect.\n"
      "Adds KEY under LABEL to the broker's allowlist DATA_DIR/keys/enrolled.toml, with the role and peer "
      "names it may register. The running broker re-reads the allowlist by itself within a second. A label "
      "that is enrolled and not revoked is refused; revoke it first to enroll a new key.");
  cmd->add_option("LABEL", o->label, "the name to enroll the key under, usually the peer name")
      ->required()
      ->check(label_check());
  cmd->add_option("KEY", o->key,
                  "a .pub (or .key) file from 'liandong keys gen', whose role and names are the defaults; or the "
                  "public key as 40 characters of Z85, in single quotes for the shell (then --role is required)")
      ->required();
  cmd->add_option("--role", o->role, "the role the peer registers with: " + role_list() + " (default: the key file's)")
      ->type_name("ROLE")
      ->check(role_check(false));
  cmd->add_option("--names", o->names,
                  "the peer names it may register: one name, or a prefix ending in '*' such as unit:* "
                  "(default: the key file's, else LABEL)")
      ->type_name("PATTERN")
      ->check(names_check());
  add_data_dir_option(*cmd, o->data_dir);
  cmd->footer("Example: liandong keys enroll gateway.110 /tmp/ld/keys/gateway.110.pub --data-dir /tmp/ld");
  cmd->callback([o, &selected] { selected = [o] { return run_enroll(*o); }; });
}

void add_revoke(CLI::App& group, CommandRun& selected) {
  auto o = std::make_shared<RevokeOptions>();
  CLI::App* cmd = group.add_subcommand(
      "revoke",
      "Revoke an enrolled key.\n"
      "Marks the key enrolled as LABEL revoked (now) in DATA_DIR/keys/enrolled.toml; the entry stays, for "
      "the record. The running broker refuses the key from then on and drops its open sessions within a "
      "second.");
  cmd->add_option("LABEL", o->label, "the label the key was enrolled under (see 'liandong keys list')")
      ->required()
      ->check(label_check());
  add_data_dir_option(*cmd, o->data_dir);
  cmd->footer("Example: liandong keys revoke gateway.110 --data-dir /tmp/ld");
  cmd->callback([o, &selected] { selected = [o] { return run_revoke(*o); }; });
}

void add_list(CLI::App& group, CommandRun& selected) {
  auto o = std::make_shared<ListOptions>();
  CLI::App* cmd = group.add_subcommand(
      "list",
      "List enrolled keys.\n"
      "Shows every entry of DATA_DIR/keys/enrolled.toml: label, role, peer names, whether it is valid or "
      "when it was revoked, when it was enrolled, and its public key.");
  add_json_flag(*cmd, o->json,
                "print a JSON array of {label, role, names, public_key, enrolled_at, revoked_at (null while "
                "valid)} instead of a table");
  add_data_dir_option(*cmd, o->data_dir);
  cmd->footer("Example: liandong keys list --data-dir /tmp/ld --json");
  cmd->callback([o, &selected] { selected = [o] { return run_list(*o); }; });
}

}  // namespace

void add_keys_commands(CLI::App& app, CommandRun& selected) {
  CLI::App* group = app.add_subcommand(
      "keys",
      "Manage the CurveZMQ keys that let peers connect to the broker.\n"
      "gen creates a peer's key pair, enroll adds its public key to the broker's allowlist "
      "(DATA_DIR/keys/enrolled.toml), revoke withdraws it, list shows the allowlist. See docs/security.md.");
  group->require_subcommand(1);
  add_gen(*group, selected);
  add_enroll(*group, selected);
  add_revoke(*group, selected);
  add_list(*group, selected);
}

}  // namespace liandong::cli
