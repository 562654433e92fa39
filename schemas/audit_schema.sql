-- The audit log's SQLite schema, version 1 (issue #3; DESIGN.md, "audit = the event store").
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
