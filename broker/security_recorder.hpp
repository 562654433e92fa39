// The broker's security events on their way to the audit log (docs/security.md, "Audit"). A
// refusal is queued here and sent as an AUDIT_EVENT to the audit peer, again until AUDIT_ACK,
// like any other event. A peer repeating the same refusal yields one event per second with a
// `repeated` count, and the queue is bounded, so a flood of bad messages cannot become a flood of
// audit writes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "schemas/messages.hpp"

namespace liandong::broker {

class SecurityRecorder {
 public:
  static constexpr std::size_t kMaxPending = 10'000;
  static constexpr Millis kFoldWindowMs = 1000;
  static constexpr Millis kRetryMs = 2000;

  explicit SecurityRecorder(const Clock& clock) : clock_(clock), ids_(clock) {}

  void record(std::string_view type, v1::SecurityEvent event);
  // AUDIT_EVENTs to send now: new ones, folded repeats whose window closed, and unacknowledged
  // ones due again. Marks them sent.
  std::vector<v1::AuditEvent> due();
  void acknowledged(const std::string& event_id);

  std::size_t pending() const { return pending_.size(); }
  std::uint64_t dropped() const { return dropped_; }

 private:
  struct Pending {
    v1::AuditEvent event;
    Millis next_send_at = 0;
  };
  struct Fold {
    Millis window_start = 0;
    std::string type;
    v1::SecurityEvent last;
  };
  void enqueue(std::string_view type, const v1::SecurityEvent& event);

  const Clock& clock_;
  IdGenerator ids_;
  std::deque<Pending> pending_;
  std::map<std::string, Fold> folds_;  // "type|peer|command" -> the current window
  std::uint64_t dropped_ = 0;
};

}  // namespace liandong::broker
