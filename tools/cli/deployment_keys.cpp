#include "tools/cli/deployment_keys.hpp"

#include "core/curve_keys.hpp"
#include "core/key_allowlist.hpp"

namespace liandong::cli {

std::vector<DeploymentKey> system_keys() {
  return {
      {std::string(kBrokerKeyLabel), "broker", std::string(kBrokerKeyLabel)},
      {"audit", "audit", "audit"},
      {"router", "router", "router"},
      {"gateway.96345", "gateway", "gateway.96345"},
      {"gateway.110", "gateway", "gateway.110"},
      {"gateway.citymgmt", "gateway", "gateway.citymgmt"},
      {"gateway.watch", "gateway", "gateway.watch"},
      {"operator", "cli", "cli-*"},
  };
}

DeploymentKey demo_units_key() { return {"demo-units", "unit", "unit:*"}; }
DeploymentKey demo_relay_key() { return {"demo-relay", "relay", "demo-relay"}; }

Status ensure_keys(const std::filesystem::path& keys_dir, const std::vector<DeploymentKey>& keys, std::ostream& out) {
  for (const DeploymentKey& wanted : keys) {
    if (std::filesystem::exists(secret_key_path(keys_dir, wanted.label))) continue;
    const bool is_broker = wanted.label == kBrokerKeyLabel;
    if (!is_broker) {
      auto list = KeyAllowlist::load(KeyAllowlist::file_in(keys_dir));
      if (!list.ok()) return list.status();
      if (const EnrolledKey* known = list->find_label(wanted.label); known != nullptr && !known->revoked()) {
        return {ErrorCode::kConfig, secret_key_path(keys_dir, wanted.label).string() + " is missing but '" +
                                        wanted.label + "' is still enrolled: restore the file, or `liandong keys revoke " +
                                        wanted.label + "` so a new key is made"};
      }
    }
    auto key = generate_key(wanted.label, wanted.role, wanted.names);
    if (!key.ok()) return key.status();
    if (auto s = write_key_files(keys_dir, *key); !s.ok()) return s;
    if (!is_broker) {
      const Status enrolled = edit_allowlist(keys_dir, [&](KeyAllowlist& list) {
        return list.enroll({key->label, key->public_key, key->role, key->names, enrolment_time_now(), {}});
      });
      if (!enrolled.ok()) return enrolled;
    }
    out << "created key '" << wanted.label << "' (role " << wanted.role << ") in " << keys_dir.string()
        << (is_broker ? "" : ", enrolled") << "\n";
  }
  return Status::Ok();
}

}  // namespace liandong::cli
