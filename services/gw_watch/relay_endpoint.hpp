// The socket side of the relay protocol (schemas/relay.md, "Transport"): one ROUTER socket the
// relays' DEALERs connect to. Moves frames only; WatchGateway decides what they mean.
#pragma once

#include <zmq.hpp>

#include <functional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "services/gw_watch/watch_gateway.hpp"

namespace liandong::watch {

class RelayEndpoint final : public RelaySender {
 public:
  using Handler = std::function<void(const std::string& routing_id, const std::vector<std::string>& frames)>;

  explicit RelayEndpoint(zmq::context_t& context);
  // Makes the socket a CurveZMQ server with this secret key (Z85), checked by the context's ZAP
  // handler (relay_access.hpp). Call before bind().
  void require_curve(const std::string& secret_key);
  // Binds `listen` ("tcp://127.0.0.1:5571"; port 0 picks one) and returns the endpoint bound.
  Result<std::string> bind(const std::string& listen);
  // Waits up to `timeout_ms` for relay messages and hands each (at most 1,000) to `handler`.
  void poll(Millis timeout_ms, const Handler& handler);
  bool send(const std::string& routing_id, const std::vector<std::string>& frames) override;
  void* poll_handle() { return socket_.handle(); }

 private:
  zmq::socket_t socket_;
};

}  // namespace liandong::watch
