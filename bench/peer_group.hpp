// Several PacedPeers served by one thread: a reporter and the units it dispatches to, each with its
// own socket and name on the bus. Waits on all their sockets and on a timerfd at once, so it wakes
// at a microsecond deadline (the next scheduled send) or at the first message for any of them, and
// keeps every session alive with HEARTBEATs. Not thread-safe: one thread owns it and the peers.
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "bench/paced_peer.hpp"
#include "core/envelope.hpp"

namespace liandong::bench {

class PeerGroup {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // The peers must be connected and outlive the group.
  explicit PeerGroup(std::vector<PacedPeer*> peers);
  ~PeerGroup();
  PeerGroup(const PeerGroup&) = delete;
  PeerGroup& operator=(const PeerGroup&) = delete;

  // The next message for one of the peers with that peer's index, or nothing once `deadline` has
  // passed (or a signal interrupted the wait).
  std::optional<std::pair<std::size_t, Envelope>> receive_until(TimePoint deadline);

 private:
  void collect(const std::vector<zmq::pollitem_t>& items);

  std::vector<PacedPeer*> peers_;
  std::vector<zmq::pollitem_t> items_;  // one per peer, then the timer
  std::deque<std::pair<std::size_t, Envelope>> ready_;
  int timer_fd_ = -1;
  TimePoint next_keep_alive_{};
};

}  // namespace liandong::bench
