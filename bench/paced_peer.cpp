#include "bench/paced_peer.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/codec.hpp"
#include "core/sockets.hpp"
#include "schemas/messages.hpp"

namespace liandong::bench {

namespace {
// Silent this long, the peer sends a HEARTBEAT (the broker's default interval; it drops a peer
// after three silent intervals).
constexpr auto kHeartbeatInterval = std::chrono::milliseconds(1000);
}  // namespace

PacedPeer::PacedPeer(zmq::context_t& context, std::string endpoint, std::string name, std::string role,
                     const std::optional<CurveClientKeys>& curve)
    : endpoint_(std::move(endpoint)),
      name_(std::move(name)),
      role_(std::move(role)),
      ids_(clock_),
      socket_(context, zmq::socket_type::dealer),
      timer_fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::sndhwm, 100000);
  socket_.set(zmq::sockopt::rcvhwm, 100000);
  if (curve) {
    socket_.set(zmq::sockopt::curve_serverkey, curve->broker_public_key);
    socket_.set(zmq::sockopt::curve_publickey, curve->public_key);
    socket_.set(zmq::sockopt::curve_secretkey, curve->secret_key);
  }
  socket_.connect(endpoint_);
}

PacedPeer::~PacedPeer() {
  close();
  if (timer_fd_ >= 0) ::close(timer_fd_);
}

void PacedPeer::close() {
  if (!registered_) return;
  registered_ = false;
  try {
    send_frames("", v1::Disconnect::kCommand, ids_.next(), encode_body(v1::Disconnect{"benchmark done"}));
    socket_.set(zmq::sockopt::linger, 200);  // a moment for the goodbye to leave
  } catch (const zmq::error_t&) {
    // The context is going away; the broker expires us.
  }
}

void PacedPeer::send_frames(std::string_view destination, std::string_view command, std::string_view id,
                            std::string_view body) {
  auto frames = make_frames(command, destination, id, body);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    socket_.send(frames[i], i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  last_sent_ = std::chrono::steady_clock::now();
}

Status PacedPeer::connect(std::chrono::milliseconds timeout) {
  if (timer_fd_ < 0) return {ErrorCode::kIo, std::string("timerfd_create failed: ") + std::strerror(errno)};
  v1::Register reg;
  reg.name = name_;
  reg.role = role_;
  reg.software = "liandong-bench " LIANDONG_VERSION;
  send_frames("", v1::Register::kCommand, ids_.next(), encode_body(reg));
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!registered_) {
    auto env = receive_until(deadline);
    if (!env) break;
    if (env->command == v1::Error::kCommand && env->peer.empty()) {
      auto err = decode_body<v1::Error>(env->body);
      return {ErrorCode::kIo, "broker refused registration of '" + name_ + "': " +
                                  (err.ok() ? err->message : std::string("(undecodable ERROR)"))};
    }
  }
  if (!registered_) {
    return {ErrorCode::kTimeout, "no REGISTERED from the broker at " + endpoint_ + " within " +
                                     std::to_string(timeout.count()) + " ms"};
  }
  return Status::Ok();
}

std::string PacedPeer::send(std::string_view destination, std::string_view command, std::string_view body) {
  std::string id = ids_.next();
  send_frames(destination, command, id, body);
  return id;
}

void PacedPeer::arm_timer(TimePoint at) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
  itimerspec spec{};
  // steady_clock is CLOCK_MONOTONIC on Linux, so its time points are valid absolute timer values.
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 would disarm
  timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
}

std::optional<Envelope> PacedPeer::receive_now() {
  std::vector<zmq::message_t> frames;
  while (receive_frames(socket_, frames)) {
    if (!check_envelope(frames, kDefaultMaxFrameBytes).ok()) continue;
    Envelope env = to_envelope(frames);
    if (env.peer.empty() && env.command == v1::Heartbeat::kCommand) continue;
    if (env.peer.empty() && env.command == v1::Registered::kCommand) {
      registered_ = true;
      return std::nullopt;  // lets connect() see it at once
    }
    return env;
  }
  return std::nullopt;
}

void PacedPeer::keep_alive() {
  if (registered_ && std::chrono::steady_clock::now() - last_sent_ >= kHeartbeatInterval) {
    send_frames("", v1::Heartbeat::kCommand, ids_.next(), encode_body(v1::Heartbeat{}));
  }
}

std::optional<Envelope> PacedPeer::receive_until(TimePoint deadline) {
  while (true) {
    const bool was_registered = registered_;
    if (auto env = receive_now()) return env;
    if (registered_ != was_registered) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return std::nullopt;
    keep_alive();
    arm_timer(std::min(deadline, last_sent_ + kHeartbeatInterval));
    zmq::pollitem_t items[2] = {{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0},
                                {nullptr, timer_fd_, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return std::nullopt;  // SIGINT/SIGTERM: the caller checks its stop flag
      throw;
    }
    if ((items[1].revents & ZMQ_POLLIN) != 0) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] const auto n = ::read(timer_fd_, &expirations, sizeof expirations);
    }
  }
}

}  // namespace liandong::bench
