#include "core/key_allowlist.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <memory>
#include <thread>
#include <tuple>
#include <utility>

#include <sstream>

#include "core/config.hpp"
#include "core/curve_keys.hpp"
#include "core/sockets.hpp"

namespace liandong {

namespace {
std::string quoted(const std::string& text) { return "\"" + text + "\""; }

// Another editor holds the allowlist lock only for a read and a write; waiting longer than this
// means something is stuck, and saying so beats hanging.
constexpr auto kLockWait = std::chrono::seconds(10);

// An exclusive flock on KEYS_DIR/.enrolled.lock, held from loading enrolled.toml until the new
// version is renamed in place, so two `liandong keys` at once cannot lose each other's edit.
class AllowlistLock {
 public:
  static Result<std::unique_ptr<AllowlistLock>> acquire(const std::filesystem::path& keys_dir);
  ~AllowlistLock() { ::close(fd_); }  // closing drops the lock
  AllowlistLock(const AllowlistLock&) = delete;
  AllowlistLock& operator=(const AllowlistLock&) = delete;

 private:
  explicit AllowlistLock(int fd) : fd_(fd) {}
  int fd_;
};

Result<std::unique_ptr<AllowlistLock>> AllowlistLock::acquire(const std::filesystem::path& keys_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(keys_dir, ec)) {
    std::filesystem::create_directories(keys_dir, ec);
    // The directory also holds secret keys (`keys gen`): its owner only, like write_key_files.
    if (!ec) std::filesystem::permissions(keys_dir, std::filesystem::perms::owner_all, ec);
    if (ec) return Status(ErrorCode::kIo, "cannot create key directory '" + keys_dir.string() + "': " + ec.message());
  }
  const std::filesystem::path file = keys_dir / ".enrolled.lock";
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Status(ErrorCode::kIo, "cannot open '" + file.string() + "': " + std::strerror(errno));
  const auto deadline = std::chrono::steady_clock::now() + kLockWait;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    if (err != EWOULDBLOCK && err != EINTR) {
      ::close(fd);
      return Status(ErrorCode::kIo, "cannot lock '" + file.string() + "': " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return Status(ErrorCode::kIo, "another process has held '" + file.string() +
                                        "' for 10 s; try again, or find it with `fuser " + file.string() + "`");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::unique_ptr<AllowlistLock>(new AllowlistLock(fd));
}

}  // namespace

Status edit_allowlist(const std::filesystem::path& keys_dir, const std::function<Status(KeyAllowlist&)>& change) {
  auto lock = AllowlistLock::acquire(keys_dir);
  if (!lock.ok()) return lock.status();
  const std::filesystem::path file = KeyAllowlist::file_in(keys_dir);
  auto list = KeyAllowlist::load(file);
  if (!list.ok()) return list.status();
  if (auto s = change(*list); !s.ok()) return s;
  return list->save(file);
}


// "2026-11-25T14:03:07Z": the form enrolled.toml keeps.
std::string enrolment_time_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}



namespace {
// When the file was last written and its size; both zero when it is absent.
std::pair<std::filesystem::file_time_type, std::uintmax_t> file_stamp(const std::filesystem::path& file) {
  std::error_code ec;
  const auto mtime = std::filesystem::last_write_time(file, ec);
  if (ec) return {};
  const auto size = std::filesystem::file_size(file, ec);
  return {mtime, ec ? 0 : size};
}
}  // namespace

Status AllowlistFile::load() {
  std::tie(mtime_, size_) = file_stamp(file_);
  auto list = KeyAllowlist::load(file_);
  if (!list.ok()) return list.status();
  list_ = std::move(*list);
  return Status::Ok();
}

Result<bool> AllowlistFile::reload_if_changed() {
  const auto [mtime, size] = file_stamp(file_);
  if (mtime == mtime_ && size == size_) return false;
  mtime_ = mtime;
  size_ = size;
  auto list = KeyAllowlist::load(file_);
  if (!list.ok()) return list.status();
  list_ = std::move(*list);
  return true;
}

bool EnrolledKey::allows_name(std::string_view name) const {
  if (!names.empty() && names.back() == '*') {
    const std::string_view prefix(names.data(), names.size() - 1);
    return name.size() > prefix.size() && name.substr(0, prefix.size()) == prefix;
  }
  return name == names;
}

Result<KeyAllowlist> KeyAllowlist::load(const std::filesystem::path& file) {
  KeyAllowlist list;
  if (!std::filesystem::exists(file)) return list;
  auto table = load_toml_file(file.string());
  if (!table.ok()) return table.status();
  const toml::array* entries = (*table)["key"].as_array();
  if (entries == nullptr) {
    if (table->empty()) return list;
    return Status(ErrorCode::kConfig, file.string() + ": expected [[key]] tables only");
  }
  int index = 0;
  for (const toml::node& node : *entries) {
    ++index;
    const toml::table* entry = node.as_table();
    const std::string where = file.string() + ": [[key]] number " + std::to_string(index);
    if (entry == nullptr) return Status(ErrorCode::kConfig, where + " is not a table");
    EnrolledKey key;
    ConfigSection section(entry, file.string(), "key #" + std::to_string(index));
    section.read("label", key.label);
    section.read("public_key", key.public_key);
    section.read("role", key.role);
    section.read("names", key.names);
    section.read("enrolled_at", key.enrolled_at);
    section.read("revoked_at", key.revoked_at);
    if (auto s = section.finish(); !s.ok()) return s;
    if (!valid_key_label(key.label)) return Status(ErrorCode::kConfig, where + ": bad or missing 'label'");
    if (!valid_z85_key(key.public_key)) {
      return Status(ErrorCode::kConfig, where + " ('" + key.label + "'): 'public_key' is not a 40-character Z85 key");
    }
    if (key.role.empty() || key.names.empty()) {
      return Status(ErrorCode::kConfig, where + " ('" + key.label + "'): 'role' and 'names' are required");
    }
    list.keys_.push_back(std::move(key));
  }
  return list;
}

Status KeyAllowlist::save(const std::filesystem::path& file) const {
  std::ostringstream out;
  out << "# Liandong broker allowlist: the public keys that may connect to the bus, with the peer\n"
         "# names and role each may register. Edit with `liandong keys enroll|revoke`; the broker\n"
         "# re-reads this file when it changes.\n";
  for (const auto& key : keys_) {
    out << "\n[[key]]\nlabel = " << quoted(key.label) << "\npublic_key = " << quoted(key.public_key)
        << "\nrole = " << quoted(key.role) << "\nnames = " << quoted(key.names)
        << "\nenrolled_at = " << quoted(key.enrolled_at) << "\n";
    if (key.revoked()) out << "revoked_at = " << quoted(key.revoked_at) << "\n";
  }
  if (auto s = write_file_atomically(file.string(), out.str()); !s.ok()) return s;
  ::chmod(file.c_str(), 0600);
  return Status::Ok();
}

const EnrolledKey* KeyAllowlist::find_valid_key(std::string_view public_key) const {
  for (const auto& key : keys_) {
    if (!key.revoked() && key.public_key == public_key) return &key;
  }
  return nullptr;
}

const EnrolledKey* KeyAllowlist::find_label(std::string_view label) const {
  // The newest entry of a label is the one that counts: an old revoked one stays for the record.
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    if (it->label == label) return &*it;
  }
  return nullptr;
}

Status KeyAllowlist::enroll(EnrolledKey key) {
  if (const EnrolledKey* same = find_label(key.label); same != nullptr && !same->revoked()) {
    return {ErrorCode::kConfig, "'" + key.label + "' is enrolled already (since " + same->enrolled_at +
                                    "); revoke it first to enroll a new key under that label"};
  }
  if (const EnrolledKey* same = find_valid_key(key.public_key); same != nullptr) {
    return {ErrorCode::kConfig, "that public key is enrolled already as '" + same->label + "'"};
  }
  keys_.push_back(std::move(key));
  return Status::Ok();
}

Status KeyAllowlist::revoke(std::string_view label, const std::string& when) {
  for (auto it = keys_.rbegin(); it != keys_.rend(); ++it) {
    if (it->label != label) continue;
    if (it->revoked()) return {ErrorCode::kConfig, "'" + std::string(label) + "' was revoked already at " + it->revoked_at};
    it->revoked_at = when;
    return Status::Ok();
  }
  return {ErrorCode::kUnknownId, "no key is enrolled as '" + std::string(label) + "'"};
}

}  // namespace liandong
