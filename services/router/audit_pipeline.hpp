// "Write the event first, then act" (issue #4): the router's decisions wait here until every
// event they carry is acknowledged by the audit service, and are released strictly in the order
// they were made, so no message ever reports a state the log does not have yet. Events that are
// refused or not acknowledged in time are sent again (same event id: the audit stores it once).
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "services/router/router_core.hpp"

namespace liandong::router {

class AuditPipeline {
 public:
  explicit AuditPipeline(Millis retry_ms = 1000) : retry_ms_(retry_ms) {}

  struct Output {
    std::vector<v1::AuditEvent> append;  // send to the audit service now
    std::vector<Send> release;           // durable now: send to their peers
  };

  // Takes a decision's events and after-durable messages (its `now` messages are the caller's).
  Output submit(Decision decision, Millis now);
  // The audit acknowledged `event_id` (possibly as a duplicate): whatever it held back goes out.
  Output acknowledged(const std::string& event_id);
  // The audit refused it (UNAVAILABLE) or could not be reached: try again after `retry_ms`.
  void refused(const std::string& event_id, Millis now);
  // Events whose retry time has come.
  std::vector<v1::AuditEvent> due(Millis now);

  std::size_t unacknowledged() const { return unacked_.size(); }
  std::size_t held_decisions() const { return fifo_.size(); }

 private:
  struct Held {
    std::set<std::string> waiting;
    std::vector<Send> sends;
  };
  struct Unacked {
    v1::AuditEvent event;
    Millis retry_at = 0;
  };
  void release_ready(Output& out);

  Millis retry_ms_;
  std::deque<Held> fifo_;
  std::map<std::string, Unacked> unacked_;
};

}  // namespace liandong::router
