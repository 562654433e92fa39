// Time for services: a monotonic clock for deadlines and a wall clock for timestamps.
// Services take a Clock& so tests drive time with ManualClock instead of sleeping.
#pragma once

#include <atomic>
#include <cstdint>

namespace liandong {

// Milliseconds. Monotonic time has an arbitrary origin; wall time is since the Unix epoch (UTC).
using Millis = std::int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Millis monotonic_ms() const = 0;
  virtual Millis wall_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  Millis monotonic_ms() const override;
  Millis wall_ms() const override;
};

// A clock that moves only when told to. Safe to read from several threads.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Millis start_wall_ms = 1'700'000'000'000) : wall_origin_(start_wall_ms) {}
  Millis monotonic_ms() const override { return now_.load(); }
  Millis wall_ms() const override { return wall_origin_ + now_.load(); }
  void advance(Millis ms) { now_ += ms; }

 private:
  Millis wall_origin_;
  std::atomic<Millis> now_{0};
};

}  // namespace liandong
