// Priority lanes (issue #4): under backlog the router takes P1 work before lower priorities.
// Messages waiting on the socket are drained into the inbox, which hands them out most urgent
// first and, within a priority, in arrival order. Reads (queries, STATS) have the last lane: they
// are answered only after every report and acknowledgement waiting (docs/security.md).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/envelope.hpp"

namespace liandong::router {

class RouterInbox {
 public:
  // Tells the priority (0 most urgent .. 5) of a message; the server uses the incident's
  // priority for reports, acks and updates, 0 for audit acknowledgements (they release work).
  // Reads are classified kReadLane.
  using Classifier = std::function<int(const Envelope&)>;
  static constexpr int kReadLane = 100;
  explicit RouterInbox(Classifier classify) : classify_(std::move(classify)) {}

  void push(Envelope envelope);
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The most urgent message, oldest first within its priority. Requires !empty().
  Envelope pop();
  // Whether pop() would hand out a read: nothing but reads is waiting. Requires !empty().
  bool next_is_read() const { return lanes_.begin()->first >= kReadLane; }

 private:
  Classifier classify_;
  std::map<int, std::vector<Envelope>> lanes_;
  std::map<int, std::size_t> heads_;
  std::size_t size_ = 0;
};

}  // namespace liandong::router
