#include "broker/broker_server.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "core/sockets.hpp"

namespace liandong::broker {

namespace {
// Messages handled per poll wake-up before timers get a look; keeps heartbeats on time under load.
constexpr int kMessagesPerWake = 1000;
}  // namespace

BrokerServer::BrokerServer(BrokerConfig config, const Clock& clock)
    : config_(std::move(config)),
      context_(1),
      socket_(context_, zmq::socket_type::router),
      broker_(config_, clock, *this) {
  socket_.set(zmq::sockopt::linger, 0);
  // Sending to a routing id that has gone must fail (EHOSTUNREACH) so the sender hears
  // UNROUTABLE, rather than libzmq dropping the message silently.
  socket_.set(zmq::sockopt::router_mandatory, 1);
  socket_.set(zmq::sockopt::maxmsgsize, config_.hard_frame_cap());
  socket_.set(zmq::sockopt::sndhwm, 100000);
  socket_.set(zmq::sockopt::rcvhwm, 100000);
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

void BrokerServer::run(const std::atomic<bool>& stop) {
  std::vector<zmq::message_t> frames;
  while (!stop.load()) {
    zmq::pollitem_t item{static_cast<void*>(socket_), 0, ZMQ_POLLIN, 0};
    const auto wait = std::min<Millis>(broker_.next_tick_in(), 100);  // 100 ms: notice `stop` promptly
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(wait));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) continue;
      throw;
    }
    for (int n = 0; n < kMessagesPerWake && receive_frames(socket_, frames); ++n) {
      if (frames.empty()) continue;
      const std::string routing_id(frame_view(frames.front()));
      frames.erase(frames.begin());
      broker_.on_message(routing_id, frames);
    }
    broker_.on_tick();
  }
}

}  // namespace liandong::broker
