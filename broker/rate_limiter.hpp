// Per-peer flood control (docs/security.md, "Flood control"): a token bucket for each registered
// peer, sized by its role. A peer over its rate gets BUSY for the excess and nothing else
// changes, so one flooding relay or unit cannot starve the alarms of everyone else.
#pragma once

#include <map>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"

namespace liandong::broker {

struct RateLimit {
  double per_second = 0;  // 0: unlimited
  double burst = 0;       // tokens a quiet peer may spend at once
};

// The defaults per role: the router and audit answer everyone and are never limited; a gateway
// may catch up a backlog after an outage; people's tools and single devices need little.
std::map<std::string, RateLimit> default_rate_limits();

class RateLimiter {
 public:
  explicit RateLimiter(std::map<std::string, RateLimit> limits = default_rate_limits(), bool enabled = true)
      : limits_(std::move(limits)), enabled_(enabled) {}

  // Takes one token from the peer's bucket; false when it is empty (answer BUSY).
  bool admit(const std::string& routing_id, const std::string& role, Millis now);
  // The limit that applies to `role` (unlimited for a role without one).
  RateLimit limit_of(const std::string& role) const;
  void forget(const std::string& routing_id) { buckets_.erase(routing_id); }
  // Drops the buckets that are full again by `now`: a full bucket is what a new one would be, so
  // forgetting it changes nothing but memory. Keeps the table bounded by recent connections.
  void prune(Millis now);
  std::size_t buckets() const { return buckets_.size(); }
  bool enabled() const { return enabled_; }

 private:
  struct Bucket {
    double tokens = 0;
    Millis refilled_at = 0;
    RateLimit limit;
  };
  std::map<std::string, RateLimit> limits_;
  bool enabled_;
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace liandong::broker
