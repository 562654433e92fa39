// What the broker would have sent, for tests of its logic without sockets: stands in for the
// ROUTER socket (broker/broker.hpp, FrameSink). A routing id in `gone` behaves like a connection
// whose process has died.
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "broker/broker.hpp"
#include "core/envelope.hpp"

namespace liandong::testing {

struct SentFrames {
  std::string to;
  Envelope env;
};

class RecordingSink : public broker::FrameSink {
 public:
  std::vector<SentFrames> sent;
  std::set<std::string> gone;
  broker::SendOutcome send(const std::string& routing_id, std::vector<zmq::message_t>& frames) override {
    if (gone.contains(routing_id)) return broker::SendOutcome::kUnreachable;
    sent.push_back({routing_id, to_envelope(frames)});
    return broker::SendOutcome::kSent;
  }
  std::vector<SentFrames> take() { return std::exchange(sent, {}); }
};

}  // namespace liandong::testing
