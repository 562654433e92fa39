#include "services/audit/audit_server.hpp"

#include <spdlog/spdlog.h>

namespace liandong::audit {

bool run_audit_loop(BusClient& client, AuditService& service, std::size_t max_drain, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    // Wait only when there is nothing to commit; otherwise take what has arrived and commit.
    auto envelope = client.receive(service.has_pending_appends() ? 0 : 50);
    for (std::size_t n = 0; envelope && n < max_drain; ++n) {
      if (envelope->command == v1::Disconnect::kCommand && envelope->peer.empty()) {
        spdlog::error("another process registered as '{}'; this one stops", client.name());
        service.flush();
        return false;
      }
      service.on_message(*envelope);
      envelope = client.receive(0);
    }
    if (envelope) service.on_message(*envelope);
    service.flush();
  }
  service.flush();
  return true;
}

}  // namespace liandong::audit
