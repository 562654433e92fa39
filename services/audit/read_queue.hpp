// Reads waiting at the audit service (AUDIT_QUERY, AUDIT_VERIFY): one queue per peer, served round
// robin after each commit, so a peer flooding reads delays its own answers, not appends and not
// other peers' reads (docs/security.md, "Reads beside writes").
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "schemas/messages.hpp"
#include "services/audit/hash_chain.hpp"

namespace liandong::audit {

// One read request and, for a verification, how far its walk has come.
struct PendingRead {
  std::string peer;
  std::string message_id;
  std::string command;
  std::optional<v1::AuditQuery> query;    // set for AUDIT_QUERY
  std::optional<v1::AuditVerify> verify;  // set for AUDIT_VERIFY
  // A verification walks the log in slices: the records up to `until_seq` (the log's end when it
  // started), the next one to read being `next_seq`.
  bool started = false;
  std::int64_t next_seq = 1;
  std::int64_t until_seq = 0;
  ChainVerifier verifier;
};

class ReadQueue {
 public:
  explicit ReadQueue(std::size_t max_per_peer) : max_per_peer_(max_per_peer) {}

  // Queues `read` behind the same peer's earlier ones; false (nothing queued) when that peer
  // already has max_per_peer reads waiting.
  bool push(PendingRead read);
  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  // The read whose turn it is: the oldest of the peer whose turn it is. Requires !empty().
  PendingRead& front();
  // Ends front()'s turn: removes it when `done`, and passes the turn to the next peer either way
  // (an unfinished verification goes on at that peer's next turn, ahead of its later reads).
  void end_turn(bool done);

 private:
  std::size_t max_per_peer_;
  std::map<std::string, std::deque<PendingRead>> by_peer_;
  std::deque<std::string> turns_;  // peers with reads waiting, whose turn comes first
  std::size_t size_ = 0;
};

}  // namespace liandong::audit
