// The open-loop driver: message i is due at start + i / rate and leaves then, whatever happened
// before (no waiting for answers), and its latency runs from that due time to its answer, so a
// stall shows in every message that waited behind it instead of slowing the offered load. The
// first `warmup` of the schedule is sent and must be answered but is not measured.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bench/latency_stats.hpp"
#include "bench/paced_peer.hpp"
#include "core/envelope.hpp"
#include "core/status.hpp"

namespace liandong::bench {

struct OpenLoopSchedule {
  double rate_per_s = 1000;
  std::chrono::milliseconds duration{20'000};       // measured part
  std::chrono::milliseconds warmup{1'000};
  std::chrono::milliseconds drain_timeout{10'000};  // after the last send, for the last answers

  std::size_t warmup_messages() const;
  std::size_t measured_messages() const;
};

// The messages to send, encoded beforehand so sending costs the harness almost nothing. keys[i]
// is what the answer to message i names (an event id, a query id).
struct OpenLoopMessages {
  std::string destination;
  std::string command;
  std::vector<std::string> bodies;
  std::vector<std::string> keys;
};

// Reads an answer: the key it answers, nothing for a message to ignore, or an error that ends
// the run (an ERROR refusing a message).
using AnswerKey = std::function<Result<std::optional<std::string>>(const Envelope&)>;

struct OpenLoopOutcome {
  std::size_t measured = 0;   // messages in the measured part
  LatencySummary latency;     // due time -> answer received
  LatencySummary send_lag;    // due time -> actually sent: the harness's own delay
};

// Sends schedule.warmup_messages() + measured_messages() messages from `messages` (which must hold
// at least that many). Fails when an answer is missing drain_timeout after the last send, when
// `answer_key` fails, or on SIGINT/SIGTERM.
Result<OpenLoopOutcome> run_open_loop(PacedPeer& peer, const OpenLoopMessages& messages,
                                      const OpenLoopSchedule& schedule, const AnswerKey& answer_key);

}  // namespace liandong::bench
