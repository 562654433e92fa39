#include "core/bus_join.hpp"

#include <spdlog/spdlog.h>

#include "core/service_main.hpp"

namespace liandong {

std::optional<int> join_bus_at_start(BusClient& client) {
  const Status joined = client.connect();
  if (joined.ok()) return std::nullopt;
  if (stop_requested()) {
    spdlog::info("stopped before joining the bus as '{}'", client.name());
    return 0;
  }
  spdlog::error("cannot join the bus as '{}': {}; exiting with status {} (start the broker first; "
                "`liandong up` does, and restarts this service with backoff)",
                client.name(), joined.message(), kExitNoBroker);
  return kExitNoBroker;
}

}  // namespace liandong
