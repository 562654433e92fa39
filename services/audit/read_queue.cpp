#include "services/audit/read_queue.hpp"

#include <utility>

namespace liandong::audit {

bool ReadQueue::push(PendingRead read) {
  auto& queue = by_peer_[read.peer];
  if (queue.size() >= max_per_peer_) return false;
  if (queue.empty()) turns_.push_back(read.peer);
  queue.push_back(std::move(read));
  ++size_;
  return true;
}

PendingRead& ReadQueue::front() { return by_peer_.at(turns_.front()).front(); }

void ReadQueue::end_turn(bool done) {
  std::string peer = std::move(turns_.front());
  turns_.pop_front();
  auto it = by_peer_.find(peer);
  if (done) {
    it->second.pop_front();
    --size_;
  }
  if (it->second.empty()) {
    by_peer_.erase(it);
  } else {
    turns_.push_back(std::move(peer));
  }
}

}  // namespace liandong::audit
