#include "core/sockets.hpp"

#include <cstdio>
#include <fstream>

namespace liandong {

Result<std::string> bind_endpoint(zmq::socket_t& socket, const std::string& endpoint) {
  try {
    socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return Status(ErrorCode::kIo, "cannot bind '" + endpoint + "': " + e.what());
  }
  return socket.get(zmq::sockopt::last_endpoint);
}

bool receive_frames(zmq::socket_t& socket, std::vector<zmq::message_t>& frames) {
  frames.clear();
  while (true) {
    zmq::message_t frame;
    if (!socket.recv(frame, zmq::recv_flags::dontwait)) return !frames.empty();
    const bool more = frame.more();
    frames.push_back(std::move(frame));
    if (!more) return true;
  }
}

Status write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return {ErrorCode::kIo, "cannot write '" + tmp + "'"};
    out << content;
    if (!out.flush()) return {ErrorCode::kIo, "cannot write '" + tmp + "'"};
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    return {ErrorCode::kIo, "cannot rename '" + tmp + "' to '" + path + "'"};
  }
  return Status::Ok();
}

std::string connectable_endpoint(const std::string& bound) {
  for (const std::string wildcard : {"tcp://0.0.0.0:", "tcp://*:"}) {
    if (bound.rfind(wildcard, 0) == 0) return "tcp://127.0.0.1:" + bound.substr(wildcard.size());
  }
  return bound;
}

}  // namespace liandong
