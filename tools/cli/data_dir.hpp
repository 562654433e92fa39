// The data directory of a running system (DESIGN.md, "The CLI"): `liandong up` writes there the
// endpoint each service bound (endpoints/<service>, first line) and the logs (logs/); the other
// commands find the running system from it.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace liandong::cli {

// The first line of a ready file, without surrounding blanks; IO error when the file is absent
// or has no endpoint in it yet.
Result<std::string> read_endpoint_file(const std::filesystem::path& file);

class DataDir {
 public:
  // `root` may be relative; it is made absolute against the current directory.
  explicit DataDir(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path endpoints_dir() const { return root_ / "endpoints"; }
  std::filesystem::path logs_dir() const { return root_ / "logs"; }
  std::filesystem::path keys_dir() const { return root_ / "keys"; }
  // endpoints/<service>: the ready file <service> writes once it listens.
  std::filesystem::path endpoint_file(std::string_view service) const;
  // logs/<service>.log: the service's own log.
  std::filesystem::path log_file(std::string_view service) const;
  // logs/<service>.out: what the service wrote to stdout and stderr (errors before its log opens).
  std::filesystem::path output_file(std::string_view service) const;

  // Creates the directory, endpoints/ and logs/ (what exists already is kept).
  Status create() const;

  // The first line of endpoints/<service>, without surrounding blanks. Fails with IO when the
  // file is absent or empty (the service is not running, or not ready yet).
  Result<std::string> read_endpoint(std::string_view service) const;

  // Takes an exclusive lock on up.lock for the life of this process, so two `liandong up` never
  // share a data directory. Fails naming the pid that holds it.
  Status lock_for_supervisor() const;

 private:
  std::filesystem::path root_;
};

}  // namespace liandong::cli
