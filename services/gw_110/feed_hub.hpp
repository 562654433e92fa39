// The 110 dispatchers' live feed: each connected client (GET /feed, Server-Sent Events) gets its
// own bounded queue of feed entries (IncidentTracker history rows of 110 incidents). A client
// whose queue overflows is dropped (it resumes with ?from_seq=); the bus thread never waits for
// a slow client. No sockets here.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <vector>

#include "core/clock.hpp"
#include "services/gateway/incident_tracker.hpp"

namespace liandong::gw110 {

class FeedSubscriber {
 public:
  explicit FeedSubscriber(std::size_t capacity) : capacity_(capacity) {}
  // Waits up to `timeout_ms` for entries; returns what is queued (possibly nothing).
  std::vector<gateway::HistoryEntry> take(Millis timeout_ms);
  bool dropped() const;  // the queue overflowed: the client must reconnect with from_seq
  bool closed() const;   // the gateway is stopping
  // Called by the hub:
  void push(const gateway::HistoryEntry& entry);
  void close();

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<gateway::HistoryEntry> queue_;
  std::size_t capacity_;
  bool dropped_ = false;
  bool closed_ = false;
};

class FeedHub {
 public:
  explicit FeedHub(std::size_t per_client = 1000, std::size_t max_clients = 8)
      : per_client_(per_client), max_clients_(max_clients) {}
  // nullptr when max_clients are connected already.
  std::shared_ptr<FeedSubscriber> subscribe();
  void unsubscribe(const std::shared_ptr<FeedSubscriber>& s);
  // Hands entries to every client; clients that overflow are dropped from the hub.
  void publish(const std::vector<gateway::HistoryEntry>& entries);
  void close_all();
  std::size_t clients() const;
  std::uint64_t dropped_clients() const;

 private:
  mutable std::mutex mutex_;
  std::set<std::shared_ptr<FeedSubscriber>> subscribers_;
  std::size_t per_client_;
  std::size_t max_clients_;
  std::uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace liandong::gw110
