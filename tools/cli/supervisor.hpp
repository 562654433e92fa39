// The process supervisor behind `liandong up` (DESIGN.md, "The CLI"): starts the services in
// order, each once the previous one has written its ready file; restarts one that exits with
// backoff (RestartPolicy), also while it is being started; on stop, SIGTERM to all, a grace
// period, then SIGKILL.
// One thread; it polls with waitpid(WNOHANG) and naps of at most `poll_ms`.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
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
  // A start not ready by then counts as a failed start. A minute: the router replays the whole log
  // and checks the deployment's 12,170 grid polygons before it is ready, seconds on a slow machine.
  Millis ready_timeout_ms = 60'000;
  // A service being started that fails this many times in a row the same way (the same exit
  // status or signal) fails `up`; fewer, or different failures, are restarted with backoff.
  int max_same_start_failures = 5;
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

  // Starts every service in order and waits for each one's ready file. A service that exits
  // before it is ready is restarted with backoff, as run() would. Fails, after stopping what it
  // started, when a program cannot be started, when the service being started failed
  // max_same_start_failures times in a row the same way, or when a start is not ready within
  // ready_timeout_ms. Returns early, and OK, when `stop` is set meanwhile (then run() returns at
  // once).
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
    std::uintmax_t output_size_at_start = 0;  // where this run's lines begin in its files
    std::uintmax_t log_size_at_start = 0;
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
  // The last line the child's last run wrote: to its stdout/stderr, else to its log; "" if none.
  std::string last_words(const Child& child) const;
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
