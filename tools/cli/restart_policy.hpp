// When `liandong up` starts a crashed service again: exponential backoff (0.5 s doubling to
// 30 s), forgotten after a run of 60 s; and how often in a row it failed the same way, which is
// what makes `up` give up on a service it is starting. Driven by a Clock, so it is tested
// without processes.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"

namespace liandong::cli {

struct BackoffSettings {
  Millis first_delay_ms = 500;
  Millis max_delay_ms = 30'000;
  Millis stable_after_ms = 60'000;  // a run at least this long forgets the earlier failures
};

// The delay before the next start after `failures_in_a_row` earlier quick failures:
// first_delay_ms * 2^failures_in_a_row, at most max_delay_ms.
Millis backoff_delay(int failures_in_a_row, const BackoffSettings& settings);

// Restart decisions for one supervised process. Call started() whenever it is (re)started and
// exited() when it exits without being asked to; then start it again once restart_due().
class RestartPolicy {
 public:
  explicit RestartPolicy(const Clock& clock, BackoffSettings settings = {});

  void started();
  // Schedules the next start and returns the delay until then. `reason` says how the run ended
  // (describe_exit(): "killed by signal 9 (SIGKILL)"); equal reasons in a row are counted.
  Millis exited(const std::string& reason = {});
  // The service became ready: a failure after this is not one in a row with those before it.
  void became_ready();

  bool restart_pending() const { return restart_at_.has_value(); }
  // A start is scheduled and its time has come.
  bool restart_due() const;
  // Quick failures so far without a stable run in between (the last exit included).
  int failures_in_a_row() const { return failures_; }
  // Exits in a row with the same reason as the last one (the last included), without a stable
  // run or a ready start between them; 0 before the first exit.
  int same_failures_in_a_row() const { return same_failures_; }
  const std::string& last_failure() const { return last_reason_; }

 private:
  const Clock& clock_;
  BackoffSettings settings_;
  Millis started_at_ = 0;
  int failures_ = 0;
  int same_failures_ = 0;
  std::string last_reason_;
  std::optional<Millis> restart_at_;
};

}  // namespace liandong::cli
