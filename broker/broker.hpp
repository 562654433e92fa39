// The broker's logic without sockets (schemas/README.md, "Broker"): it checks envelopes,
// registers peers, answers its own commands, forwards by destination name without decoding
// bodies, heartbeats and expires peers, and counts everything. BrokerServer moves the frames.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_config.hpp"
#include "broker/peer_table.hpp"
#include "broker/rate_limiter.hpp"
#include "broker/security_recorder.hpp"
#include "core/key_allowlist.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"

namespace liandong::broker {

enum class SendOutcome { kSent, kUnreachable, kBusy };

// Where the broker's outgoing messages go: the ROUTER socket, or a recorder in tests.
class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // `frames` is the envelope without the routing id; the sink may move from it.
  virtual SendOutcome send(const std::string& routing_id, std::vector<zmq::message_t>& frames) = 0;
};

class Broker {
 public:
  Broker(BrokerConfig config, const Clock& clock, FrameSink& sink);

  // One message as received from `routing_id`, without the routing-id frame. May move frames.
  // `connection_key`: the public key (Z85) the connection authenticated with (CurveZMQ, the ZAP
  // user id authenticate() gave it); empty in plain mode.
  void on_message(const std::string& routing_id, std::vector<zmq::message_t>& frames,
                  const std::string& connection_key = {});

  // Switches on authentication (CurveZMQ) with this allowlist, or replaces the list: peers whose
  // key is no longer valid are told DISCONNECT and dropped at once; a REGISTER is then checked
  // against the key's names and role, and every message against its role (access_policy.hpp).
  void set_allowlist(KeyAllowlist allowlist);
  bool authenticating() const { return allowlist_.has_value(); }
  bool key_is_valid(const std::string& public_key) const {
    return allowlist_ && allowlist_->find_valid_key(public_key) != nullptr;
  }
  // The ZAP decision for a connection presenting `public_key` (Z85) from `address`: the user id
  // to give the connection (the public key itself, so a session is tied to that key and not to a
  // label that may later be enrolled with another key), or nothing (refused, and recorded).
  std::optional<std::string> authenticate(const std::string& public_key, const std::string& address);
  // A handshake that failed before any key could be checked (the socket monitor's
  // HANDSHAKE_FAILED_PROTOCOL): a plain client, a client using another broker public key, or
  // bytes that are not ZMTP. `protocol_error` is libzmq's ZMQ_PROTOCOL_ERROR_* value, `address`
  // the endpoint libzmq names for the connection. Counted in keys_refused and recorded as
  // security.key_refused, like a refused key.
  void handshake_failed(std::uint32_t protocol_error, const std::string& address);
  // A connection the client closed (or reset) while its handshake was under way (the monitor's
  // HANDSHAKE_FAILED_NO_DETAIL, `os_error` an errno value). A plain client usually shows up here
  // rather than as a mechanism mismatch: it sees the broker's CURVE greeting and hangs up before
  // the broker has read its own, so the same refusal is recorded either way.
  void handshake_abandoned(int os_error, const std::string& address);
  // Sends heartbeats that are due and drops silent peers. Call at least every heartbeat_ms / 2.
  void on_tick();
  // Milliseconds until on_tick() has work to do.
  Millis next_tick_in() const;

  v1::StatsReply stats() const;
  std::uint64_t counter(const std::string& name) const;
  std::uint64_t errors(ErrorCode code) const;
  const PeerTable& peers() const { return peers_; }

 private:
  void handle_own_command(const std::string& routing_id, const std::string& command, const std::string& message_id);
  void handle_register(const std::string& routing_id, const std::string& message_id, const zmq::message_t& body,
                       const std::string& connection_key);
  void forward(const std::string& routing_id, const Peer& sender, std::vector<zmq::message_t>& frames);
  // False (after answering the sender) when `sender` may not send `command` now: its role does
  // not allow it, or its rate limit is spent.
  bool admit(const std::string& routing_id, const Peer& sender, const std::string& command,
             const std::string& message_id);
  void refuse_register(const std::string& routing_id, const std::string& message_id, const std::string& name,
                       const std::string& role, const std::string& key_label, const std::string& why);
  void handle_to_broker(const Peer& sender, const std::string& command, const zmq::message_t& body);
  void send_security_events();
  void drop_session(const Peer& peer, const std::string& why);
  void send_error(const std::string& routing_id, ErrorCode code, const std::string& message,
                  const std::string& reply_to = {}, const std::string& command = {});
  template <class M>
  SendOutcome send_own(const std::string& routing_id, const M& body);
  SendOutcome deliver(const std::string& routing_id, std::vector<zmq::message_t>& frames);
  void count(const std::string& name, std::uint64_t n = 1) { counters_[name] += n; }

  BrokerConfig config_;
  const Clock& clock_;
  FrameSink& sink_;
  IdGenerator ids_;
  PeerTable peers_;
  Millis started_at_;
  Millis next_heartbeat_at_;
  std::map<std::string, std::uint64_t> counters_;
  std::map<ErrorCode, std::uint64_t> errors_;
  std::optional<KeyAllowlist> allowlist_;
  RateLimiter rate_limiter_;
  Millis next_bucket_prune_at_ = 0;
  SecurityRecorder security_;
  // Bad input is logged at most this many lines per second so a flood cannot drown the log.
  Millis log_window_start_ = 0;
  int log_lines_in_window_ = 0;
  bool may_log_bad_input();
};

}  // namespace liandong::broker
