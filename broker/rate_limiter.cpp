#include "broker/rate_limiter.hpp"

#include <algorithm>

namespace liandong::broker {

std::map<std::string, RateLimit> default_rate_limits() {
  return {
      {"gateway", {5000, 20000}},  {"unit", {50, 200}},    {"relay", {200, 1000}}, {"cli", {500, 2000}},
      {"supervisor", {500, 2000}}, {"console", {500, 2000}},
  };
}

RateLimit RateLimiter::limit_of(const std::string& role) const {
  auto it = limits_.find(role);
  return it == limits_.end() ? RateLimit{} : it->second;
}

bool RateLimiter::admit(const std::string& routing_id, const std::string& role, Millis now) {
  if (!enabled_) return true;
  const RateLimit limit = limit_of(role);
  if (limit.per_second <= 0) return true;
  auto [it, fresh] = buckets_.try_emplace(routing_id);
  Bucket& bucket = it->second;
  if (fresh) {
    bucket.tokens = limit.burst;
    bucket.limit = limit;
  } else {
    const double elapsed_s = static_cast<double>(std::max<Millis>(0, now - bucket.refilled_at)) / 1000.0;
    bucket.tokens = std::min(limit.burst, bucket.tokens + elapsed_s * limit.per_second);
  }
  bucket.refilled_at = now;
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

void RateLimiter::prune(Millis now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    const Bucket& b = it->second;
    const double elapsed_s = static_cast<double>(std::max<Millis>(0, now - b.refilled_at)) / 1000.0;
    if (b.tokens + elapsed_s * b.limit.per_second >= b.limit.burst) {
      it = buckets_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace liandong::broker
