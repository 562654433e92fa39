// The audit service's bus side: one BusClient, one loop that drains every message waiting, then
// commits them together (the group commit), feeds subscribers, and serves one bounded turn of reads.
#pragma once

#include <atomic>

#include "core/bus_client.hpp"
#include "services/audit/audit_service.hpp"

namespace liandong::audit {

class BusOutbound final : public AuditOutbound {
 public:
  explicit BusOutbound(BusClient& client) : client_(client) {}
  std::string send(const std::string& to, std::string_view command, const std::string& body) override {
    return client_.send(to, command, body);
  }

 private:
  BusClient& client_;
};

// Runs until `stop`; returns false when another process took over this service's name.
bool run_audit_loop(BusClient& client, AuditService& service, std::size_t max_drain, const std::atomic<bool>& stop);

}  // namespace liandong::audit
