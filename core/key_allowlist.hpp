// The broker's allowlist of enrolled public keys (docs/security.md, "Enrolment"): KEYS_DIR/
// enrolled.toml, one [[key]] table per key with the peer names it may register, its role, and
// when it was enrolled or revoked. `liandong keys` edits it; the broker re-reads it when it
// changes, refuses revoked keys at their next handshake and drops their open sessions.
#pragma once

#include <filesystem>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace liandong {

struct EnrolledKey {
  std::string label;
  std::string public_key;  // Z85
  std::string role;
  std::string names;       // exact peer name, or a prefix ending in '*' ("unit:*")
  std::string enrolled_at;  // ISO 8601 UTC
  std::string revoked_at;   // empty while the key is valid

  bool revoked() const { return !revoked_at.empty(); }
  // True when a peer holding this key may register as `name`.
  bool allows_name(std::string_view name) const;
};

class KeyAllowlist {
 public:
  static std::filesystem::path file_in(const std::filesystem::path& keys_dir) { return keys_dir / "enrolled.toml"; }

  // An absent file is an empty list; a damaged one is an error naming the line.
  static Result<KeyAllowlist> load(const std::filesystem::path& file);
  // Writes the whole list to a temporary file and renames it over `file`, then restricts it to
  // its owner (0600). It holds public keys only; the rename keeps readers from seeing half.
  Status save(const std::filesystem::path& file) const;

  // The valid (not revoked) key with this Z85 public key.
  const EnrolledKey* find_valid_key(std::string_view public_key) const;
  // The key enrolled under `label`, revoked or not.
  const EnrolledKey* find_label(std::string_view label) const;

  // Adds `key`; refuses a label or public key that is enrolled already and not revoked. A revoked
  // label enrolled again gets a new entry (the old one stays, for the record).
  Status enroll(EnrolledKey key);
  // Marks the valid key `label` revoked at `when`.
  Status revoke(std::string_view label, const std::string& when);

  const std::vector<EnrolledKey>& keys() const { return keys_; }

 private:
  std::vector<EnrolledKey> keys_;
};

// enrolled.toml as a long-running process sees it: loaded at start, re-read when its size or
// modification time changes (`liandong keys` replaces it by rename, so a reader never sees half).
class AllowlistFile {
 public:
  explicit AllowlistFile(std::filesystem::path file) : file_(std::move(file)) {}
  // The first load; an absent file is an empty list, a damaged one an error.
  Status load();
  // True when the file changed and was re-read. A damaged file keeps the previous list and is an
  // error (the caller reports it; the next call tries again only after another change).
  Result<bool> reload_if_changed();
  const KeyAllowlist& list() const { return list_; }
  const std::filesystem::path& path() const { return file_; }

 private:
  std::filesystem::path file_;
  KeyAllowlist list_;
  std::filesystem::file_time_type mtime_{};
  std::uintmax_t size_ = 0;
};

// Loads KEYS_DIR/enrolled.toml, applies `change` and saves it, holding an exclusive flock on
// KEYS_DIR/.enrolled.lock throughout, so two editors (`liandong keys`, `liandong up`) at once
// cannot lose each other's edit. Creates KEYS_DIR (mode 0700) when absent.
Status edit_allowlist(const std::filesystem::path& keys_dir, const std::function<Status(KeyAllowlist&)>& change);

// "2026-11-25T14:03:07Z": the form enrolled.toml keeps.
std::string enrolment_time_now();

}  // namespace liandong
