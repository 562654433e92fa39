// A ZAP handler (ZeroMQ RFC 27): libzmq asks it, for every CurveZMQ handshake on a server
// socket of the same context, whether the client's public key may connect. The decision is the
// caller's (the broker's allowlist, the watch gateway's relays); this class only speaks the ZAP
// wire format on inproc://zeromq.zap.01. One per context.
#pragma once

#include <zmq.hpp>

#include <functional>
#include <optional>
#include <string>

#include "core/status.hpp"

namespace liandong {

class ZapHandler {
 public:
  // `decide(public_key_z85, address)` returns the user id to give the connection, or nothing to
  // refuse it.
  using Decide = std::function<std::optional<std::string>(const std::string&, const std::string&)>;

  ZapHandler(zmq::context_t& context, Decide decide);
  // Must be bound before the socket it guards starts accepting connections.
  Status bind();
  zmq::socket_t& socket() { return socket_; }
  // Answers every request waiting on the socket; never blocks.
  void handle_pending();

 private:
  void answer(const std::vector<zmq::message_t>& request);

  zmq::socket_t socket_;
  Decide decide_;
};

}  // namespace liandong
