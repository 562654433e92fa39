#include "tools/cli/restart_policy.hpp"

#include <algorithm>

namespace liandong::cli {

Millis backoff_delay(int failures_in_a_row, const BackoffSettings& settings) {
  Millis delay = settings.first_delay_ms;
  // Doubling step by step rather than shifting keeps a long failure streak from overflowing.
  for (int i = 0; i < failures_in_a_row && delay < settings.max_delay_ms; ++i) delay *= 2;
  return std::min(delay, settings.max_delay_ms);
}

RestartPolicy::RestartPolicy(const Clock& clock, BackoffSettings settings)
    : clock_(clock), settings_(settings), started_at_(clock.monotonic_ms()) {}

void RestartPolicy::started() {
  started_at_ = clock_.monotonic_ms();
  restart_at_.reset();
}

Millis RestartPolicy::exited(const std::string& reason) {
  const Millis now = clock_.monotonic_ms();
  if (now - started_at_ >= settings_.stable_after_ms) {
    failures_ = 0;
    same_failures_ = 0;
  }
  same_failures_ = same_failures_ > 0 && reason == last_reason_ ? same_failures_ + 1 : 1;
  last_reason_ = reason;
  const Millis delay = backoff_delay(failures_, settings_);
  ++failures_;
  restart_at_ = now + delay;
  return delay;
}

void RestartPolicy::became_ready() { same_failures_ = 0; }

bool RestartPolicy::restart_due() const {
  return restart_at_.has_value() && clock_.monotonic_ms() >= *restart_at_;
}

}  // namespace liandong::cli
