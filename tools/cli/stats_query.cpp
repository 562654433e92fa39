#include "tools/cli/stats_query.hpp"

#include "tools/cli/bus_conversation.hpp"

namespace liandong::cli {

Result<v1::StatsReply> query_broker_stats(const std::string& endpoint, const std::string& peer_name,
                                          Millis timeout_ms) {
  SystemClock clock;
  const Millis deadline = clock.monotonic_ms() + timeout_ms;
  auto bus = BusConversation::open(endpoint, peer_name, timeout_ms);
  if (!bus.ok()) return bus.status();
  const Millis left = std::max<Millis>(1, deadline - clock.monotonic_ms());
  return (*bus)->ask_for<v1::Stats, v1::StatsReply>("", v1::Stats{}, left);
}

}  // namespace liandong::cli
