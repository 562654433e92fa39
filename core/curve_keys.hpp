// CurveZMQ key pairs on disk (docs/security.md, "Keys"): every bus peer holds a key pair in a
// small TOML file, LABEL.key (secret, mode 0600) beside LABEL.pub (public part only, safe to copy
// to the broker's machine). The broker's own pair is "broker"; peers need broker.pub to connect.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace liandong {

inline constexpr std::string_view kBrokerKeyLabel = "broker";
inline constexpr std::size_t kZ85KeyLength = 40;  // a 32-byte Curve25519 key in Z85 text

// One key file: who the key is for, and the key itself. `secret_key` is empty in a .pub file.
struct KeyFile {
  std::string label;       // the key's name: usually the peer name ("gateway.110", "operator")
  std::string role;        // the role its peers register with (a REGISTER role, or "broker")
  std::string names;       // peer names it may register: exact, or a prefix ending in '*'
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters; empty when only the public part is known
};

// True when `text` is 40 characters of Z85 that decode to 32 bytes.
bool valid_z85_key(std::string_view text);
// Labels become file names: 1-64 letters, digits and . _ - : (like peer names), no leading dot.
bool valid_key_label(std::string_view label);

// A fresh Curve25519 pair from libzmq (which uses libsodium's random source).
Result<KeyFile> generate_key(const std::string& label, const std::string& role, const std::string& names);

// DIR/LABEL.key and DIR/LABEL.pub.
std::filesystem::path secret_key_path(const std::filesystem::path& dir, std::string_view label);
std::filesystem::path public_key_path(const std::filesystem::path& dir, std::string_view label);

// Writes LABEL.key (0600) and LABEL.pub (0644) in `dir`, creating `dir` with mode 0700. Refuses to
// overwrite an existing key: a replaced key silently locks its peers out.
Status write_key_files(const std::filesystem::path& dir, const KeyFile& key);
// Reads a .key or .pub file; errors name the file and the bad entry.
Result<KeyFile> read_key_file(const std::filesystem::path& file);
// Reads DIR/LABEL.key and requires its secret part.
Result<KeyFile> read_secret_key(const std::filesystem::path& dir, std::string_view label);

// What a bus client needs for CurveZMQ: its own pair and the broker's public key.
struct CurveClientKeys {
  std::string label;
  std::string public_key;
  std::string secret_key;
  std::string broker_public_key;
};

// Loads DIR/LABEL.key and DIR/broker.pub, naming what is missing and how to create it.
Result<CurveClientKeys> load_client_keys(const std::filesystem::path& dir, std::string_view label);

}  // namespace liandong
