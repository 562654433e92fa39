// Small cppzmq helpers shared by every process: binding with a readable error and the real
// endpoint (so port 0 works), multipart receive, and the ready file that tells tests and
// `liandong up` where a process listens.
#pragma once

#include <zmq.hpp>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace liandong {

// Binds `socket` and returns the endpoint actually bound ("tcp://127.0.0.1:41234" for ":*"/":0").
Result<std::string> bind_endpoint(zmq::socket_t& socket, const std::string& endpoint);

// Receives all frames of one message without blocking; false when nothing is waiting.
bool receive_frames(zmq::socket_t& socket, std::vector<zmq::message_t>& frames);

// Writes `content` to `path` atomically (temporary file + rename), so a reader never sees half.
Status write_file_atomically(const std::string& path, const std::string& content);

// Replaces "tcp://0.0.0.0:port" / "tcp://*:port" with a loopback address clients can connect to.
std::string connectable_endpoint(const std::string& bound);

}  // namespace liandong
