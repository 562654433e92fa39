#include "services/router/router_inbox.hpp"

namespace liandong::router {

void RouterInbox::push(Envelope envelope) {
  const int lane = classify_(envelope);
  lanes_[lane].push_back(std::move(envelope));
  ++size_;
}

Envelope RouterInbox::pop() {
  auto lane = lanes_.begin();
  std::size_t& head = heads_[lane->first];
  Envelope out = std::move(lane->second[head]);
  ++head;
  --size_;
  if (head == lane->second.size()) {
    heads_.erase(lane->first);
    lanes_.erase(lane);
  }
  return out;
}

}  // namespace liandong::router
