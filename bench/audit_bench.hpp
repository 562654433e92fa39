// Durable appends through the real processes (issue #3, "Performance"): a bench client sends
// AUDIT_EVENTs through a real liandong-broker to a real liandong-audit and counts AUDIT_ACKs, each
// of which the audit sends only after the event's transaction committed at the chosen sync level.
// Every run starts its own broker and audit on a fresh database and stops them at the end.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "bench/latency_stats.hpp"
#include "bench/open_loop.hpp"
#include "bench/stack.hpp"
#include "core/status.hpp"

namespace liandong::bench {

// CPU seconds each process used during the measured part of a run.
struct CpuUse {
  double broker_s = 0;
  double audit_s = 0;
  double bench_s = 0;  // this process: the client side
  double audit_peak_rss_mb = 0;
};

// What the audit's STATS said about the run: how well group commit grouped.
struct CommitFigures {
  std::uint64_t transactions = 0;
  std::uint64_t events_appended = 0;
  double events_per_transaction = 0;
};

struct ClosedLoopOptions {
  std::string sync = "full";
  std::size_t events = 100'000;
  std::size_t window = 2'000;                        // AUDIT_EVENTs outstanding at most
  std::chrono::milliseconds ack_timeout{10'000};     // no AUDIT_ACK for this long: the run fails
};

struct ClosedLoopResult {
  ClosedLoopOptions options;
  std::size_t acked = 0;
  std::size_t duplicates = 0;                        // acks with duplicate=true (expected 0)
  double seconds = 0;                                // first send to last ack
  double appends_per_s = 0;                          // acked / seconds
  LatencySummary ack_latency;                        // send -> ack; in a closed loop mostly queueing
  CommitFigures commits;
  CpuUse cpu;
};

struct AppendLatencyOptions {
  std::string sync = "full";
  OpenLoopSchedule appends;                          // AUDIT_EVENTs, 1,000/s for 20 s by default
  // Before the appends, the same schedule of AUDIT_QUERYs for an incident with no events: the
  // round trip through the broker and the audit's loop without a disk write (the bus hop).
  OpenLoopSchedule probe{1000, std::chrono::milliseconds(5'000), std::chrono::milliseconds(500)};
};

struct AppendLatencyResult {
  AppendLatencyOptions options;
  OpenLoopOutcome appends;                           // scheduled send -> AUDIT_ACK
  OpenLoopOutcome probe;                             // scheduled send -> AUDIT_EVENTS (no write)
  CommitFigures commits;                             // of the append part
  CpuUse cpu;                                        // of the append part
};

// Runs the closed loop: keeps `window` events outstanding until `events` are acknowledged.
// Fails (one line) when a process does not start or stop cleanly, an ERROR answers an append, or
// no acknowledgement arrives for ack_timeout.
Result<ClosedLoopResult> run_closed_loop(const Binaries& binaries, const ClosedLoopOptions& options);

// Measures append latency at a fixed offered rate (open loop, see open_loop.hpp), after the bus
// probe on the same processes. Fails as run_closed_loop does, or when an answer never comes.
Result<AppendLatencyResult> run_append_latency(const Binaries& binaries, const AppendLatencyOptions& options);

}  // namespace liandong::bench
