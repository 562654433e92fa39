// The broker's socket side: one ROUTER endpoint, one poll loop, frames moved between the socket
// and the Broker logic. Runs until stop_requested() or stop().
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "broker/broker.hpp"
#include "core/key_allowlist.hpp"
#include "core/zap_handler.hpp"
#include "core/clock.hpp"
#include "core/status.hpp"

namespace liandong::broker {

class BrokerServer final : public FrameSink {
 public:
  BrokerServer(BrokerConfig config, const Clock& clock);

  // Loads the broker's key and the allowlist and starts the ZAP handler (CurveZMQ), unless the
  // config says insecure_plain. Call before bind().
  Status start_security();
  // Binds the endpoint; returns the endpoint actually bound (port 0 resolved).
  Result<std::string> bind();
  // The broker's public key (Z85) when CurveZMQ is on, for the ready file; empty otherwise.
  const std::string& public_key() const { return public_key_; }
  // Polls until `stop` becomes true.
  void run(const std::atomic<bool>& stop);
  Broker& broker() { return broker_; }

  SendOutcome send(const std::string& routing_id, std::vector<zmq::message_t>& frames) override;

 private:
  BrokerConfig config_;
  zmq::context_t context_;
  // Re-reads enrolled.toml when it changed (checked twice a second); a damaged file keeps the
  // previous list and is reported.
  void reload_allowlist_if_changed();

  zmq::socket_t socket_;
  Broker broker_;
  const Clock& clock_;
  std::unique_ptr<ZapHandler> zap_;
  // Handshakes that fail before the ZAP handler is asked (plain clients, another broker key) are
  // only visible on a socket monitor: read here and given to Broker::handshake_failed().
  std::unique_ptr<zmq::socket_t> monitor_;
  void read_handshake_failures();
  std::string public_key_;
  std::optional<AllowlistFile> allowlist_;
  Millis next_allowlist_check_ = 0;
};

}  // namespace liandong::broker
