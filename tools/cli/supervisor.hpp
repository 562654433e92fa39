// The process supervisor behind `liandong up` (DESIGN.md, "The CLI"): starts the services in
// order, each once the previous one has written its ready file; restarts one that exits with
// backoff (RestartPolicy); on stop, SIGTERM to all, a grace period, then SIGKILL.
// One thread; it polls with waitpid(WNOHANG) and naps of at most `poll_ms`.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "tools/cli/restart_policy.hpp"
#include "tools/cli/service_spec.hpp"

namespace liandong::cli {

struct SupervisorSettings {
  Millis ready_timeout_ms = 10'000;  // a first start not ready by then fails `up`
  Millis stop_grace_ms = 5'000;      // SIGTERM, then SIGKILL after this
  Millis poll_ms = 100;
  BackoffSettings backoff;
};

// A service to run, with the program found for it.
struct ResolvedService {
  ServiceSpec spec;
  std::filesystem::path program;
};

class Supervisor {
 public:
  // Progress for the operator ("broker  listening on ...") goes to `out`; events (exits,
  // restarts) go to the default logger.
  Supervisor(std::vector<ResolvedService> services, const Clock& clock, std::ostream& out,
             SupervisorSettings settings = {});
  ~Supervisor();  // stops whatever still runs
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Starts every service in order and waits for each one's ready file. Fails, after stopping
  // what it started, when a service cannot be started, exits, or is not ready in time. Returns
  // early, and OK, when `stop` is set meanwhile (then run() returns at once).
  Status start_all(const std::atomic<bool>& stop);

  // Watches the services until `stop` is set, restarting any that exits.
  void run(const std::atomic<bool>& stop);

  // SIGTERM to every running service, up to stop_grace_ms for them to exit, SIGKILL for the
  // rest; removes their ready files and prints one summary line per service to `out`.
  void stop_all();

 private:
  struct Child {
    Child(ResolvedService s, const Clock& clock, BackoffSettings backoff)
        : service(std::move(s)), policy(clock, backoff) {}
    ResolvedService service;
    RestartPolicy policy;
    pid_t pid = -1;
    bool ready = false;
    bool late_warned = false;
    Millis started_at = 0;
    Millis first_started_at = -1;
    int restarts = 0;
    std::string endpoint;   // what its last run reported
    std::string last_exit;  // describe_exit() of its last exit
    std::string ended;      // how stop_all() ended it, for the summary
  };

  // SIGTERM, grace, SIGKILL; records how each ended in `ended` ("stopped: ..." etc.).
  void terminate_children();
  Status launch(Child& child);
  // Reads the ready file once the child is up; prints the listening line the first time.
  bool check_ready(Child& child);
  void handle_exit(Child& child, int wait_status);
  // One look at a started child: reap and schedule a restart if it exited, restart it when due.
  void tend(Child& child);
  void print_listening(const Child& child);

  std::vector<Child> children_;
  const Clock& clock_;
  std::ostream& out_;
  SupervisorSettings settings_;
  std::size_t name_width_ = 0;
  bool stopped_ = false;
};

}  // namespace liandong::cli
