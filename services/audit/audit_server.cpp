#include "services/audit/audit_server.hpp"

#include <spdlog/spdlog.h>

namespace liandong::audit {

bool run_audit_loop(BusClient& client, AuditService& service, std::size_t max_drain, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    // Wait only when there is nothing to commit or read; otherwise take what has arrived and commit.
    const bool work = service.has_pending_appends() || service.has_pending_reads();
    auto envelope = client.receive(work ? 0 : 50);
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
    // Appends first: commit and acknowledge what arrived, then one bounded turn of reads, so an
    // append that arrives behind a flood of reads waits for at most one turn of them.
    service.flush();
    service.serve_reads();
  }
  service.flush();
  return true;
}

}  // namespace liandong::audit
