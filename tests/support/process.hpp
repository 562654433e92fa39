// Test helpers for integration tests: start a real Liandong process, wait for its ready file
// with a deadline, and stop it by PID (SIGTERM, wait, then SIGKILL, which counts as a failure).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace liandong::testing {

// A fresh directory under /tmp, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

class ChildProcess {
 public:
  // Starts argv[0] with the given arguments; stdout and stderr go to `log_file` when given.
  static ChildProcess start(const std::vector<std::string>& argv, const std::string& log_file = "");
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ~ChildProcess();  // SIGKILLs a process still running: a test never leaves one behind

  pid_t pid() const { return pid_; }
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. True when it stopped on SIGTERM and exited 0.
  bool stop(std::chrono::milliseconds grace = std::chrono::milliseconds(5000));
  // SIGKILL and reap.
  void kill_hard();
  // Waits for the process to exit by itself; its exit code, or nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
};

// Waits until `path` exists and has a complete first line; returns that line, or nullopt.
std::optional<std::string> wait_for_ready_file(const std::string& path,
                                               std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

// Reads a whole file (for showing a failed process's log).
std::string read_file(const std::string& path);

}  // namespace liandong::testing
