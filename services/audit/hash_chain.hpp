// The audit log's hash chain (issue #3): the canonical encoding of an event record, its SHA-256
// hash, and ChainVerifier, which walks records in seq order and names the first broken one.
// Start here to see what makes a stored event tamper-evident; sqlite_event_store.* stores it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "services/audit/event_store.hpp"

namespace liandong::audit {

inline constexpr std::size_t kHashSize = 32;  // SHA-256

// The prev_hash of seq 1: 32 zero bytes.
std::string genesis_hash();

// The bytes that are hashed: a msgpack array of exactly 8 elements,
//   [seq (int), event_id (str), incident_id (str, or nil when absent), type (str), actor (str),
//    at_ms (int), body (bin: the stored bytes), prev_hash (bin)]
// with every integer, str and bin header in its smallest msgpack form (as msgpack-cxx and
// python-msgpack both write them), so another implementation can recompute a hash. `record.hash`
// is not part of it.
std::string canonical_encoding(const EventRecord& record);

// SHA-256 (libsodium crypto_hash_sha256) of canonical_encoding(record): 32 raw bytes.
std::string event_hash(const EventRecord& record);

// Lower-case hex of raw bytes ("00ff..."), for messages and exports.
std::string to_hex(std::string_view bytes);

// Checks records fed to it in seq order and keeps the FIRST problem found:
//   gap          seq is not previous+1 (or the log does not start at seq 1); first_bad_seq is the
//                first missing seq
//   hash_mismatch a record's stored hash is not event_hash() of its contents
//   chain_break  a record's prev_hash is not the previous record's hash (or, for seq 1, not the
//                genesis hash), or seq goes backwards
// After a problem, further records are ignored. Produces a VerifyReport, never a Status.
class ChainVerifier {
 public:
  // Expects the log from seq 1, whose prev_hash is genesis_hash().
  ChainVerifier();
  // Resumes after a record already trusted: the next record must be `after_seq` + 1 and link to
  // `after_hash` (used to check the newest records of a log cheaply).
  ChainVerifier(std::int64_t after_seq, std::string after_hash);

  // Checks the next record; returns false once a problem has been found.
  bool add(const EventRecord& record);

  // Declares where the log must end: if fewer records were seen (and no other problem was found),
  // the missing tail is reported as a gap.
  void expect_last_seq(std::int64_t last_seq);

  const VerifyReport& report() const { return report_; }

 private:
  void fail(std::int64_t seq, std::string problem, std::string message);

  VerifyReport report_;
  bool started_from_genesis_;
  std::int64_t last_seq_;
  std::string last_hash_;
};

}  // namespace liandong::audit
