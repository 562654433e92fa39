// The processes under test: a real liandong-broker on tcp://127.0.0.1 port 0 and the services
// behind it, each started from its binary with a ready file, waited for with a deadline, and
// stopped by PID (SIGTERM, then SIGKILL, which counts as a failure). A Stack never leaves a
// process running: its destructor kills whatever is still up.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "tests/support/process.hpp"

namespace liandong::bench {

// The programs a run may start, passed in (flags or the build's own paths), never guessed.
struct Binaries {
  std::string broker;
  std::string audit;
  std::string router;
  std::string gw_watch;
};

class Stack {
 public:
  // `dir` holds the ready files and one log per process (NAME.log); it must outlive the Stack.
  explicit Stack(std::string dir, std::chrono::milliseconds ready_timeout = std::chrono::seconds(10));
  ~Stack();
  Stack(const Stack&) = delete;
  Stack& operator=(const Stack&) = delete;

  // Starts the broker on a free loopback port and reads its endpoint from its ready file.
  // Plain mode unless `keys_dir` is given (CurveZMQ: broker.key and enrolled.toml there); rate
  // limits are off either way.
  Status start_broker(const std::string& binary, const std::string& keys_dir = {});
  // Starts a service as `binary --broker ENDPOINT --ready-file F args...` and waits until it has
  // registered (written F). Fails naming the service and the last line of its log.
  // `first_line`, when given, receives the ready file's first line (the watch gateway writes its
  // relay endpoint there).
  Status start_service(const std::string& name, const std::string& binary, const std::vector<std::string>& args,
                       std::string* first_line = nullptr);

  const std::string& endpoint() const { return endpoint_; }
  // The PID of a running process started under `name` ("broker" or a service name); -1 if none.
  pid_t pid(const std::string& name) const;
  // Stops every process, services first, the broker last. Fails if one needed SIGKILL or exited
  // with a non-zero code.
  Status stop();

 private:
  Status wait_ready(const std::string& name, const std::string& ready_file, std::string* first_line);
  std::string log_file(const std::string& name) const { return dir_ + "/" + name + ".log"; }
  std::string last_log_line(const std::string& name) const;

  std::string dir_;
  std::chrono::milliseconds ready_timeout_;
  std::string endpoint_;
  std::vector<std::string> order_;  // start order
  std::map<std::string, std::unique_ptr<testing::ChildProcess>> processes_;
};

}  // namespace liandong::bench
