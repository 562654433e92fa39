#include "bench/sqlite_ceiling.hpp"

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <random>
#include <vector>

#include "bench/event_shape.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "services/audit/sqlite_event_store.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;

struct DbClose {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalize {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbPtr = std::unique_ptr<sqlite3, DbClose>;
using StmtPtr = std::unique_ptr<sqlite3_stmt, StmtFinalize>;

constexpr const char* kInsertSql =
    "INSERT INTO events (seq, event_id, incident_id, type, actor, at_ms, body, prev_hash, hash) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

void remove_database(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

Status sqlite_fault(const std::string& path, sqlite3* db, const std::string& doing) {
  return {ErrorCode::kIo, "SQLite ceiling: " + doing + " on '" + path + "' failed: " +
                              (db != nullptr ? sqlite3_errmsg(db) : "out of memory")};
}

// The rows, made before the clock starts so only SQLite is timed.
struct Row {
  std::string event_id;
  std::string incident_id;
  std::string prev_hash;
  std::string hash;
};

std::vector<Row> make_rows(std::size_t n) {
  SystemClock clock;
  IdGenerator ids(clock);
  std::mt19937_64 random(42);
  auto random_bytes = [&](std::size_t count) {
    std::string out(count, '\0');
    for (auto& c : out) c = static_cast<char>(random() & 0xFF);
    return out;
  };
  std::vector<Row> rows(n);
  std::string incident;
  std::string prev(32, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    if (i % kEventsPerIncident == 0) incident = ids.next();
    rows[i] = {ids.next(), incident, prev, random_bytes(32)};
    prev = rows[i].hash;
  }
  return rows;
}

}  // namespace

Result<SqliteCeilingResult> measure_sqlite_ceiling(const SqliteCeilingOptions& o) {
  remove_database(o.path);
  const std::vector<Row> rows = make_rows(o.rows);
  const std::string body = event_body();

  sqlite3* raw = nullptr;
  const int open_rc = sqlite3_open_v2(o.path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  DbPtr db(raw);
  if (open_rc != SQLITE_OK) return sqlite_fault(o.path, raw, "opening");
  auto exec = [&](const std::string& sql) { return sqlite3_exec(db.get(), sql.c_str(), nullptr, nullptr, nullptr); };
  // The same settings the audit store uses: WAL, the chosen synchronous level, its schema.
  if (exec("PRAGMA journal_mode=WAL") != SQLITE_OK) return sqlite_fault(o.path, db.get(), "PRAGMA journal_mode=WAL");
  if (exec(o.sync == "full" ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL") != SQLITE_OK) {
    return sqlite_fault(o.path, db.get(), "PRAGMA synchronous");
  }
  if (exec(std::string(audit::audit_schema_sql())) != SQLITE_OK) return sqlite_fault(o.path, db.get(), "creating the schema");

  sqlite3_stmt* stmt_raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), kInsertSql, -1, &stmt_raw, nullptr) != SQLITE_OK) {
    return sqlite_fault(o.path, db.get(), "preparing the INSERT");
  }
  StmtPtr insert(stmt_raw);
  sqlite3_stmt* begin_raw = nullptr;
  sqlite3_stmt* commit_raw = nullptr;
  sqlite3_prepare_v2(db.get(), "BEGIN IMMEDIATE", -1, &begin_raw, nullptr);
  StmtPtr begin(begin_raw);
  sqlite3_prepare_v2(db.get(), "COMMIT", -1, &commit_raw, nullptr);
  StmtPtr commit(commit_raw);
  if (!begin || !commit) return sqlite_fault(o.path, db.get(), "preparing BEGIN/COMMIT");

  const std::int64_t at_ms = SystemClock().wall_ms();
  LatencyRecorder commits;
  commits.reserve(o.rows / std::max<std::size_t>(1, o.rows_per_transaction) + 1);
  const auto started = Steady::now();
  for (std::size_t i = 0; i < rows.size();) {
    sqlite3_reset(begin.get());
    if (sqlite3_step(begin.get()) != SQLITE_DONE) return sqlite_fault(o.path, db.get(), "BEGIN");
    const std::size_t end = std::min(rows.size(), i + o.rows_per_transaction);
    for (; i < end; ++i) {
      const Row& r = rows[i];
      sqlite3_stmt* s = insert.get();
      sqlite3_reset(s);
      sqlite3_bind_int64(s, 1, static_cast<std::int64_t>(i + 1));
      sqlite3_bind_text(s, 2, r.event_id.data(), static_cast<int>(r.event_id.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 3, r.incident_id.data(), static_cast<int>(r.incident_id.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 4, kEventType, -1, SQLITE_STATIC);
      sqlite3_bind_text(s, 5, kEventActor, -1, SQLITE_STATIC);
      sqlite3_bind_int64(s, 6, at_ms);
      sqlite3_bind_blob(s, 7, body.data(), static_cast<int>(body.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 8, r.prev_hash.data(), static_cast<int>(r.prev_hash.size()), SQLITE_STATIC);
      sqlite3_bind_blob(s, 9, r.hash.data(), static_cast<int>(r.hash.size()), SQLITE_STATIC);
      if (sqlite3_step(s) != SQLITE_DONE) return sqlite_fault(o.path, db.get(), "INSERT");
    }
    const auto commit_start = Steady::now();
    sqlite3_reset(commit.get());
    if (sqlite3_step(commit.get()) != SQLITE_DONE) return sqlite_fault(o.path, db.get(), "COMMIT");
    commits.record_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now() - commit_start).count());
  }
  const double seconds = std::chrono::duration<double>(Steady::now() - started).count();

  insert.reset();
  begin.reset();
  commit.reset();
  db.reset();
  remove_database(o.path);

  SqliteCeilingResult result;
  result.sync = o.sync;
  result.rows_per_transaction = o.rows_per_transaction;
  result.rows = rows.size();
  result.seconds = seconds;
  result.rows_per_s = seconds > 0 ? static_cast<double>(rows.size()) / seconds : 0;
  result.commit = commits.summarize();
  return result;
}

}  // namespace liandong::bench
