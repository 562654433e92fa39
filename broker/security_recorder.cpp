#include "broker/security_recorder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/codec.hpp"

namespace liandong::broker {

void SecurityRecorder::enqueue(std::string_view type, const v1::SecurityEvent& event) {
  if (pending_.size() >= kMaxPending) {
    // The audit service has been away for a long time; the count stays in the broker's stats.
    ++dropped_;
    return;
  }
  // One log line per event: folding keeps this to one a second per peer and kind.
  spdlog::warn("security: {} peer '{}'{}{}: {}{}", type, event.peer, event.key ? " key '" + *event.key + "'" : "",
               event.command ? " " + *event.command : "", event.reason,
               event.repeated > 0 ? " (" + std::to_string(event.repeated) + " more like it)" : "");
  v1::AuditEvent audit;
  audit.event_id = ids_.next();
  audit.type = std::string(type);
  audit.actor = "broker";
  audit.at_ms = clock_.wall_ms();
  audit.body.bytes = encode_body(event);
  pending_.push_back({std::move(audit), 0});
}

void SecurityRecorder::record(std::string_view type, v1::SecurityEvent event) {
  const Millis now = clock_.monotonic_ms();
  const std::string key = std::string(type) + "|" + event.peer + "|" + event.command.value_or("");
  auto [it, fresh] = folds_.try_emplace(key);
  Fold& fold = it->second;
  if (fresh || now - fold.window_start >= kFoldWindowMs) {
    if (!fresh && fold.last.repeated > 0) enqueue(fold.type, fold.last);
    fold.window_start = now;
    fold.type = std::string(type);
    event.repeated = 0;
    fold.last = event;
    fold.last.repeated = 0;
    enqueue(type, event);
    return;
  }
  const std::int64_t repeated = fold.last.repeated + 1;
  fold.last = std::move(event);
  fold.last.repeated = repeated;
}

std::vector<v1::AuditEvent> SecurityRecorder::due() {
  const Millis now = clock_.monotonic_ms();
  for (auto it = folds_.begin(); it != folds_.end();) {
    Fold& fold = it->second;
    if (now - fold.window_start < kFoldWindowMs) {
      ++it;
      continue;
    }
    if (fold.last.repeated > 0) enqueue(fold.type, fold.last);
    it = folds_.erase(it);
  }
  std::vector<v1::AuditEvent> out;
  for (auto& p : pending_) {
    if (p.next_send_at > now) continue;
    p.next_send_at = now + kRetryMs;
    out.push_back(p.event);
  }
  return out;
}

void SecurityRecorder::acknowledged(const std::string& event_id) {
  auto it = std::find_if(pending_.begin(), pending_.end(), [&](const Pending& p) { return p.event.event_id == event_id; });
  if (it != pending_.end()) pending_.erase(it);
}

}  // namespace liandong::broker
