#include "services/audit/sqlite_event_store.hpp"

#include <sqlite3.h>

#include <fcntl.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "services/audit/hash_chain.hpp"

namespace liandong::audit {

namespace fs = std::filesystem;

namespace {

// Identical to schemas/audit_schema.sql (tests/unit/audit_store_test.cpp compares them).
constexpr std::string_view kSchemaSql = R"sql(-- The audit log's SQLite schema, version 1 (issue #3; DESIGN.md, "audit = the event store").
-- services/audit/sqlite_event_store.cpp runs an identical copy on a new database, in one
-- transaction; a unit test (tests/unit/audit_store_test.cpp) checks that the two are the same.
-- The version is kept in PRAGMA user_version; the file is used in WAL mode.

-- One row per event, append-only: rows are inserted, never updated or deleted.
-- Each row's hash is SHA-256 over the canonical msgpack encoding of
-- [seq, event_id, incident_id, type, actor, at_ms, body, prev_hash]
-- (services/audit/hash_chain.hpp), and prev_hash is the hash of row seq-1,
-- so changing, removing or reordering a row breaks the chain that `liandong audit verify` checks.
CREATE TABLE IF NOT EXISTS events (
  seq         INTEGER PRIMARY KEY,   -- position in the log: 1, 2, 3, ... without gaps
  event_id    TEXT NOT NULL UNIQUE,  -- the appender's idempotency key
  incident_id TEXT,                  -- the incident it concerns; NULL for none
  type        TEXT NOT NULL,         -- 'incident.reported', 'order.dispatched', ...
  actor       TEXT NOT NULL,         -- the peer name that caused it
  at_ms       INTEGER NOT NULL,      -- when it happened, Unix milliseconds (the appender's clock)
  body        BLOB NOT NULL,         -- the event's data: msgpack bytes, opaque to the store
  prev_hash   BLOB NOT NULL,         -- 32 bytes: hash of row seq-1; 32 zero bytes for seq 1
  hash        BLOB NOT NULL          -- 32 bytes: this row's hash
);

-- An incident's trail, in order.
CREATE INDEX IF NOT EXISTS events_by_incident ON events (incident_id, seq);

-- Events by time range, then by seq.
CREATE INDEX IF NOT EXISTS events_by_time ON events (at_ms, seq);

PRAGMA user_version = 1;
)sql";

// Column order read by read_record().
#define LIANDONG_AUDIT_COLUMNS "seq, event_id, incident_id, type, actor, at_ms, body, prev_hash, hash"

constexpr const char* kBeginSql = "BEGIN IMMEDIATE";
constexpr const char* kCommitSql = "COMMIT";
constexpr const char* kRollbackSql = "ROLLBACK";
constexpr const char* kTailLinkSql = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
constexpr const char* kFindEventSql = "SELECT seq FROM events WHERE event_id = ?1";
constexpr const char* kInsertSql =
    "INSERT INTO events (" LIANDONG_AUDIT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr const char* kByIncidentSql =
    "SELECT " LIANDONG_AUDIT_COLUMNS " FROM events WHERE incident_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3";
constexpr const char* kByRangeSql =
    "SELECT " LIANDONG_AUDIT_COLUMNS " FROM events WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3";
constexpr const char* kByTimeSql = "SELECT " LIANDONG_AUDIT_COLUMNS
                                   " FROM events WHERE at_ms >= ?1 AND at_ms <= ?2 AND seq > ?3 ORDER BY seq LIMIT ?4";
constexpr const char* kNewestTwoSql = "SELECT " LIANDONG_AUDIT_COLUMNS " FROM events ORDER BY seq DESC LIMIT 2";
constexpr const char* kAllSql = "SELECT " LIANDONG_AUDIT_COLUMNS " FROM events ORDER BY seq";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Resets a kept statement when a use of it ends, so no read transaction stays open behind it.
class StmtUse {
 public:
  explicit StmtUse(const StmtPtr& stmt) : stmt_(stmt.get()) {}
  ~StmtUse() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_;
};

int prepare(sqlite3* db, const char* sql, StmtPtr& out, unsigned flags) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v3(db, sql, -1, flags, &raw, nullptr);
  out.reset(raw);
  return rc;
}

// Runs a statement expected to return one row with one column; SQLITE_OK when it did.
int query_one(sqlite3* db, const char* sql, std::int64_t* as_int, std::string* as_text) {
  StmtPtr stmt;
  int rc = prepare(db, sql, stmt, 0);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_step(stmt.get());
  if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? SQLITE_ERROR : rc;
  if (as_int != nullptr) *as_int = sqlite3_column_int64(stmt.get(), 0);
  if (as_text != nullptr) {
    const auto* text = sqlite3_column_text(stmt.get(), 0);
    *as_text = text == nullptr ? "" : reinterpret_cast<const char*>(text);
  }
  return SQLITE_OK;
}

int exec(sqlite3* db, const std::string& sql) { return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); }

std::string column_bytes(sqlite3_stmt* stmt, int col) {
  const auto* data = static_cast<const char*>(sqlite3_column_blob(stmt, col));
  const int size = sqlite3_column_bytes(stmt, col);
  return data == nullptr ? std::string() : std::string(data, static_cast<std::size_t>(size));
}

EventRecord read_record(sqlite3_stmt* stmt) {
  EventRecord r;
  r.seq = sqlite3_column_int64(stmt, 0);
  r.event_id = column_bytes(stmt, 1);
  if (sqlite3_column_type(stmt, 2) != SQLITE_NULL) r.incident_id = column_bytes(stmt, 2);
  r.type = column_bytes(stmt, 3);
  r.actor = column_bytes(stmt, 4);
  r.at_ms = sqlite3_column_int64(stmt, 5);
  r.body = column_bytes(stmt, 6);
  r.prev_hash = column_bytes(stmt, 7);
  r.hash = column_bytes(stmt, 8);
  return r;
}

// The bound strings must outlive the step: SQLITE_STATIC avoids copying bodies.
int bind_text(sqlite3_stmt* stmt, int index, const std::string& s) {
  return sqlite3_bind_text64(stmt, index, s.data(), s.size(), SQLITE_STATIC, SQLITE_UTF8);
}
int bind_blob(sqlite3_stmt* stmt, int index, const std::string& s) {
  return sqlite3_bind_blob64(stmt, index, s.data(), s.size(), SQLITE_STATIC);
}

int bind_record(sqlite3_stmt* stmt, const EventRecord& r) {
  int rc = sqlite3_bind_int64(stmt, 1, r.seq);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 2, r.event_id);
  if (rc == SQLITE_OK) rc = r.incident_id ? bind_text(stmt, 3, *r.incident_id) : sqlite3_bind_null(stmt, 3);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 4, r.type);
  if (rc == SQLITE_OK) rc = bind_text(stmt, 5, r.actor);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(stmt, 6, r.at_ms);
  if (rc == SQLITE_OK) rc = bind_blob(stmt, 7, r.body);
  if (rc == SQLITE_OK) rc = bind_blob(stmt, 8, r.prev_hash);
  if (rc == SQLITE_OK) rc = bind_blob(stmt, 9, r.hash);
  return rc;
}

std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

// What a person can act on, for a fault while using an open database.
std::string describe_fault(const std::string& path, int rc, const char* doing, std::int64_t busy_timeout_ms) {
  const std::string db = "the audit database " + in_quotes(path);
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return db + " is locked by another process (waited " + std::to_string(busy_timeout_ms) + " ms)";
    case SQLITE_READONLY: return db + " is read-only";
    case SQLITE_FULL: return "the disk (or the database's size limit) is full, " + std::string(doing) + " " + db;
    case SQLITE_IOERR: return "I/O error " + std::string(doing) + " " + db;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return db + " is corrupt";
    case SQLITE_CANTOPEN: return "cannot open a file of " + db + " (the database, its -wal or its -shm file)";
    case SQLITE_NOMEM: return "out of memory " + std::string(doing) + " " + db;
    default: return "failed " + std::string(doing) + " " + db;
  }
}

Status read_fault(const std::string& path, sqlite3* db, int rc, std::int64_t busy_timeout_ms) {
  return Status(ErrorCode::kUnavailable,
                describe_fault(path, rc, "reading", busy_timeout_ms) + " (SQLite: " + sqlite3_errmsg(db) + ")");
}

// A problem found while opening: the file is not usable as an audit log.
Status open_fault(const std::string& path, sqlite3* db, int rc, std::int64_t busy_timeout_ms) {
  const std::string detail = db == nullptr ? sqlite3_errstr(rc) : sqlite3_errmsg(db);
  switch (rc & 0xFF) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return Status(ErrorCode::kIo, in_quotes(path) + " is not a Liandong audit database or is corrupt: " + detail);
    case SQLITE_READONLY:
      return Status(ErrorCode::kIo, "cannot open the audit database " + in_quotes(path) +
                                        ": it is read-only, and SQLite cannot read a WAL database without creating "
                                        "its -shm file beside it (SQLite: " + detail + ")");
    default:
      return Status(ErrorCode::kIo, describe_fault(path, rc, "opening", busy_timeout_ms) + " (SQLite: " + detail + ")");
  }
}

Status check_options(const SqliteStoreOptions& o) {
  if (o.path.empty()) return Status(ErrorCode::kConfig, "audit database path is empty");
  if (o.sync != "full" && o.sync != "normal") {
    return Status(ErrorCode::kConfig, "sync must be \"full\" or \"normal\", got \"" + o.sync + "\"");
  }
  if (o.busy_timeout_ms < 0 || o.busy_timeout_ms > INT_MAX) {
    return Status(ErrorCode::kConfig, "busy_timeout_ms must be between 0 and " + std::to_string(INT_MAX) + ", got " +
                                          std::to_string(o.busy_timeout_ms));
  }
  if (o.max_page_count && *o.max_page_count <= 0) {
    return Status(ErrorCode::kConfig, "max_page_count must be positive, got " + std::to_string(*o.max_page_count));
  }
  return Status::Ok();
}

}  // namespace

std::string_view audit_schema_sql() { return kSchemaSql; }

struct SqliteConnection {
  DbPtr db;
  bool writable = false;
  StmtPtr begin, commit, rollback, tail_link, find_event, insert, by_incident, by_range, by_time, newest_two;
};

namespace {

// Creates the schema in a new (empty) database; leaves an existing audit log alone.
Status create_schema(const std::string& path, sqlite3* db, std::int64_t busy_timeout_ms) {
  int rc = exec(db, "BEGIN IMMEDIATE");
  if (rc != SQLITE_OK) return open_fault(path, db, rc, busy_timeout_ms);
  // Read again under the write lock: another process may have created it meanwhile.
  std::int64_t version = 0;
  std::int64_t tables = 0;
  rc = query_one(db, "PRAGMA user_version", &version, nullptr);
  if (rc == SQLITE_OK) rc = query_one(db, "SELECT count(*) FROM sqlite_schema", &tables, nullptr);
  Status status;
  if (rc != SQLITE_OK) {
    status = open_fault(path, db, rc, busy_timeout_ms);
  } else if (version == 0 && tables > 0) {
    status = Status(ErrorCode::kConfig, in_quotes(path) + " is a SQLite database but not a Liandong audit log (it has "
                                            "other tables and no audit schema version)");
  } else if (version == 0) {
    rc = exec(db, std::string(kSchemaSql));
    if (rc == SQLITE_OK) rc = exec(db, "COMMIT");
    if (rc != SQLITE_OK) status = open_fault(path, db, rc, busy_timeout_ms);
  }
  if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
  return status;
}

Result<std::unique_ptr<SqliteConnection>> connect(const SqliteStoreOptions& o) {
  std::error_code ec;
  if (o.read_only && !fs::exists(o.path, ec)) {
    return Status(ErrorCode::kIo, "the audit database " + in_quotes(o.path) + " does not exist");
  }
  const fs::path dir = fs::path(o.path).parent_path();
  if (!o.read_only && !dir.empty() && !fs::is_directory(dir, ec)) {
    return Status(ErrorCode::kIo, "cannot create the audit database " + in_quotes(o.path) + ": its directory " +
                                      in_quotes(dir.string()) + " does not exist");
  }
  const int flags =
      SQLITE_OPEN_NOMUTEX | (o.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(o.path.c_str(), &raw, flags, nullptr);
  auto conn = std::make_unique<SqliteConnection>();
  conn->db.reset(raw);
  if (rc != SQLITE_OK) return open_fault(o.path, raw, rc, o.busy_timeout_ms);
  sqlite3* db = raw;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(o.busy_timeout_ms));

  // The first read of the file: a file that is not a database, or has a damaged header, fails here.
  std::int64_t version = 0;
  rc = query_one(db, "PRAGMA user_version", &version, nullptr);
  if (rc != SQLITE_OK) return open_fault(o.path, db, rc, o.busy_timeout_ms);
  if (version > kAuditSchemaVersion || version < 0) {
    return Status(ErrorCode::kConfig, in_quotes(o.path) + " has audit schema version " + std::to_string(version) +
                                          "; this build reads version " + std::to_string(kAuditSchemaVersion) +
                                          " (is it from a newer Liandong, or not an audit database?)");
  }

  // SQLite falls back to read-only when the file is write-protected; such a store serves reads only.
  conn->writable = !o.read_only && sqlite3_db_readonly(db, "main") == 0;
  if (conn->writable) {
    std::string mode;
    rc = query_one(db, "PRAGMA journal_mode=WAL", nullptr, &mode);
    if (rc != SQLITE_OK) return open_fault(o.path, db, rc, o.busy_timeout_ms);
    if (mode != "wal") {
      return Status(ErrorCode::kIo, "cannot switch the audit database " + in_quotes(o.path) +
                                        " to WAL mode (journal_mode stays '" + mode + "')");
    }
    rc = exec(db, o.sync == "full" ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    if (rc == SQLITE_OK && o.max_page_count) {
      rc = exec(db, "PRAGMA max_page_count=" + std::to_string(*o.max_page_count));
    }
    if (rc != SQLITE_OK) return open_fault(o.path, db, rc, o.busy_timeout_ms);
    if (version == 0) {
      Status s = create_schema(o.path, db, o.busy_timeout_ms);
      if (!s.ok()) return s;
    }
  } else if (version == 0) {
    return Status(ErrorCode::kIo, in_quotes(o.path) +
                                      " holds no audit log (it is empty or not a Liandong audit database)" +
                                      (o.read_only ? "" : ", and it is read-only, so none can be created"));
  }

  const unsigned keep = SQLITE_PREPARE_PERSISTENT;
  const std::pair<StmtPtr*, const char*> statements[] = {
      {&conn->begin, kBeginSql},           {&conn->commit, kCommitSql},     {&conn->rollback, kRollbackSql},
      {&conn->tail_link, kTailLinkSql},    {&conn->find_event, kFindEventSql}, {&conn->insert, kInsertSql},
      {&conn->by_incident, kByIncidentSql}, {&conn->by_range, kByRangeSql},  {&conn->by_time, kByTimeSql},
      {&conn->newest_two, kNewestTwoSql},
  };
  for (const auto& [stmt, sql] : statements) {
    rc = prepare(db, sql, *stmt, keep);
    if (rc != SQLITE_OK) {
      if ((rc & 0xFF) == SQLITE_ERROR) {  // "no such table: events" and the like
        return Status(ErrorCode::kIo, in_quotes(o.path) + " does not have the audit log's schema (SQLite: " +
                                          sqlite3_errmsg(db) + ")");
      }
      return open_fault(o.path, db, rc, o.busy_timeout_ms);
    }
  }
  return conn;
}

// Reads the newest record (the chain's tail) and, unless read_only, checks it and its link to the
// one before: a cheap guard against extending a chain whose end was altered. Returns its seq.
Result<std::int64_t> check_tail(SqliteConnection& conn, const SqliteStoreOptions& o) {
  std::vector<EventRecord> newest;
  {
    StmtUse use(conn.newest_two);
    int rc;
    while ((rc = sqlite3_step(use.get())) == SQLITE_ROW) newest.push_back(read_record(use.get()));
    if (rc != SQLITE_DONE) return open_fault(o.path, conn.db.get(), rc, o.busy_timeout_ms);
  }
  if (newest.empty()) return std::int64_t{0};
  const EventRecord& tail = newest[0];
  if (o.read_only) return tail.seq;
  ChainVerifier verifier;
  if (newest.size() == 2) {
    // Checks the record before the tail (trusting only its own prev_hash), the tail, and the
    // seq and hash link between them.
    const EventRecord& before = newest[1];
    if (before.seq > 1) verifier = ChainVerifier(before.seq - 1, before.prev_hash);
    verifier.add(before);
  }
  verifier.add(tail);
  if (!verifier.report().intact) {
    return Status(ErrorCode::kIo, "the audit log " + in_quotes(o.path) + " is damaged at its end: " +
                                      verifier.report().message +
                                      "; appends are refused so nothing is chained to it (run `liandong audit "
                                      "verify --db " + o.path + "` to check the whole log)");
  }
  return tail.seq;
}

}  // namespace

Result<std::unique_ptr<SqliteEventStore>> SqliteEventStore::open(const SqliteStoreOptions& options) {
  if (Status s = check_options(options); !s.ok()) return s;
  auto conn = connect(options);
  if (!conn.ok()) return conn.status();
  auto last_seq = check_tail(**conn, options);
  if (!last_seq.ok()) return last_seq.status();
  return std::unique_ptr<SqliteEventStore>(new SqliteEventStore(options, std::move(*conn), *last_seq));
}

SqliteEventStore::SqliteEventStore(SqliteStoreOptions options, std::unique_ptr<SqliteConnection> conn,
                                   std::int64_t last_seq)
    : options_(std::move(options)), conn_(std::move(conn)), last_seq_(last_seq) {}

SqliteEventStore::~SqliteEventStore() = default;

bool SqliteEventStore::writable() const { return conn_ != nullptr && conn_->writable; }

Status SqliteEventStore::not_open() const {
  return Status(ErrorCode::kUnavailable, "the audit database " + in_quotes(options_.path) +
                                             " is not open (reopening it for writing failed; the next append "
                                             "retries): " + reopen_error_);
}

Status SqliteEventStore::reopen_if_read_only() {
  if (conn_ != nullptr && conn_->writable) return Status::Ok();
  const std::string db = "the audit database " + in_quotes(options_.path);
  if (options_.read_only) {
    return Status(ErrorCode::kUnavailable, db + " is read-only: it was opened read-only (for verify or export)");
  }
  const Status still_read_only(
      ErrorCode::kUnavailable,
      db + " is read-only (check the permissions of the file, its -wal and -shm files and its directory, and whether "
           "its file system is mounted read-only); appends are refused until it is writable, reads still work");
  // Cheap test first, so the connection that serves reads is kept while nothing has changed.
  if (conn_ != nullptr && faccessat(AT_FDCWD, options_.path.c_str(), W_OK, AT_EACCESS) != 0) return still_read_only;
  // Close before reconnecting: connections of one process share one WAL-index mapping per file,
  // and the read-only one would leave the new connection unable to write.
  conn_.reset();
  auto fresh = connect(options_);
  if (!fresh.ok()) {
    reopen_error_ = fresh.status().message();
    return not_open();
  }
  conn_ = std::move(*fresh);
  if (!conn_->writable) return still_read_only;
  auto last_seq = check_tail(*conn_, options_);
  if (!last_seq.ok()) {
    conn_->writable = false;  // keep serving reads; refuse appends until the tail checks out
    return Status(ErrorCode::kUnavailable, last_seq.status().message());
  }
  last_seq_ = *last_seq;
  return Status::Ok();
}

// Called right after the failing SQLite call, before anything else touches the connection.
Status SqliteEventStore::append_fault(int rc, std::size_t batch_size) {
  sqlite3* db = conn_->db.get();
  const std::string detail = sqlite3_errmsg(db);
  if (!sqlite3_get_autocommit(db)) {  // SQLite rolls back by itself after some errors, not all
    StmtUse use(conn_->rollback);
    sqlite3_step(use.get());
  }
  ++counters_.failed_transactions;
  return Status(ErrorCode::kUnavailable, describe_fault(options_.path, rc, "writing", options_.busy_timeout_ms) +
                                             " (SQLite: " + detail + "); the " + std::to_string(batch_size) +
                                             " event(s) of this append were not written");
}

Result<std::vector<AppendOutcome>> SqliteEventStore::append(const std::vector<NewEvent>& events) {
  if (events.empty()) return std::vector<AppendOutcome>{};
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (events[i].event_id.empty()) {
      return Status(ErrorCode::kInvalidValue, "event " + std::to_string(i) + " of the append (type '" + events[i].type +
                                                  "') has an empty event_id; nothing was written");
    }
  }
  if (Status s = reopen_if_read_only(); !s.ok()) {
    ++counters_.failed_transactions;
    return s;
  }
  SqliteConnection& c = *conn_;
  if (!sqlite3_get_autocommit(c.db.get())) {  // a ROLLBACK that failed earlier left one open
    StmtUse use(c.rollback);
    sqlite3_step(use.get());
  }
  {
    StmtUse use(c.begin);
    if (const int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return append_fault(rc, events.size());
  }
  // The tail is read under the write lock, so another writer's appends are chained onto, not forked.
  std::int64_t seq = 0;
  std::string prev_hash = genesis_hash();
  {
    StmtUse use(c.tail_link);
    const int rc = sqlite3_step(use.get());
    if (rc == SQLITE_ROW) {
      seq = sqlite3_column_int64(use.get(), 0);
      prev_hash = column_bytes(use.get(), 1);
    } else if (rc != SQLITE_DONE) {
      return append_fault(rc, events.size());
    }
  }

  std::vector<AppendOutcome> outcomes;
  outcomes.reserve(events.size());
  std::unordered_map<std::string_view, std::int64_t> in_batch;
  std::uint64_t written = 0;
  std::uint64_t duplicates = 0;
  for (const NewEvent& e : events) {
    std::optional<std::int64_t> existing;
    if (auto it = in_batch.find(e.event_id); it != in_batch.end()) {
      existing = it->second;
    } else {
      StmtUse use(c.find_event);
      int rc = bind_text(use.get(), 1, e.event_id);
      if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
      if (rc == SQLITE_ROW) {
        existing = sqlite3_column_int64(use.get(), 0);
      } else if (rc != SQLITE_DONE) {
        return append_fault(rc, events.size());
      }
    }
    if (existing) {
      outcomes.push_back({*existing, true});
      in_batch.emplace(e.event_id, *existing);
      ++duplicates;
      continue;
    }
    EventRecord r{seq + 1, e.event_id, e.incident_id, e.type, e.actor, e.at_ms, e.body, std::move(prev_hash), {}};
    r.hash = event_hash(r);
    {
      StmtUse use(c.insert);
      int rc = bind_record(use.get(), r);
      if (rc == SQLITE_OK) rc = sqlite3_step(use.get());
      if (rc != SQLITE_DONE) return append_fault(rc, events.size());
    }
    seq = r.seq;
    prev_hash = std::move(r.hash);
    in_batch.emplace(e.event_id, seq);
    outcomes.push_back({seq, false});
    ++written;
  }
  {
    StmtUse use(c.commit);
    if (const int rc = sqlite3_step(use.get()); rc != SQLITE_DONE) return append_fault(rc, events.size());
  }
  last_seq_ = seq;
  ++counters_.transactions;
  counters_.events_appended += written;
  counters_.duplicates += duplicates;
  return outcomes;
}

namespace {

// Steps a bound read statement into records.
Result<std::vector<EventRecord>> collect(sqlite3_stmt* stmt, const std::string& path, sqlite3* db,
                                         std::int64_t busy_timeout_ms) {
  std::vector<EventRecord> out;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) out.push_back(read_record(stmt));
  if (rc != SQLITE_DONE) return read_fault(path, db, rc, busy_timeout_ms);
  return out;
}

Status negative_limit(std::int64_t limit) {
  return Status(ErrorCode::kInvalidValue, "limit must not be negative, got " + std::to_string(limit));
}

}  // namespace

Result<std::vector<EventRecord>> SqliteEventStore::read_incident(const std::string& incident_id,
                                                                 std::int64_t after_seq, std::int64_t limit) {
  if (limit < 0) return negative_limit(limit);
  if (limit == 0) return std::vector<EventRecord>{};
  if (conn_ == nullptr) return not_open();
  StmtUse use(conn_->by_incident);
  int rc = bind_text(use.get(), 1, incident_id);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 2, after_seq);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 3, limit);
  if (rc != SQLITE_OK) return read_fault(options_.path, conn_->db.get(), rc, options_.busy_timeout_ms);
  return collect(use.get(), options_.path, conn_->db.get(), options_.busy_timeout_ms);
}

Result<std::vector<EventRecord>> SqliteEventStore::read_range(std::int64_t from_seq, std::int64_t to_seq,
                                                              std::int64_t limit) {
  if (limit < 0) return negative_limit(limit);
  if (limit == 0) return std::vector<EventRecord>{};
  if (conn_ == nullptr) return not_open();
  StmtUse use(conn_->by_range);
  int rc = sqlite3_bind_int64(use.get(), 1, from_seq);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 2, to_seq);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 3, limit);
  if (rc != SQLITE_OK) return read_fault(options_.path, conn_->db.get(), rc, options_.busy_timeout_ms);
  return collect(use.get(), options_.path, conn_->db.get(), options_.busy_timeout_ms);
}

Result<std::vector<EventRecord>> SqliteEventStore::read_time_range(std::int64_t from_ms, std::int64_t to_ms,
                                                                   std::int64_t after_seq, std::int64_t limit) {
  if (limit < 0) return negative_limit(limit);
  if (limit == 0) return std::vector<EventRecord>{};
  if (conn_ == nullptr) return not_open();
  StmtUse use(conn_->by_time);
  int rc = sqlite3_bind_int64(use.get(), 1, from_ms);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 2, to_ms);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 3, after_seq);
  if (rc == SQLITE_OK) rc = sqlite3_bind_int64(use.get(), 4, limit);
  if (rc != SQLITE_OK) return read_fault(options_.path, conn_->db.get(), rc, options_.busy_timeout_ms);
  return collect(use.get(), options_.path, conn_->db.get(), options_.busy_timeout_ms);
}

Result<VerifyReport> SqliteEventStore::verify() {
  if (conn_ == nullptr) return not_open();
  sqlite3* db = conn_->db.get();
  StmtPtr stmt;
  int rc = prepare(db, kAllSql, stmt, 0);
  if (rc != SQLITE_OK) return read_fault(options_.path, db, rc, options_.busy_timeout_ms);
  ChainVerifier verifier;
  // One record in memory at a time; the statement reads one consistent snapshot of the log.
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    if (!verifier.add(read_record(stmt.get()))) {
      rc = SQLITE_DONE;
      break;
    }
  }
  if (rc != SQLITE_DONE) return read_fault(options_.path, db, rc, options_.busy_timeout_ms);
  verifier.expect_last_seq(last_seq_);
  return verifier.report();
}

Status SqliteEventStore::set_max_page_count(std::int64_t pages) {
  if (pages <= 0) {
    return Status(ErrorCode::kInvalidValue, "max_page_count must be positive, got " + std::to_string(pages));
  }
  if (conn_ == nullptr) return not_open();
  const int rc = exec(conn_->db.get(), "PRAGMA max_page_count=" + std::to_string(pages));
  if (rc != SQLITE_OK) return read_fault(options_.path, conn_->db.get(), rc, options_.busy_timeout_ms);
  options_.max_page_count = pages;
  return Status::Ok();
}

}  // namespace liandong::audit
