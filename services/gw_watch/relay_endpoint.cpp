// The relays' ROUTER socket (schemas/relay.md, "Transport").
#include "services/gw_watch/relay_endpoint.hpp"

#include <spdlog/spdlog.h>

#include "core/sockets.hpp"

namespace liandong::watch {

RelayEndpoint::RelayEndpoint(zmq::context_t& context) : socket_(context, zmq::socket_type::router) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.set(zmq::sockopt::router_mandatory, 1);  // a send to a vanished relay fails at once
  // A frame far over the protocol's limit is not even read: libzmq drops that connection.
  socket_.set(zmq::sockopt::maxmsgsize, static_cast<std::int64_t>(16 * kMaxRelayFrameBytes));
  socket_.set(zmq::sockopt::sndhwm, 10'000);
}

void RelayEndpoint::require_curve(const std::string& secret_key) {
  socket_.set(zmq::sockopt::zap_domain, "liandong-relays");
  socket_.set(zmq::sockopt::curve_server, 1);
  socket_.set(zmq::sockopt::curve_secretkey, secret_key);
}

Result<std::string> RelayEndpoint::bind(const std::string& listen) {
  std::string endpoint = listen;
  if (endpoint.find("://") == std::string::npos) endpoint = "tcp://" + endpoint;
  auto bound = bind_endpoint(socket_, endpoint);
  if (!bound.ok()) return bound.status();
  return connectable_endpoint(*bound);
}

void RelayEndpoint::poll(Millis timeout_ms, const Handler& handler) {
  zmq::pollitem_t items[] = {{socket_.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 1, std::chrono::milliseconds(timeout_ms));
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) spdlog::warn("polling the relay socket: {}", e.what());
    return;  // a signal (SIGTERM): the caller's loop checks its stop flag
  }
  if (!(items[0].revents & ZMQ_POLLIN)) return;
  std::vector<zmq::message_t> frames;
  std::vector<std::string> strings;
  for (int i = 0; i < 1000 && receive_frames(socket_, frames); ++i) {
    if (frames.empty()) continue;
    const std::string routing_id(static_cast<const char*>(frames[0].data()), frames[0].size());
    strings.clear();
    for (std::size_t f = 1; f < frames.size(); ++f) strings.emplace_back(static_cast<const char*>(frames[f].data()), frames[f].size());
    handler(routing_id, strings);
  }
}

bool RelayEndpoint::send(const std::string& routing_id, const std::vector<std::string>& frames) {
  try {
    auto r = socket_.send(zmq::buffer(routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    if (!r) return true;  // queue full: dropped; the protocol re-sends what matters
    for (std::size_t i = 0; i < frames.size(); ++i) {
      const auto flags = i + 1 < frames.size() ? zmq::send_flags::sndmore | zmq::send_flags::dontwait : zmq::send_flags::dontwait;
      socket_.send(zmq::buffer(frames[i]), flags);
    }
  } catch (const zmq::error_t& e) {
    if (e.num() == EHOSTUNREACH) return false;
    spdlog::warn("cannot send to a relay: {}", e.what());
  }
  return true;
}

}  // namespace liandong::watch
