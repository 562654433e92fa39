#include "broker/broker.hpp"

#include <spdlog/spdlog.h>

#include <zmq.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "broker/access_policy.hpp"
#include "core/codec.hpp"
#include "core/envelope.hpp"

namespace liandong::broker {

namespace {
constexpr int kBadInputLogLinesPerSecond = 20;
// Answers to the broker's own AUDIT_EVENTs come back addressed to it under this reserved name.
constexpr std::string_view kBrokerPeerName = "broker";

std::string printable_id(const std::string& raw) {
  // Routing ids are 5 bytes unless a ZMTP/1.0 peer chose its own, which may be long junk.
  std::string out;
  for (unsigned char c : raw.substr(0, 8)) {
    static constexpr char kHex[] = "0123456789abcdef";
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  if (raw.size() > 8) out += "...";
  return out;
}
}  // namespace

Broker::Broker(BrokerConfig config, const Clock& clock, FrameSink& sink)
    : config_(std::move(config)),
      clock_(clock),
      sink_(sink),
      ids_(clock),
      started_at_(clock.monotonic_ms()),
      next_heartbeat_at_(started_at_ + config_.heartbeat_ms),
      rate_limiter_(config_.rate_limits, config_.rate_limits_enabled),
      security_(clock) {
  // Present from the start so `liandong stats` shows zeros rather than missing rows.
  for (const char* name : {"messages_in", "messages_out", "forwarded", "registrations", "replaced_registrations",
                           "disconnects", "peers_expired", "peers_unreachable", "heartbeats_out", "refused_forbidden",
                           "refused_busy", "keys_refused", "sessions_dropped"}) {
    counters_[name] = 0;
  }
}

bool Broker::may_log_bad_input() {
  const Millis now = clock_.monotonic_ms();
  if (now - log_window_start_ >= 1000) {
    if (log_lines_in_window_ > kBadInputLogLinesPerSecond) {
      spdlog::warn("{} more bad inputs were not logged in the last second (see stats)",
                   log_lines_in_window_ - kBadInputLogLinesPerSecond);
    }
    log_window_start_ = now;
    log_lines_in_window_ = 0;
  }
  return ++log_lines_in_window_ <= kBadInputLogLinesPerSecond;
}

SendOutcome Broker::deliver(const std::string& routing_id, std::vector<zmq::message_t>& frames) {
  const SendOutcome outcome = sink_.send(routing_id, frames);
  if (outcome == SendOutcome::kSent) count("messages_out");
  return outcome;
}

template <class M>
SendOutcome Broker::send_own(const std::string& routing_id, const M& body) {
  auto frames = make_frames(M::kCommand, "", ids_.next(), encode_body(body));
  return deliver(routing_id, frames);
}

void Broker::send_error(const std::string& routing_id, ErrorCode code, const std::string& message,
                        const std::string& reply_to, const std::string& command) {
  ++errors_[code];
  if (may_log_bad_input()) {
    const Peer* peer = peers_.by_routing_id(routing_id);
    spdlog::warn("refused message {} from {}: {} {}", reply_to.empty() ? "(no id)" : reply_to,
                 peer ? "'" + peer->name + "'" : "connection " + printable_id(routing_id), error_name(code), message);
  }
  // An error to a connection that is gone has nobody to tell; it is counted above.
  send_own(routing_id, v1::make_error(code, message, reply_to, command));
}

void Broker::on_message(const std::string& routing_id, std::vector<zmq::message_t>& frames,
                        const std::string& connection_key) {
  count("messages_in");
  const auto max_frame = static_cast<std::size_t>(config_.max_frame_bytes);
  Status status = check_envelope(frames, max_frame);
  if (!status.ok()) {
    // Quote the id and command back when they are readable, so the sender can match the error.
    std::string reply_to;
    std::string command;
    if (frames.size() > kIdFrame && valid_name(frame_view(frames[kIdFrame]), kMaxMessageIdLength)) {
      reply_to = std::string(frame_view(frames[kIdFrame]));
    }
    if (frames.size() > kCommandFrame && valid_command(frame_view(frames[kCommandFrame]))) {
      command = std::string(frame_view(frames[kCommandFrame]));
    }
    send_error(routing_id, status.code(), status.message(), reply_to, command);
    return;
  }
  const std::string command(frame_view(frames[kCommandFrame]));
  const std::string message_id(frame_view(frames[kIdFrame]));
  const auto destination = frame_view(frames[kPeerFrame]);

  if (destination.empty()) {
    if (command == v1::Register::kCommand) {
      handle_register(routing_id, message_id, frames[kBodyFrame], connection_key);
      return;
    }
    handle_own_command(routing_id, command, message_id);
    return;
  }
  if (command == v1::Register::kCommand || command == v1::Heartbeat::kCommand ||
      command == v1::Disconnect::kCommand) {
    send_error(routing_id, ErrorCode::kMalformed,
               command + " is for the broker and must have an empty destination, not '" + std::string(destination) + "'",
               message_id, command);
    return;
  }
  const Peer* sender = peers_.by_routing_id(routing_id);
  if (sender == nullptr) {
    send_error(routing_id, ErrorCode::kNotRegistered, "send REGISTER before sending " + command, message_id, command);
    return;
  }
  peers_.touch(routing_id, clock_.monotonic_ms());
  if (!admit(routing_id, *sender, command, message_id)) return;
  if (destination == kBrokerPeerName) {
    handle_to_broker(*sender, command, frames[kBodyFrame]);
    return;
  }
  forward(routing_id, *sender, frames);
}

bool Broker::admit(const std::string& routing_id, const Peer& sender, const std::string& command,
                   const std::string& message_id) {
  if (authenticating() && !role_may_send(sender.role, command)) {
    count("refused_forbidden");
    const std::string why = "role '" + sender.role + "' may not send " + command + "; it may send " +
                            commands_of_role(sender.role);
    security_.record(v1::security_event::kRefused,
                     {sender.name, sender.role, sender.key_label, command, message_id, why, 0});
    send_error(routing_id, ErrorCode::kForbidden, why, message_id, command);
    return false;
  }
  if (!rate_limiter_.admit(routing_id, sender.role, clock_.monotonic_ms())) {
    count("refused_busy");
    const RateLimit limit = rate_limiter_.limit_of(sender.role);
    const std::string why = "'" + sender.name + "' is over its rate limit (" +
                            std::to_string(static_cast<long long>(limit.per_second)) + " messages/s, burst " +
                            std::to_string(static_cast<long long>(limit.burst)) + " for role " + sender.role +
                            "); slow down and retry";
    security_.record(v1::security_event::kRateLimited,
                     {sender.name, sender.role, sender.key_label, std::nullopt, std::nullopt, why, 0});
    // Not through send_error: its log line would itself be a flood; the event above is folded.
    ++errors_[ErrorCode::kBusy];
    send_own(routing_id, v1::make_error(ErrorCode::kBusy, why, message_id, command));
    return false;
  }
  return true;
}

void Broker::handle_to_broker(const Peer& sender, const std::string& command, const zmq::message_t& body) {
  // Only the audit service answers the broker's events; anyone else's AUDIT_ACK would let a peer
  // make the broker forget a security event before it is stored.
  if (sender.role != "audit") return;
  if (command == v1::AuditAck::kCommand) {
    if (auto ack = decode_body<v1::AuditAck>(frame_view(body)); ack.ok()) security_.acknowledged(ack->event_id);
    return;
  }
  // Errors about its own events (the audit service refusing one) are logged; nothing else is
  // addressed to the broker by name.
  if (command == v1::Error::kCommand) {
    if (auto err = decode_body<v1::Error>(frame_view(body)); err.ok() && may_log_bad_input()) {
      spdlog::warn("error about a security event: {} {}", err->name, err->message);
    }
  }
}

void Broker::forward(const std::string& routing_id, const Peer& sender, std::vector<zmq::message_t>& frames) {
  const std::string destination(frame_view(frames[kPeerFrame]));
  const std::string command(frame_view(frames[kCommandFrame]));
  const std::string message_id(frame_view(frames[kIdFrame]));
  const Peer* target = peers_.by_name(destination);
  if (target == nullptr) {
    send_error(routing_id, ErrorCode::kUnroutable, "no peer named '" + destination + "' is registered", message_id,
               command);
    return;
  }
  const std::string target_routing_id = target->routing_id;
  // Only the peer frame changes (destination -> source); the body frame is moved, never copied.
  frames[kPeerFrame].rebuild(sender.name.data(), sender.name.size());
  switch (deliver(target_routing_id, frames)) {
    case SendOutcome::kSent:
      count("forwarded");
      return;
    case SendOutcome::kUnreachable:
      // The connection vanished (process killed) before heartbeats noticed: forget it now.
      peers_.remove_by_routing_id(target_routing_id);
      count("peers_unreachable");
      spdlog::info("peer '{}' is no longer connected; dropped", destination);
      send_error(routing_id, ErrorCode::kUnroutable, "peer '" + destination + "' is no longer connected", message_id,
                 command);
      return;
    case SendOutcome::kBusy:
      send_error(routing_id, ErrorCode::kBusy, "peer '" + destination + "' is not keeping up; retry later", message_id,
                 command);
      return;
  }
}

void Broker::handle_own_command(const std::string& routing_id, const std::string& command,
                                const std::string& message_id) {
  const Peer* peer = peers_.by_routing_id(routing_id);
  if (peer == nullptr) {
    send_error(routing_id, ErrorCode::kNotRegistered, "send REGISTER before sending " + command, message_id, command);
    return;
  }
  peers_.touch(routing_id, clock_.monotonic_ms());
  if (command == v1::Heartbeat::kCommand) return;
  if (command == v1::Disconnect::kCommand) {
    spdlog::info("peer '{}' ({}) disconnected", peer->name, peer->role);
    // The bucket stays (keyed by connection): DISCONNECT + REGISTER must not refill it.
    peers_.remove_by_routing_id(routing_id);
    count("disconnects");
    return;
  }
  if (command == v1::Stats::kCommand) {
    if (!rate_limiter_.admit(routing_id, peer->role, clock_.monotonic_ms())) {
      count("refused_busy");
      send_own(routing_id, v1::make_error(ErrorCode::kBusy, "over the rate limit; ask for STATS less often",
                                          message_id, command));
      return;
    }
    send_own(routing_id, stats());
    return;
  }
  send_error(routing_id, ErrorCode::kUnknownCommand,
             "the broker handles REGISTER, HEARTBEAT, DISCONNECT and STATS; '" + command +
                 "' needs a destination peer",
             message_id, command);
}

void Broker::refuse_register(const std::string& routing_id, const std::string& message_id, const std::string& name,
                             const std::string& role, const std::string& key_label, const std::string& why) {
  count("refused_forbidden");
  security_.record(v1::security_event::kRefused,
                   {name, role, key_label.empty() ? std::nullopt : std::optional<std::string>(key_label),
                    std::string(v1::Register::kCommand), message_id, why, 0});
  send_error(routing_id, ErrorCode::kForbidden, "REGISTER refused: " + why, message_id, "REGISTER");
}

void Broker::handle_register(const std::string& routing_id, const std::string& message_id,
                             const zmq::message_t& body, const std::string& connection_key) {
  auto reg = decode_body<v1::Register>(frame_view(body));
  if (!reg.ok()) {
    const ErrorCode code = reg.status().code() == ErrorCode::kInvalidBody ||
                                   reg.status().code() == ErrorCode::kMissingField ||
                                   reg.status().code() == ErrorCode::kWrongType
                               ? reg.status().code()
                               : ErrorCode::kInvalidRegistration;
    send_error(routing_id, code, "REGISTER refused: " + reg.status().message(), message_id, "REGISTER");
    return;
  }
  if (reg->name == kBrokerPeerName) {
    send_error(routing_id, ErrorCode::kInvalidRegistration, "REGISTER refused: the name 'broker' is reserved",
               message_id, "REGISTER");
    return;
  }
  std::string key_label;
  if (authenticating()) {
    const EnrolledKey* key = connection_key.empty() ? nullptr : allowlist_->find_valid_key(connection_key);
    if (key == nullptr) {
      // The key passed the handshake, so it was valid then: it has been revoked (or replaced) since.
      refuse_register(routing_id, message_id, reg->name, reg->role, connection_key,
                      "this connection's key is not enrolled any more (revoked); connect with a valid key");
      return;
    }
    key_label = key->label;
    if (!key->allows_name(reg->name)) {
      refuse_register(routing_id, message_id, reg->name, reg->role, key_label,
                      "key '" + key_label + "' may register as '" + key->names + "', not as '" + reg->name + "'");
      return;
    }
    if (key->role != reg->role) {
      refuse_register(routing_id, message_id, reg->name, reg->role, key_label,
                      "key '" + key_label + "' is enrolled for role '" + key->role + "', not '" + reg->role + "'");
      return;
    }
  }
  const Millis now = clock_.monotonic_ms();
  auto outcome = peers_.register_peer(reg->name, reg->role, routing_id, now, key_label, connection_key);
  count("registrations");
  if (outcome.replaced_routing_id) {
    count("replaced_registrations");
    spdlog::info("peer '{}' re-registered from a new connection; the old one is dropped", reg->name);
    v1::Disconnect bye;
    bye.reason = "name '" + reg->name + "' was registered by a newer connection";
    send_own(*outcome.replaced_routing_id, bye);
  } else {
    spdlog::info("peer '{}' registered as {}{}", reg->name, reg->role,
                 key_label.empty() ? std::string() : " with key '" + key_label + "'");
  }
  v1::Registered ok;
  ok.name = reg->name;
  ok.heartbeat_ms = config_.heartbeat_ms;
  ok.liveness = config_.liveness;
  ok.broker = "liandong-broker " LIANDONG_VERSION;
  if (send_own(routing_id, ok) == SendOutcome::kUnreachable) peers_.remove_by_routing_id(routing_id);
}

void Broker::on_tick() {
  const Millis now = clock_.monotonic_ms();
  for (const Peer& peer : peers_.expire(now, config_.max_silence_ms())) {
    count("peers_expired");
    spdlog::warn("peer '{}' ({}) silent for {} ms; dropped", peer.name, peer.role, now - peer.last_seen);
  }
  if (now >= next_heartbeat_at_) {
    next_heartbeat_at_ = now + config_.heartbeat_ms;
    std::vector<std::string> gone;
    for (const auto& [name, peer] : peers_.peers()) {
      const auto outcome = send_own(peer.routing_id, v1::Heartbeat{});
      if (outcome == SendOutcome::kSent) count("heartbeats_out");
      if (outcome == SendOutcome::kUnreachable) gone.push_back(name);
    }
    for (const auto& name : gone) {
      peers_.remove_by_name(name);
      count("peers_unreachable");
      spdlog::info("peer '{}' is no longer connected; dropped", name);
    }
  }
  // Buckets are kept per connection, also after DISCONNECT or expiry (so leaving and registering
  // again does not refill one); those that have refilled completely are forgotten here.
  if (now >= next_bucket_prune_at_) {
    next_bucket_prune_at_ = now + 5000;
    rate_limiter_.prune(now);
  }
  send_security_events();
}

void Broker::send_security_events() {
  const Peer* audit = peers_.by_name("audit");
  if (audit == nullptr || audit->role != "audit") return;  // kept until the audit service is back
  const std::string audit_routing_id = audit->routing_id;
  for (const auto& event : security_.due()) {
    auto frames = make_frames(v1::AuditEvent::kCommand, kBrokerPeerName, event.event_id, encode_body(event));
    deliver(audit_routing_id, frames);
  }
}

void Broker::set_allowlist(KeyAllowlist allowlist) {
  allowlist_ = std::move(allowlist);
  std::vector<Peer> revoked;
  for (const auto& [name, peer] : peers_.peers()) {
    // By public key, not label: a label revoked and enrolled again with a new key must not keep
    // the old key's sessions.
    if (allowlist_->find_valid_key(peer.public_key) == nullptr) revoked.push_back(peer);
  }
  for (const Peer& peer : revoked) drop_session(peer, "its key '" + peer.key_label + "' was revoked");
}

void Broker::drop_session(const Peer& peer, const std::string& why) {
  count("sessions_dropped");
  spdlog::warn("dropping peer '{}' ({}): {}", peer.name, peer.role, why);
  security_.record(v1::security_event::kSessionDropped,
                   {peer.name, peer.role, peer.key_label, std::nullopt, std::nullopt, why, 0});
  v1::Disconnect bye;
  bye.reason = why;
  send_own(peer.routing_id, bye);
  peers_.remove_by_routing_id(peer.routing_id);
}

std::optional<std::string> Broker::authenticate(const std::string& public_key, const std::string& address) {
  if (!authenticating()) return std::string();
  if (allowlist_->find_valid_key(public_key) != nullptr) return public_key;
  count("keys_refused");
  const EnrolledKey* known = nullptr;
  for (const auto& k : allowlist_->keys()) {
    if (k.public_key == public_key) known = &k;
  }
  const std::string why = known ? "key '" + known->label + "' was revoked at " + known->revoked_at
                                : "public key " + public_key + " is not enrolled";
  if (may_log_bad_input()) spdlog::warn("refused a connection from {}: {}", address, why);
  security_.record(v1::security_event::kKeyRefused,
                   {address, std::nullopt, known ? known->label : public_key, std::nullopt, std::nullopt, why, 0});
  return std::nullopt;
}

void Broker::handshake_failed(std::uint32_t protocol_error, const std::string& address) {
  if (!authenticating()) return;
  count("keys_refused");
  std::string why;
  switch (protocol_error) {
    case ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH:
      why = "a client without CurveZMQ (a plain connection) was refused: this broker takes CurveZMQ clients only";
      break;
    case ZMQ_PROTOCOL_ERROR_ZMTP_CRYPTOGRAPHIC:
      why = "a CurveZMQ handshake failed its cryptography: the client uses another broker public key than this "
            "broker's (or the handshake was damaged)";
      break;
    default: {
      char code[16];
      std::snprintf(code, sizeof code, "0x%08x", protocol_error);
      why = std::string("a handshake broke the ZMTP protocol (libzmq protocol error ") + code + ")";
    }
  }
  if (may_log_bad_input()) spdlog::warn("refused a connection on {}: {}", address, why);
  security_.record(v1::security_event::kKeyRefused,
                   {address, std::nullopt, std::nullopt, std::nullopt, std::nullopt, why, 0});
}

void Broker::handshake_abandoned(int os_error, const std::string& address) {
  if (!authenticating()) return;
  count("keys_refused");
  const std::string why = std::string("a connection was closed during its CurveZMQ handshake (") +
                          std::strerror(os_error) +
                          "): most likely a client without CurveZMQ (a plain connection), or a port check; this "
                          "broker takes CurveZMQ clients only";
  if (may_log_bad_input()) spdlog::warn("refused a connection on {}: {}", address, why);
  security_.record(v1::security_event::kKeyRefused,
                   {address, std::nullopt, std::nullopt, std::nullopt, std::nullopt, why, 0});
}

Millis Broker::next_tick_in() const {
  return std::max<Millis>(0, std::min(next_heartbeat_at_ - clock_.monotonic_ms(), config_.heartbeat_ms / 2));
}

v1::StatsReply Broker::stats() const {
  v1::StatsReply reply;
  reply.service = "broker";
  reply.uptime_ms = clock_.monotonic_ms() - started_at_;
  reply.counters = counters_;
  reply.counters["peers"] = peers_.size();
  reply.counters["security_events_pending"] = security_.pending();
  reply.counters["security_events_dropped"] = security_.dropped();
  for (const auto& [code, n] : errors_) reply.errors[std::string(error_name(code))] = n;
  std::vector<v1::PeerInfo> list;
  const Millis now = clock_.monotonic_ms();
  for (const auto& [name, peer] : peers_.peers()) list.push_back({name, peer.role, now - peer.last_seen});
  reply.peers = std::move(list);
  return reply;
}

std::uint64_t Broker::counter(const std::string& name) const {
  if (name == "peers") return peers_.size();
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::uint64_t Broker::errors(ErrorCode code) const {
  auto it = errors_.find(code);
  return it == errors_.end() ? 0 : it->second;
}

}  // namespace liandong::broker
