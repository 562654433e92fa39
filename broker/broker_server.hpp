// The broker's socket side: one ROUTER endpoint, one poll loop, frames moved between the socket
// and the Broker logic. Runs until stop_requested() or stop().
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <string>

#include "broker/broker.hpp"
#include "core/clock.hpp"
#include "core/status.hpp"

namespace liandong::broker {

class BrokerServer final : public FrameSink {
 public:
  BrokerServer(BrokerConfig config, const Clock& clock);

  // Binds the endpoint; returns the endpoint actually bound (port 0 resolved).
  Result<std::string> bind();
  // Polls until `stop` becomes true.
  void run(const std::atomic<bool>& stop);
  Broker& broker() { return broker_; }

  SendOutcome send(const std::string& routing_id, std::vector<zmq::message_t>& frames) override;

 private:
  BrokerConfig config_;
  zmq::context_t context_;
  zmq::socket_t socket_;
  Broker broker_;
};

}  // namespace liandong::broker
