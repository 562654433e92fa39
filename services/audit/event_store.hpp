// The event store: Liandong's append-only, hash-chained log of every state change, the single
// source of truth the router replays (DESIGN.md, "audit = the event store"). This interface is
// what the audit service owns; SqliteEventStore is its first backend (PostgreSQL may follow).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace liandong::audit {

// An event as an appender hands it in.
struct NewEvent {
  std::string event_id;                    // idempotency key
  std::optional<std::string> incident_id;
  std::string type;                        // "incident.reported"
  std::string actor;                       // peer name that caused it
  std::int64_t at_ms = 0;                  // Unix ms
  std::string body;                        // msgpack bytes (opaque to the store)
};

// An event as stored, with its place in the chain.
struct EventRecord {
  std::int64_t seq = 0;                    // 1, 2, 3, ... without gaps
  std::string event_id;
  std::optional<std::string> incident_id;
  std::string type;
  std::string actor;
  std::int64_t at_ms = 0;
  std::string body;
  std::string prev_hash;                   // 32 raw bytes: the previous record's hash (zeros for seq 1)
  std::string hash;                        // 32 raw bytes: SHA-256 of this record's canonical encoding
};

struct AppendOutcome {
  std::int64_t seq = 0;                    // where the event is in the log
  bool duplicate = false;                  // its event id was already there; nothing was written
};

struct VerifyReport {
  bool intact = true;
  std::int64_t events = 0;                 // records checked
  std::optional<std::int64_t> first_bad_seq;
  std::string problem;                     // "", "hash_mismatch", "gap", "chain_break"
  std::string message;                     // for a person: what is wrong where
};

struct StoreCounters {
  std::uint64_t transactions = 0;          // committed append transactions
  std::uint64_t events_appended = 0;       // new events written
  std::uint64_t duplicates = 0;            // appends answered from an existing event id
  std::uint64_t failed_transactions = 0;   // rolled back because of a fault
};

class EventStore {
 public:
  virtual ~EventStore() = default;

  // Appends all events in ONE transaction (group commit) and returns one outcome per event, in
  // order; returns only after the commit is durable per the configured sync mode. An event id
  // already in the log (or earlier in the same batch) is not written again: its outcome carries
  // the existing seq and duplicate=true. On any failure nothing of the batch is written, the
  // Status says why (UNAVAILABLE: locked, read-only, disk full, I/O error), and the store stays
  // usable: a later call succeeds once the fault clears.
  virtual Result<std::vector<AppendOutcome>> append(const std::vector<NewEvent>& events) = 0;

  // Reads: all events of an incident in seq order; events with from_seq <= seq <= to_seq; events
  // with from_ms <= at_ms <= to_ms in seq order, starting after `after_seq`. Each returns at most
  // `limit` records. Reads work while appends are failing, where SQLite allows.
  virtual Result<std::vector<EventRecord>> read_incident(const std::string& incident_id, std::int64_t after_seq,
                                                         std::int64_t limit) = 0;
  virtual Result<std::vector<EventRecord>> read_range(std::int64_t from_seq, std::int64_t to_seq,
                                                      std::int64_t limit) = 0;
  virtual Result<std::vector<EventRecord>> read_time_range(std::int64_t from_ms, std::int64_t to_ms,
                                                           std::int64_t after_seq, std::int64_t limit) = 0;

  // Checks the whole chain from seq 1: sequence numbers without gaps, each record's hash, and each
  // record's prev_hash equal to the previous record's hash. Reports the first problem.
  virtual Result<VerifyReport> verify() = 0;

  // The newest sequence number (0 for an empty log).
  virtual std::int64_t last_seq() const = 0;
  virtual StoreCounters counters() const = 0;
};

}  // namespace liandong::audit
