#include "services/router/audit_pipeline.hpp"

namespace liandong::router {

AuditPipeline::Output AuditPipeline::submit(Decision decision, Millis now) {
  Output out;
  if (decision.events.empty() && decision.after_durable.empty()) return out;
  Held held;
  for (auto& e : decision.events) {
    held.waiting.insert(e.event_id);
    unacked_[e.event_id] = Unacked{e, now + retry_ms_};
    out.append.push_back(std::move(e));
  }
  held.sends = std::move(decision.after_durable);
  fifo_.push_back(std::move(held));
  release_ready(out);
  return out;
}

AuditPipeline::Output AuditPipeline::acknowledged(const std::string& event_id) {
  Output out;
  if (unacked_.erase(event_id) == 0) return out;  // a late duplicate acknowledgement
  for (auto& held : fifo_) {
    if (held.waiting.erase(event_id) > 0) break;
  }
  release_ready(out);
  return out;
}

void AuditPipeline::refused(const std::string& event_id, Millis now) {
  auto it = unacked_.find(event_id);
  if (it != unacked_.end()) it->second.retry_at = now + retry_ms_;
}

std::vector<v1::AuditEvent> AuditPipeline::due(Millis now) {
  std::vector<v1::AuditEvent> out;
  for (auto& [id, u] : unacked_) {
    if (u.retry_at <= now) {
      out.push_back(u.event);
      u.retry_at = now + retry_ms_;
    }
  }
  return out;
}

void AuditPipeline::release_ready(Output& out) {
  while (!fifo_.empty() && fifo_.front().waiting.empty()) {
    auto& sends = fifo_.front().sends;
    out.release.insert(out.release.end(), std::make_move_iterator(sends.begin()), std::make_move_iterator(sends.end()));
    fifo_.pop_front();
  }
}

}  // namespace liandong::router
