#include "core/zap_handler.hpp"

#include <zmq.h>

#include <array>
#include <spdlog/spdlog.h>

#include "core/sockets.hpp"

namespace liandong {

namespace {
constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";
// A ZAP request: version, request id, domain, address, identity, mechanism, credentials...
constexpr std::size_t kVersion = 0, kRequestId = 1, kAddress = 3, kMechanism = 5, kCredentials = 6;

std::string text(const zmq::message_t& frame) { return std::string(static_cast<const char*>(frame.data()), frame.size()); }
}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, Decide decide)
    : socket_(context, zmq::socket_type::rep), decide_(std::move(decide)) {
  socket_.set(zmq::sockopt::linger, 0);
}

Status ZapHandler::bind() {
  try {
    socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    return {ErrorCode::kIo, std::string("cannot start the key check (ZAP handler): ") + e.what()};
  }
  return Status::Ok();
}

void ZapHandler::handle_pending() {
  std::vector<zmq::message_t> request;
  while (receive_frames(socket_, request)) answer(request);
}

void ZapHandler::answer(const std::vector<zmq::message_t>& request) {
  // A REP socket must answer every request it received, even a malformed one.
  std::string request_id = request.size() > kRequestId ? text(request[kRequestId]) : std::string();
  std::string status = "400";
  std::string status_text = "refused";
  std::string user_id;
  if (request.size() < kCredentials + 1 || text(request[kVersion]) != "1.0") {
    status = "500";
    status_text = "malformed ZAP request";
  } else if (text(request[kMechanism]) != "CURVE" || request[kCredentials].size() != 32) {
    status_text = "only CurveZMQ clients are accepted";
  } else {
    std::array<char, 41> z85{};
    zmq_z85_encode(z85.data(), static_cast<const std::uint8_t*>(request[kCredentials].data()), 32);
    if (auto label = decide_(z85.data(), text(request[kAddress]))) {
      status = "200";
      status_text = "OK";
      user_id = *label;
    } else {
      status_text = "key not enrolled or revoked";
    }
  }
  const std::array<std::string, 6> reply = {"1.0", request_id, status, status_text, user_id, ""};
  for (std::size_t i = 0; i < reply.size(); ++i) {
    zmq::message_t frame(reply[i].data(), reply[i].size());
    socket_.send(frame, i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

}  // namespace liandong
