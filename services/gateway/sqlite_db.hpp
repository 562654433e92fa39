// The SQLite database a gateway keeps its own records and its outbox in: one file, WAL,
// synchronous=FULL (an input the gateway has said it accepted survives a power loss), shared by
// the gateway's bus thread and its intake threads under one lock.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace liandong::gateway {

class SqliteDb {
 public:
  // Opens (creating) the file and runs `schema` (CREATE TABLE IF NOT EXISTS ...). Errors name the
  // file and SQLite's reason (locked, read-only, not a database).
  static Result<std::unique_ptr<SqliteDb>> open(const std::string& path, std::string_view schema = {});
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  Status exec(std::string_view sql);
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }
  // Held for every statement and for whole transactions: one connection, several threads.
  std::recursive_mutex& mutex() { return mutex_; }
  Status error(std::string_view doing) const;

 private:
  SqliteDb(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
  std::recursive_mutex mutex_;
};

// Ids of an AUTOINCREMENT table that become report ids must never repeat, even when the database
// file is lost and made again: the router would take a new report for the old one and answer it as
// a duplicate. So the ids of a new table start at the time of its creation in milliseconds: a new
// file starts above every id an older one gave out (unless that one gave out more ids than
// milliseconds have passed since). Call after creating the table; does nothing once ids exist.
Status seed_ids_from_clock(SqliteDb& db, std::string_view table, std::int64_t now_ms);

// BEGIN IMMEDIATE ... COMMIT under the database's lock; rolls back unless committed.
class Transaction {
 public:
  explicit Transaction(SqliteDb& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  const Status& begun() const { return begun_; }
  Status commit();

 private:
  SqliteDb& db_;
  std::unique_lock<std::recursive_mutex> lock_;
  Status begun_;
  bool done_ = false;
};

// A prepared statement with positional binds (1-based) and typed column reads (0-based).
class Statement {
 public:
  Statement(SqliteDb& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  const Status& prepared() const { return prepared_; }
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind(int index, const std::optional<std::string>& text);
  // SQLITE_ROW -> true, SQLITE_DONE -> false, anything else an error naming the statement.
  Result<bool> step();
  Status run();  // step to completion, for statements without rows
  std::string text(int column) const;
  std::string blob(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  SqliteDb& db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status prepared_;
  std::string sql_;
};

}  // namespace liandong::gateway
