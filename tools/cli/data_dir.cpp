#include "tools/cli/data_dir.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

namespace liandong::cli {

namespace fs = std::filesystem;

namespace {
std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}
}  // namespace

DataDir::DataDir(const fs::path& root) {
  std::error_code ec;
  fs::path absolute = fs::absolute(root, ec);
  root_ = (ec ? root : absolute).lexically_normal();
  // "dir/" normalises to "dir/" with an empty last component; drop it so paths print cleanly.
  if (!root_.has_filename() && root_.has_parent_path() && root_ != root_.root_path()) {
    root_ = root_.parent_path();
  }
}

fs::path DataDir::endpoint_file(std::string_view service) const { return endpoints_dir() / std::string(service); }

fs::path DataDir::log_file(std::string_view service) const {
  return logs_dir() / (std::string(service) + ".log");
}

fs::path DataDir::output_file(std::string_view service) const {
  return logs_dir() / (std::string(service) + ".out");
}

Status DataDir::create() const {
  for (const fs::path& dir : {root_, endpoints_dir(), logs_dir()}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return {ErrorCode::kIo, "cannot create directory " + dir.string() + ": " + ec.message()};
  }
  return Status::Ok();
}

Result<std::string> DataDir::read_endpoint(std::string_view service) const {
  return read_endpoint_file(endpoint_file(service));
}

Result<std::string> read_endpoint_file(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return Status(ErrorCode::kIo, file.string() + " not found");
  std::string line;
  std::getline(in, line);
  line = trim(line);
  if (line.empty()) return Status(ErrorCode::kIo, file.string() + " is empty");
  return line;
}

Status DataDir::lock_for_supervisor() const {
  const fs::path file = root_ / "up.lock";
  // Deliberately never closed: the lock lasts as long as this process, and the kernel drops it
  // when the process dies however it dies. O_CLOEXEC keeps it out of the children.
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return {ErrorCode::kIo, "cannot open " + file.string() + ": " + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    std::ifstream in(file);
    std::getline(in, holder);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      return {ErrorCode::kIo, "another 'liandong up' (pid " + (holder.empty() ? "?" : trim(holder)) +
                                  ") is already running with data dir " + root_.string()};
    }
    return {ErrorCode::kIo, "cannot lock " + file.string() + ": " + std::strerror(err)};
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message above; the lock itself holds.
  }
  return Status::Ok();
}

}  // namespace liandong::cli
