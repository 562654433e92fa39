#include "bench/stats_probe.hpp"

#include <unistd.h>

#include "core/bus_client.hpp"
#include "core/clock.hpp"

namespace liandong::bench {

Result<v1::StatsReply> query_stats(zmq::context_t& context, const std::string& endpoint, const std::string& service,
                                   std::chrono::milliseconds timeout) {
  SystemClock clock;
  BusClientOptions options;
  options.endpoint = endpoint;
  options.name = "bench-stats-" + std::to_string(getpid());
  options.role = "cli";
  options.register_timeout_ms = timeout.count();
  options.software = "liandong-bench " LIANDONG_VERSION;
  BusClient client(context, options, clock);
  if (Status s = client.connect(); !s.ok()) return s.with_context("asking " + service + " for STATS");
  client.send_message(service, v1::Stats{});
  const Millis deadline = clock.monotonic_ms() + timeout.count();
  while (clock.monotonic_ms() < deadline) {
    auto env = client.receive(deadline - clock.monotonic_ms());
    if (!env) continue;
    if (env->command == v1::Error::kCommand) {  // from the service, or the broker (UNROUTABLE)
      auto err = decode_body<v1::Error>(env->body);
      return Status(ErrorCode::kIo, "STATS to " + service + " refused by " + (env->peer.empty() ? "the broker" : env->peer) +
                                        ": " + (err.ok() ? err->message : "(undecodable ERROR)"));
    }
    if (env->peer == service && env->command == v1::StatsReply::kCommand) {
      auto reply = decode_body<v1::StatsReply>(env->body);
      if (!reply.ok()) return reply.status().with_context("STATS_REPLY from " + service);
      return *reply;
    }
  }
  return Status(ErrorCode::kTimeout, "no STATS_REPLY from " + service + " within " + std::to_string(timeout.count()) + " ms");
}

std::uint64_t counter(const v1::StatsReply& reply, const std::string& name) {
  const auto it = reply.counters.find(name);
  return it == reply.counters.end() ? 0 : it->second;
}

}  // namespace liandong::bench
