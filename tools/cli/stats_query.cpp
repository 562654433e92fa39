#include "tools/cli/stats_query.hpp"

#include <zmq.hpp>

#include "core/bus_client.hpp"

namespace liandong::cli {

Result<v1::StatsReply> query_broker_stats(const std::string& endpoint, const std::string& peer_name,
                                          Millis timeout_ms) {
  const Status no_answer(ErrorCode::kTimeout, "no answer from broker at " + endpoint + " within " +
                                                  std::to_string(timeout_ms) + " ms");
  SystemClock clock;
  const Millis deadline = clock.monotonic_ms() + timeout_ms;
  zmq::context_t context(1);  // declared before the client, so the client closes first
  BusClientOptions options;
  options.endpoint = endpoint;
  options.name = peer_name;
  options.role = "cli";
  options.register_timeout_ms = timeout_ms;
  try {
    BusClient client(context, options, clock);
    if (Status s = client.connect(); !s.ok()) return s.code() == ErrorCode::kTimeout ? no_answer : s;
    client.send_message("", v1::Stats{});
    while (true) {
      const Millis left = deadline - clock.monotonic_ms();
      if (left <= 0) return no_answer;
      auto env = client.receive(left);
      if (!env || !env->peer.empty()) continue;  // only the broker's own answers matter here
      if (env->command == v1::StatsReply::kCommand) {
        auto reply = decode_body<v1::StatsReply>(env->body);
        if (!reply.ok()) {
          return Status(reply.status().code(),
                        "broker at " + endpoint + " sent a STATS_REPLY that cannot be read: " +
                            reply.status().message());
        }
        return reply;
      }
      if (env->command == v1::Disconnect::kCommand) {
        return Status(ErrorCode::kUnavailable, "broker at " + endpoint + " disconnected '" + peer_name + "'");
      }
      if (env->command == v1::Error::kCommand) {
        auto err = decode_body<v1::Error>(env->body);
        if (!err.ok()) continue;
        if (err->code == static_cast<std::uint32_t>(ErrorCode::kNotRegistered)) {
          // The broker restarted between REGISTER and STATS; the client has registered again.
          client.send_message("", v1::Stats{});
          continue;
        }
        return Status(error_code_from_number(err->code).value_or(ErrorCode::kInternal),
                      "broker at " + endpoint + " refused STATS: " + err->name + ": " + err->message);
      }
    }
  } catch (const zmq::error_t& e) {
    return Status(ErrorCode::kIo, "talking to broker at " + endpoint + ": " + e.what());
  }
}

}  // namespace liandong::cli
