#include "broker/broker_server.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>

#include "core/curve_keys.hpp"
#include "core/key_allowlist.hpp"
#include "core/sockets.hpp"

namespace liandong::broker {

namespace {
// Messages handled per poll wake-up before timers get a look; keeps heartbeats on time under load.
constexpr int kMessagesPerWake = 1000;
constexpr Millis kAllowlistCheckMs = 500;

}  // namespace

BrokerServer::BrokerServer(BrokerConfig config, const Clock& clock)
    : config_(std::move(config)),
      context_(1),
      socket_(context_, zmq::socket_type::router),
      broker_(config_, clock, *this),
      clock_(clock) {
  socket_.set(zmq::sockopt::linger, 0);
  // Sending to a routing id that has gone must fail (EHOSTUNREACH) so the sender hears
  // UNROUTABLE, rather than libzmq dropping the message silently.
  socket_.set(zmq::sockopt::router_mandatory, 1);
  socket_.set(zmq::sockopt::maxmsgsize, config_.hard_frame_cap());
  socket_.set(zmq::sockopt::sndhwm, 100000);
  socket_.set(zmq::sockopt::rcvhwm, 100000);
}

Status BrokerServer::start_security() {
  if (config_.insecure_plain) return Status::Ok();
  const std::filesystem::path dir(config_.keys_dir);
  auto key = read_secret_key(dir, kBrokerKeyLabel);
  if (!key.ok()) return key.status().with_context("the broker's own key");
  allowlist_.emplace(KeyAllowlist::file_in(dir));
  if (auto s = allowlist_->load(); !s.ok()) return s;
  std::size_t valid = 0;
  for (const auto& k : allowlist_->list().keys()) valid += k.revoked() ? 0 : 1;
  spdlog::info("CurveZMQ on: {} enrolled keys valid in {}", valid, allowlist_->path().string());
  broker_.set_allowlist(allowlist_->list());
  zap_ = std::make_unique<ZapHandler>(context_, [this](const std::string& public_key, const std::string& address) {
    // A key enrolled a moment ago may not have been read yet: look at the file before refusing.
    if (!broker_.key_is_valid(public_key)) reload_allowlist_if_changed();
    return broker_.authenticate(public_key, address);
  });
  if (auto s = zap_->bind(); !s.ok()) return s;
  constexpr const char* kMonitorEndpoint = "inproc://liandong-broker-handshakes";
  if (zmq_socket_monitor(socket_.handle(), kMonitorEndpoint,
                         ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0) {
    return {ErrorCode::kIo, std::string("cannot watch the broker socket's handshakes: ") + zmq_strerror(zmq_errno())};
  }
  monitor_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pair);
  monitor_->set(zmq::sockopt::linger, 0);
  monitor_->connect(kMonitorEndpoint);
  socket_.set(zmq::sockopt::zap_domain, "liandong");
  socket_.set(zmq::sockopt::curve_server, 1);
  socket_.set(zmq::sockopt::curve_secretkey, key->secret_key);
  public_key_ = key->public_key;
  return Status::Ok();
}

void BrokerServer::reload_allowlist_if_changed() {
  auto changed = allowlist_->reload_if_changed();
  if (!changed.ok()) {
    spdlog::error("cannot re-read the allowlist; keeping the previous one: {}", changed.status().message());
    return;
  }
  if (!*changed) return;
  spdlog::info("allowlist {} changed; re-read {} entries", allowlist_->path().string(), allowlist_->list().keys().size());
  broker_.set_allowlist(allowlist_->list());
}

Result<std::string> BrokerServer::bind() { return bind_endpoint(socket_, config_.endpoint); }

SendOutcome BrokerServer::send(const std::string& routing_id, std::vector<zmq::message_t>& frames) {
  try {
    zmq::message_t id(routing_id.data(), routing_id.size());
    if (!socket_.send(id, zmq::send_flags::sndmore | zmq::send_flags::dontwait)) return SendOutcome::kBusy;
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      // Once the routing frame is accepted the rest of the message goes to the same pipe.
      socket_.send(frames[i], flags | zmq::send_flags::dontwait);
    }
    return SendOutcome::kSent;
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return SendOutcome::kUnreachable;
    spdlog::error("send to a peer failed: {}", e.what());
    return SendOutcome::kBusy;
  }
}

void BrokerServer::read_handshake_failures() {
  zmq::message_t event;
  zmq::message_t address;
  for (int n = 0; n < kMessagesPerWake && monitor_->recv(event, zmq::recv_flags::dontwait); ++n) {
    // A monitor event is two frames: event id (2 bytes) and value (4 bytes), then the endpoint.
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    if (event.size() >= 6) {
      std::memcpy(&id, event.data(), 2);
      std::memcpy(&value, static_cast<const char*>(event.data()) + 2, 4);
    }
    std::string where;
    if (event.more() && monitor_->recv(address, zmq::recv_flags::dontwait)) where = address.to_string();
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) broker_.handshake_failed(value, where);
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) broker_.handshake_abandoned(static_cast<int>(value), where);
  }
}

void BrokerServer::run(const std::atomic<bool>& stop) {
  std::vector<zmq::message_t> frames;
  std::string key_label;
  while (!stop.load()) {
    zmq::pollitem_t items[] = {{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0},
                               {zap_ ? static_cast<void*>(zap_->socket()) : nullptr, 0, ZMQ_POLLIN, 0},
                               {monitor_ ? static_cast<void*>(*monitor_) : nullptr, 0, ZMQ_POLLIN, 0}};
    const auto wait = std::min<Millis>(broker_.next_tick_in(), 100);  // 100 ms: notice `stop` promptly
    try {
      zmq::poll(items, zap_ ? 3 : 1, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    if (zap_) zap_->handle_pending();
    if (monitor_) read_handshake_failures();
    for (int n = 0; n < kMessagesPerWake && receive_frames(socket_, frames); ++n) {
      if (frames.empty()) continue;
      const std::string routing_id(frame_view(frames.front()));
      frames.erase(frames.begin());
      key_label.clear();
      if (zap_ && !frames.empty()) {
        // The label the ZAP handler gave this connection travels with each of its messages.
        if (const char* user = zmq_msg_gets(frames.front().handle(), "User-Id")) key_label = user;
      }
      broker_.on_message(routing_id, frames, key_label);
    }
    if (zap_) {
      const Millis now = clock_.monotonic_ms();
      if (now >= next_allowlist_check_) {
        next_allowlist_check_ = now + kAllowlistCheckMs;
        reload_allowlist_if_changed();
      }
    }
    broker_.on_tick();
  }
}

}  // namespace liandong::broker
