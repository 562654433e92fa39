// Who may connect to the watch gateway's relay socket (docs/security.md, "Relays"): with keys,
// the socket is a CurveZMQ server using the gateway's own key pair, and only keys enrolled in the
// deployment's allowlist with the role `relay` pass the handshake. The same allowlist the broker
// uses, so `liandong keys enroll|revoke` governs relays too (a revoked relay is refused at its
// next connection).
#pragma once

#include <zmq.hpp>

#include <memory>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/key_allowlist.hpp"
#include "core/status.hpp"
#include "core/zap_handler.hpp"
#include "services/gw_watch/relay_endpoint.hpp"

namespace liandong::watch {

class RelayAccess {
 public:
  RelayAccess(zmq::context_t& context, std::string keys_dir);

  // Loads DIR/<gateway_label>.key and the allowlist, starts the ZAP handler and makes `relays` a
  // CurveZMQ server. Call before relays.bind().
  Status start(RelayEndpoint& relays, const std::string& gateway_label);
  // The ZAP socket, to poll with the others; then handle_pending().
  void* poll_handle() { return zap_ ? zap_->socket().handle() : nullptr; }
  void handle_pending();

  // The decision for one handshake (tested without sockets): the key's label when it is an
  // enrolled, valid relay key.
  std::optional<std::string> admit(const std::string& public_key, const std::string& address);

 private:
  zmq::context_t& context_;
  std::string keys_dir_;
  std::optional<AllowlistFile> allowlist_;
  std::unique_ptr<ZapHandler> zap_;
  SystemClock clock_;
  Millis log_window_start_ = 0;
  int logged_in_window_ = 0;
};

}  // namespace liandong::watch
