#include "bench/open_loop.hpp"

#include <cmath>
#include <unordered_map>

#include "core/service_main.hpp"

namespace liandong::bench {

namespace {
using Steady = std::chrono::steady_clock;

std::int64_t ns_between(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

std::size_t messages_in(std::chrono::milliseconds d, double rate_per_s) {
  return static_cast<std::size_t>(std::llround(rate_per_s * static_cast<double>(d.count()) / 1000.0));
}
}  // namespace

std::size_t OpenLoopSchedule::warmup_messages() const { return messages_in(warmup, rate_per_s); }
std::size_t OpenLoopSchedule::measured_messages() const { return messages_in(duration, rate_per_s); }

Result<OpenLoopOutcome> run_open_loop(PacedPeer& peer, const OpenLoopMessages& messages,
                                      const OpenLoopSchedule& schedule, const AnswerKey& answer_key) {
  const std::size_t warmup = schedule.warmup_messages();
  const std::size_t total = warmup + schedule.measured_messages();
  if (messages.bodies.size() < total || messages.keys.size() < total) {
    return Status(ErrorCode::kInternal, "open loop: " + std::to_string(total) + " messages scheduled, " +
                                            std::to_string(messages.bodies.size()) + " prepared");
  }
  std::unordered_map<std::string_view, std::size_t> index_of;
  index_of.reserve(total);
  for (std::size_t i = 0; i < total; ++i) index_of.emplace(messages.keys[i], i);
  std::vector<bool> answered(total, false);
  LatencyRecorder latency, send_lag;
  latency.reserve(total);
  send_lag.reserve(total);

  const auto start = Steady::now() + std::chrono::milliseconds(20);
  const auto due = [&](std::size_t i) {
    return start + std::chrono::nanoseconds(std::llround(static_cast<double>(i) * 1e9 / schedule.rate_per_s));
  };
  std::size_t next = 0, answered_total = 0;
  auto drain_deadline = Steady::time_point::max();
  while (answered_total < total) {
    if (stop_requested()) return Status(ErrorCode::kIo, "interrupted by a signal");
    auto env = peer.receive_until(next < total ? due(next) : drain_deadline);
    auto now = Steady::now();
    if (env) {
      auto key = answer_key(*env);
      if (!key.ok()) return key.status();
      if (*key) {
        const auto it = index_of.find(**key);
        if (it != index_of.end() && !answered[it->second]) {
          answered[it->second] = true;
          ++answered_total;
          if (it->second >= warmup) latency.record_ns(ns_between(due(it->second), now));
        }
      }
    }
    for (; next < total && due(next) <= now; ++next) {
      peer.send(messages.destination, messages.command, messages.bodies[next]);
      now = Steady::now();
      if (next >= warmup) send_lag.record_ns(ns_between(due(next), now));
      if (next + 1 == total) drain_deadline = now + schedule.drain_timeout;
    }
    if (next == total && now >= drain_deadline && answered_total < total) {
      return Status(ErrorCode::kTimeout, std::to_string(total - answered_total) + " of " + std::to_string(total) + " " +
                                             messages.command + "s had no answer " +
                                             std::to_string(schedule.drain_timeout.count()) +
                                             " ms after the last was sent");
    }
  }
  OpenLoopOutcome outcome;
  outcome.measured = total - warmup;
  outcome.latency = latency.summarize();
  outcome.send_lag = send_lag.summarize();
  return outcome;
}

}  // namespace liandong::bench
