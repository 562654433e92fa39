// The SQLite backend of the event store (issue #3): one database file in WAL mode with the schema
// of schemas/audit_schema.sql, records chained by hash_chain.hpp, one transaction per append batch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "services/audit/event_store.hpp"

namespace liandong::audit {

struct SqliteConnection;  // the sqlite3 handle and its prepared statements (sqlite_event_store.cpp)

// The schema version this code writes and reads (PRAGMA user_version).
inline constexpr std::int64_t kAuditSchemaVersion = 1;

// The SQL run on a new database; the same text as schemas/audit_schema.sql (a unit test compares).
std::string_view audit_schema_sql();

struct SqliteStoreOptions {
  std::string path;  // the database file; created if missing, unless read_only

  // When an append counts as durable (PRAGMA synchronous, in WAL mode):
  //   "full"   the WAL is fsynced at every commit: an acknowledged event survives a process
  //            crash, an OS crash and a power loss.
  //   "normal" the WAL is fsynced only at checkpoints: an acknowledged event survives a process
  //            crash (kill -9), but the last commits before an OS crash or power loss may be lost
  //            (the log stays consistent and its chain intact, it just ends earlier).
  std::string sync = "full";

  // How long an append waits for another connection's write lock before it fails with
  // UNAVAILABLE "locked". Also applies to opening.
  std::int64_t busy_timeout_ms = 2000;

  // Opens with SQLITE_OPEN_READONLY, for offline verify and export: the file must exist and is
  // never written (no WAL switch, no schema creation); append() fails with UNAVAILABLE
  // "read-only"; a damaged newest record does not stop open() (verify() reports it).
  bool read_only = false;

  // Caps the file at this many pages (PRAGMA max_page_count): appends beyond fail as if the disk
  // were full. For tests; unset in production.
  std::optional<std::int64_t> max_page_count;
};

// An EventStore in one SQLite file.
//
// open() refuses (naming the file): a file that is not a SQLite database or is corrupt (kIo), a
// SQLite database that is not an audit log or has a newer schema version (kConfig), and, unless
// read_only, a log whose newest record fails its hash or its link to the one before (kIo: the
// log was changed; appending to it would extend a damaged chain).
//
// A read-only FILE (permissions, read-only mount) opened without read_only: if SQLite can read
// it, open() succeeds and writable() is false; reads and verify() work, and each append() fails
// with UNAVAILABLE "... is read-only" and writes nothing. Each append() first checks whether the
// file has become writable and, if so, reopens it, so appends resume by themselves once the fault
// is cleared. (Should that reopen fail, reads answer UNAVAILABLE until an append reopens it.) If
// SQLite cannot even read the file (a WAL database needs to create its -shm file beside it),
// open() fails naming read-only.
//
// The chain's tail is re-read inside every append transaction, so several processes may append
// to one file without forking the chain; last_seq() is this process's view (updated at open and
// after each of its own commits).
//
// Thread-safety: none. Use one store from one thread at a time (the audit service's loop).
class SqliteEventStore final : public EventStore {
 public:
  static Result<std::unique_ptr<SqliteEventStore>> open(const SqliteStoreOptions& options);
  ~SqliteEventStore() override;

  SqliteEventStore(const SqliteEventStore&) = delete;
  SqliteEventStore& operator=(const SqliteEventStore&) = delete;

  // EventStore. A limit of 0 returns no records; a negative limit is INVALID_VALUE. An event with
  // an empty event_id makes append() fail with INVALID_VALUE before anything is written.
  Result<std::vector<AppendOutcome>> append(const std::vector<NewEvent>& events) override;
  Result<std::vector<EventRecord>> read_incident(const std::string& incident_id, std::int64_t after_seq,
                                                 std::int64_t limit) override;
  Result<std::vector<EventRecord>> read_range(std::int64_t from_seq, std::int64_t to_seq,
                                              std::int64_t limit) override;
  Result<std::vector<EventRecord>> read_time_range(std::int64_t from_ms, std::int64_t to_ms,
                                                   std::int64_t after_seq, std::int64_t limit) override;
  // Streams the log in seq order (never all of it in memory); also reports as a gap events this
  // process committed that are no longer at the end of the log.
  Result<VerifyReport> verify() override;
  std::int64_t last_seq() const override { return last_seq_; }
  // failed_transactions counts every append() refused by a fault (locked, read-only, full, I/O),
  // whether it failed at BEGIN, during the inserts or at COMMIT.
  StoreCounters counters() const override { return counters_; }

  const std::string& path() const { return options_.path; }
  // False when opened read_only, while the file is read-only, or while a reopen found its end damaged.
  bool writable() const;

  // Sets PRAGMA max_page_count on this connection (and on any reopen). SQLite never sets it below
  // the file's current size, so a small value means "full from now on". For tests.
  Status set_max_page_count(std::int64_t pages);

 private:
  SqliteEventStore(SqliteStoreOptions options, std::unique_ptr<SqliteConnection> conn, std::int64_t last_seq);
  Status reopen_if_read_only();
  Status not_open() const;
  Status append_fault(int rc, std::size_t batch_size);

  SqliteStoreOptions options_;
  std::unique_ptr<SqliteConnection> conn_;  // null only after a failed reopen; the next append retries
  std::string reopen_error_;
  std::int64_t last_seq_ = 0;
  StoreCounters counters_;
};

}  // namespace liandong::audit
