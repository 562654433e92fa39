#include "services/gateway/sqlite_db.hpp"

#include <spdlog/spdlog.h>

namespace liandong::gateway {

Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, std::string_view schema) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string why = raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc);
    sqlite3_close(raw);
    return Status(ErrorCode::kUnavailable, "cannot open the gateway database " + path + ": " + why);
  }
  std::unique_ptr<SqliteDb> db(new SqliteDb(raw, path));
  sqlite3_busy_timeout(raw, 2000);
  sqlite3_extended_result_codes(raw, 1);
  for (std::string_view pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"}) {
    if (auto s = db->exec(pragma); !s.ok()) return s;
  }
  if (!schema.empty()) {
    if (auto s = db->exec(schema); !s.ok()) return s;
  }
  return db;
}

SqliteDb::~SqliteDb() { sqlite3_close_v2(db_); }

Status SqliteDb::error(std::string_view doing) const {
  return {ErrorCode::kUnavailable,
          std::string(doing) + " in " + path_ + ": " + sqlite3_errmsg(db_)};
}

Status SqliteDb::exec(std::string_view sql) {
  std::lock_guard lock(mutex_);
  char* message = nullptr;
  const std::string text(sql);
  if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message ? message : sqlite3_errmsg(db_);
    sqlite3_free(message);
    return {ErrorCode::kUnavailable, "gateway database " + path_ + ": " + why + " (running: " + text.substr(0, 60) + ")"};
  }
  return Status::Ok();
}

Status seed_ids_from_clock(SqliteDb& db, std::string_view table, std::int64_t now_ms) {
  std::lock_guard lock(db.mutex());
  Statement s(db,
              "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 WHERE NOT EXISTS "
              "(SELECT 1 FROM sqlite_sequence WHERE name = ?1)");
  s.bind(1, table).bind(2, now_ms);
  return s.run();
}

Transaction::Transaction(SqliteDb& db) : db_(db), lock_(db.mutex()) { begun_ = db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!begun_.ok() || done_) return;
  // A failed ROLLBACK leaves SQLite to roll back itself (it does on the next statement or on
  // close); it is logged because the next BEGIN may then fail as well.
  if (auto s = db_.exec("ROLLBACK"); !s.ok()) spdlog::error("rolling back: {}", s.message());
}

Status Transaction::commit() {
  if (!begun_.ok()) return begun_;
  done_ = true;
  if (auto s = db_.exec("COMMIT"); !s.ok()) {
    if (auto r = db_.exec("ROLLBACK"); !r.ok()) spdlog::error("rolling back after a failed commit: {}", r.message());
    return s;
  }
  return Status::Ok();
}

Statement::Statement(SqliteDb& db, std::string_view sql) : db_(db), sql_(sql) {
  if (sqlite3_prepare_v2(db_.handle(), sql_.data(), static_cast<int>(sql_.size()), &stmt_, nullptr) != SQLITE_OK) {
    prepared_ = db_.error("preparing '" + sql_.substr(0, 60) + "'");
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::string_view text) {
  if (stmt_) sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind(int index, std::int64_t value) {
  if (stmt_) sqlite3_bind_int64(stmt_, index, value);
  return *this;
}
Statement& Statement::bind(int index, double value) {
  if (stmt_) sqlite3_bind_double(stmt_, index, value);
  return *this;
}
Statement& Statement::bind_blob(int index, std::string_view bytes) {
  if (stmt_) sqlite3_bind_blob(stmt_, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  return *this;
}
Statement& Statement::bind_null(int index) {
  if (stmt_) sqlite3_bind_null(stmt_, index);
  return *this;
}
Statement& Statement::bind(int index, const std::optional<std::string>& text) {
  return text ? bind(index, std::string_view(*text)) : bind_null(index);
}

Result<bool> Statement::step() {
  if (!prepared_.ok()) return prepared_;
  std::lock_guard lock(db_.mutex());
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return db_.error("running '" + sql_.substr(0, 60) + "'");
}

Status Statement::run() {
  while (true) {
    auto row = step();
    if (!row.ok()) return row.status();
    if (!*row) return Status::Ok();
  }
}

std::string Statement::text(int column) const {
  const auto* p = sqlite3_column_text(stmt_, column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
std::string Statement::blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_, column);
  return p ? std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)))
           : std::string();
}
std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}
std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }
double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }
bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

}  // namespace liandong::gateway
