#include "core/bus_client.hpp"

#include <spdlog/spdlog.h>

#include <unistd.h>
#include <zmq.h>

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/sockets.hpp"
#include "schemas/messages.hpp"

namespace liandong {

Status load_bus_keys(BusClientOptions& options, const std::string& keys_dir, const std::string& label) {
  if (keys_dir.empty()) return Status::Ok();
  auto keys = load_client_keys(keys_dir, label.empty() ? options.name : label);
  if (!keys.ok()) return keys.status();
  options.curve = std::move(*keys);
  return Status::Ok();
}

BusClient::BusClient(zmq::context_t& context, BusClientOptions options, const Clock& clock)
    : context_(context), options_(std::move(options)), clock_(clock), ids_(clock), heartbeat_ms_(options_.heartbeat_ms) {}

BusClient::~BusClient() { close(); }

namespace {
constexpr int kHandshakeEvents =
    ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL;
std::atomic<std::uint64_t> monitor_counter{0};
}  // namespace

void BusClient::open_socket() {
  monitor_.reset();
  socket_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
  socket_->set(zmq::sockopt::linger, 0);
  if (options_.curve) {
    socket_->set(zmq::sockopt::curve_serverkey, options_.curve->broker_public_key);
    socket_->set(zmq::sockopt::curve_publickey, options_.curve->public_key);
    socket_->set(zmq::sockopt::curve_secretkey, options_.curve->secret_key);
  }
  // The handshake's outcome is only visible through a monitor: without it a refused key would
  // look like a broker that never answers.
  const std::string monitor_endpoint =
      "inproc://liandong-bus-monitor-" + std::to_string(::getpid()) + "-" + std::to_string(++monitor_counter);
  if (zmq_socket_monitor(socket_->handle(), monitor_endpoint.c_str(), kHandshakeEvents) == 0) {
    monitor_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::pair);
    monitor_->set(zmq::sockopt::linger, 0);
    monitor_->connect(monitor_endpoint);
  }
  // Past this many queued messages send() would block; a peer that far behind has lost its
  // broker anyway, and reconnecting starts a fresh queue.
  socket_->set(zmq::sockopt::sndhwm, 100000);
  socket_->set(zmq::sockopt::rcvhwm, 100000);
  socket_->connect(options_.endpoint);
  const Millis now = clock_.monotonic_ms();
  last_heard_ = now;
  last_sent_ = now;
}

void BusClient::send_frames(std::string_view destination, std::string_view command, std::string_view id,
                            std::string_view body) {
  auto frames = make_frames(command, destination, id, body);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    const auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    socket_->send(frames[i], flags);
  }
  last_sent_ = clock_.monotonic_ms();
}

void BusClient::send_register() {
  v1::Register reg;
  reg.name = options_.name;
  reg.role = options_.role;
  reg.heartbeat_ms = options_.heartbeat_ms;
  reg.software = options_.software;
  send_frames("", v1::Register::kCommand, ids_.next(), encode_body(reg));
}

std::optional<Status> BusClient::handshake_failure() {
  if (!monitor_) return std::nullopt;
  std::optional<Status> failure;
  zmq::message_t event;
  while (monitor_->recv(event, zmq::recv_flags::dontwait)) {
    std::uint16_t id = 0;
    std::uint32_t value = 0;
    if (event.size() >= 6) {
      std::memcpy(&id, event.data(), 2);
      std::memcpy(&value, static_cast<const char*>(event.data()) + 2, 4);
    }
    zmq::message_t address;
    while (event.more() && monitor_->recv(address, zmq::recv_flags::dontwait)) {
      if (!address.more()) break;
    }
    if (id == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
      failure = Status(ErrorCode::kForbidden,
                       "the broker at " + options_.endpoint + " refused the key of '" + options_.name + "'" +
                           (options_.curve ? " (label '" + options_.curve->label + "')" : std::string()) +
                           ": it is not enrolled, or it was revoked (see `liandong keys list` on the broker's machine)");
    } else if (id != 0) {
      failure = Status(ErrorCode::kForbidden,
                       "the security handshake with the broker at " + options_.endpoint + " failed: " +
                           (options_.curve ? "the broker does not accept CurveZMQ with this broker key (is broker.pub "
                                             "the running broker's, or does it run --insecure-plain?)"
                                           : "the broker requires CurveZMQ keys (give this program --keys DIR)"));
    }
  }
  return failure;
}

Status BusClient::connect() {
  closed_ = false;
  if (!socket_) {
    try {
      open_socket();
    } catch (const zmq::error_t& e) {
      return {ErrorCode::kIo, "cannot connect to broker '" + options_.endpoint + "': " + e.what()};
    }
  }
  send_register();
  const Millis deadline = clock_.monotonic_ms() + options_.register_timeout_ms;
  while (!registered_) {
    const Millis left = deadline - clock_.monotonic_ms();
    if (left <= 0) break;
    auto env = receive(std::min<Millis>(left, 50));
    if (auto failure = handshake_failure()) return *failure;
    if (env && env->command == v1::Error::kCommand && env->peer.empty()) {
      auto err = decode_body<v1::Error>(env->body);
      if (err.ok()) {
        return {error_code_from_number(err->code).value_or(ErrorCode::kInternal),
                "broker refused registration of '" + options_.name + "': " + err->message};
      }
    }
  }
  if (!registered_) {
    return {ErrorCode::kTimeout, "no answer from broker at " + options_.endpoint + " within " +
                                     std::to_string(options_.register_timeout_ms) + " ms (is it running?)"};
  }
  return Status::Ok();
}

std::string BusClient::send(std::string_view destination, std::string_view command, std::string_view body,
                            std::string message_id) {
  if (message_id.empty()) message_id = ids_.next();
  if (!socket_) open_socket();
  // After a long pause the broker may be gone or may have dropped us: reconnect and register
  // first, so this message follows the REGISTER on the new connection instead of being lost.
  keep_alive(clock_.monotonic_ms());
  send_frames(destination, command, message_id, body);
  return message_id;
}

void BusClient::keep_alive(Millis now) {
  if (now - last_heard_ > heartbeat_ms_ * options_.liveness) {
    // The broker has been silent for `liveness` intervals: assume the connection is dead (or the
    // broker restarted) and start a fresh socket and session.
    if (auto failure = handshake_failure()) {
      // Said once per reconnect cycle: libzmq itself retries the handshake every 100 ms.
      spdlog::error("{}", failure->message());
    }
    spdlog::warn("broker at {} silent for {} ms; reconnecting as '{}'", options_.endpoint, now - last_heard_,
                 options_.name);
    registered_ = false;
    ++reconnects_;
    open_socket();
    send_register();
    return;
  }
  if (now - last_sent_ >= heartbeat_ms_) {
    send_frames("", v1::Heartbeat::kCommand, ids_.next(), encode_body(v1::Heartbeat{}));
  }
}

void* BusClient::poll_handle() {
  if (!socket_) open_socket();
  return socket_->handle();
}

std::optional<Envelope> BusClient::receive(Millis timeout_ms) {
  if (!socket_) open_socket();
  const Millis deadline = clock_.monotonic_ms() + std::max<Millis>(0, timeout_ms);
  std::vector<zmq::message_t> frames;
  while (true) {
    Millis now = clock_.monotonic_ms();
    keep_alive(now);
    if (receive_frames(*socket_, frames)) {
      last_heard_ = clock_.monotonic_ms();
      if (!check_envelope(frames, options_.max_frame_bytes).ok()) {
        spdlog::warn("dropped a malformed message from the broker ({} frames)", frames.size());
        continue;
      }
      Envelope env = to_envelope(frames);
      if (env.peer.empty()) {
        if (env.command == v1::Heartbeat::kCommand) continue;
        if (env.command == v1::Registered::kCommand) {
          if (auto reg = decode_body<v1::Registered>(env.body); reg.ok()) {
            registered_ = true;
            heartbeat_ms_ = std::max<Millis>(1, reg->heartbeat_ms);
            options_.liveness = std::max<std::int64_t>(1, reg->liveness);
            return std::nullopt;  // let connect() (or a caller resending after a reconnect) go on
          }
          continue;
        }
        if (env.command == v1::Disconnect::kCommand) {
          registered_ = false;
          replaced_ = true;
          return env;
        }
        if (env.command == v1::Error::kCommand) {
          auto err = decode_body<v1::Error>(env.body);
          if (err.ok() && err->code == static_cast<std::uint32_t>(ErrorCode::kNotRegistered) && !replaced_) {
            // The broker forgot us (restart or expiry): register again; the caller sees the error
            // and resends what was refused.
            registered_ = false;
            send_register();
          }
        }
      }
      return env;
    }
    now = clock_.monotonic_ms();
    if (now >= deadline) return std::nullopt;
    const Millis until_heartbeat = std::max<Millis>(1, heartbeat_ms_ - (now - last_sent_));
    const Millis wait = std::min(deadline - now, until_heartbeat);
    zmq::pollitem_t item{static_cast<void*>(*socket_), 0, ZMQ_POLLIN, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t& e) {
      // A signal (SIGTERM to stop the process) interrupts the wait: let the caller look at it.
      if (e.num() == EINTR) return std::nullopt;
      throw;
    }
  }
}

void BusClient::close() {
  if (closed_ || !socket_) return;
  closed_ = true;
  if (registered_) {
    try {
      send_frames("", v1::Disconnect::kCommand, ids_.next(), encode_body(v1::Disconnect{"closing"}));
      // Give the goodbye a moment to leave before the socket is destroyed.
      socket_->set(zmq::sockopt::linger, 200);
    } catch (const zmq::error_t&) {
      // Context already shutting down; the broker will expire us.
    }
  }
  registered_ = false;
}

}  // namespace liandong
