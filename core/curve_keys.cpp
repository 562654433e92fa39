#include "core/curve_keys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/config.hpp"
#include "core/envelope.hpp"

namespace liandong {

namespace {

std::string toml_quoted(const std::string& text) {
  // Labels, roles, patterns and Z85 keys never hold quotes or backslashes (they are validated),
  // so plain quoting is exact.
  return "\"" + text + "\"";
}

std::string key_file_text(const KeyFile& key, bool with_secret) {
  std::ostringstream out;
  out << (with_secret ? "# Liandong CurveZMQ key pair. SECRET: keep this file mode 0600 and never copy it.\n"
                      : "# Liandong CurveZMQ public key. Give this file to the broker's operator to enroll.\n");
  out << "label = " << toml_quoted(key.label) << "\n";
  out << "role = " << toml_quoted(key.role) << "\n";
  out << "names = " << toml_quoted(key.names) << "\n";
  out << "public_key = " << toml_quoted(key.public_key) << "\n";
  if (with_secret) out << "secret_key = " << toml_quoted(key.secret_key) << "\n";
  return out.str();
}

Status write_new_file(const std::filesystem::path& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return {ErrorCode::kConfig, "'" + path.string() + "' exists already; remove it first to replace the key"};
    }
    return {ErrorCode::kIo, "cannot create '" + path.string() + "': " + std::strerror(errno)};
  }
  // The umask may have narrowed `mode`; the key file must be exactly what was asked.
  ::fchmod(fd, mode);
  const char* data = content.data();
  std::size_t left = content.size();
  bool ok = true;
  while (left > 0 && ok) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) {
      data += n;
      left -= static_cast<std::size_t>(n);
    }
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    std::filesystem::remove(path);
    return {ErrorCode::kIo, "cannot write '" + path.string() + "': " + std::strerror(errno)};
  }
  return Status::Ok();
}

}  // namespace

bool valid_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyLength) return false;
  std::array<std::uint8_t, 32> raw{};
  const std::string copy(text);
  return zmq_z85_decode(raw.data(), copy.c_str()) != nullptr;
}

bool valid_key_label(std::string_view label) {
  return valid_name(label, kMaxPeerNameLength) && label.front() != '.';
}

Result<KeyFile> generate_key(const std::string& label, const std::string& role, const std::string& names) {
  if (!valid_key_label(label)) {
    return Status(ErrorCode::kConfig, "key label '" + label + "' is not 1-64 letters, digits and . _ - :");
  }
  std::array<char, kZ85KeyLength + 1> public_key{};
  std::array<char, kZ85KeyLength + 1> secret_key{};
  if (zmq_curve_keypair(public_key.data(), secret_key.data()) != 0) {
    return Status(ErrorCode::kInternal, std::string("cannot generate a CurveZMQ key pair: ") + zmq_strerror(zmq_errno()) +
                                            " (is libzmq built with CURVE support?)");
  }
  return KeyFile{label, role, names, public_key.data(), secret_key.data()};
}

std::filesystem::path secret_key_path(const std::filesystem::path& dir, std::string_view label) {
  return dir / (std::string(label) + ".key");
}

std::filesystem::path public_key_path(const std::filesystem::path& dir, std::string_view label) {
  return dir / (std::string(label) + ".pub");
}

Status write_key_files(const std::filesystem::path& dir, const KeyFile& key) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return {ErrorCode::kIo, "cannot create key directory '" + dir.string() + "': " + ec.message()};
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (ec) return {ErrorCode::kIo, "cannot restrict key directory '" + dir.string() + "' to its owner: " + ec.message()};
  if (auto s = write_new_file(secret_key_path(dir, key.label), key_file_text(key, true), 0600); !s.ok()) return s;
  if (auto s = write_new_file(public_key_path(dir, key.label), key_file_text(key, false), 0644); !s.ok()) {
    std::filesystem::remove(secret_key_path(dir, key.label));
    return s;
  }
  return Status::Ok();
}

Result<KeyFile> read_key_file(const std::filesystem::path& file) {
  auto table = load_toml_file(file.string());
  if (!table.ok()) return table.status();
  KeyFile key;
  ConfigSection section(&*table, file.string(), "");
  section.read("label", key.label);
  section.read("role", key.role);
  section.read("names", key.names);
  section.read("public_key", key.public_key);
  section.read("secret_key", key.secret_key);
  if (auto s = section.finish(); !s.ok()) return s;
  auto bad = [&](const std::string& what) { return Status(ErrorCode::kConfig, file.string() + ": " + what); };
  if (!valid_key_label(key.label)) return bad("'label' is missing or not 1-64 letters, digits and . _ - :");
  if (key.role.empty()) return bad("'role' is missing");
  if (key.names.empty()) key.names = key.label;
  if (!valid_z85_key(key.public_key)) return bad("'public_key' is not a 40-character Z85 key");
  if (!key.secret_key.empty() && !valid_z85_key(key.secret_key)) {
    return bad("'secret_key' is not a 40-character Z85 key");
  }
  return key;
}

Result<KeyFile> read_secret_key(const std::filesystem::path& dir, std::string_view label) {
  const auto path = secret_key_path(dir, label);
  if (!std::filesystem::exists(path)) {
    return Status(ErrorCode::kConfig, "no key '" + std::string(label) + "': " + path.string() +
                                          " does not exist (create it with `liandong keys gen " + std::string(label) +
                                          " --role ROLE`, then `liandong keys enroll`)");
  }
  auto key = read_key_file(path);
  if (!key.ok()) return key.status();
  if (key->secret_key.empty()) return Status(ErrorCode::kConfig, path.string() + ": 'secret_key' is missing");
  return key;
}

Result<CurveClientKeys> load_client_keys(const std::filesystem::path& dir, std::string_view label) {
  auto own = read_secret_key(dir, label);
  if (!own.ok()) return own.status();
  const auto broker_path = public_key_path(dir, kBrokerKeyLabel);
  if (!std::filesystem::exists(broker_path)) {
    return Status(ErrorCode::kConfig, "no broker public key: " + broker_path.string() +
                                          " does not exist (copy it from the broker's key directory)");
  }
  auto broker = read_key_file(broker_path);
  if (!broker.ok()) return broker.status();
  return CurveClientKeys{own->label, own->public_key, own->secret_key, broker->public_key};
}

}  // namespace liandong
