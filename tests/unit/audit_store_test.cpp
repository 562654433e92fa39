// The audit log's store: the hash chain and its verifier, and SqliteEventStore on real files in a
// temporary directory per test (appends, reads, idempotency, group commit, tampering, faults).
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <msgpack.hpp>
#include <sstream>

#include "services/audit/hash_chain.hpp"
#include "services/audit/sqlite_event_store.hpp"

#include "tests/unit/temp_dir.hpp"

using namespace liandong;
using namespace liandong::audit;
namespace fs = std::filesystem;

namespace {

using TempDir = liandong::testing::UnitTempDir;

// A second, plain SQLite connection: what a tamperer or another process would use.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    sqlite3_busy_timeout(db_, 2000);
  }
  ~RawDb() { sqlite3_close_v2(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const std::string& sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << ": " << (err != nullptr ? err : "ok"));
    sqlite3_free(err);
    REQUIRE(rc == SQLITE_OK);
  }
  std::int64_t number(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
    const std::int64_t n = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return n;
  }
  // Overwrites every column of row `at_seq` with `r` (r.seq is ignored).
  void overwrite(std::int64_t at_seq, const EventRecord& r) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_,
                               "UPDATE events SET event_id=?1, incident_id=?2, type=?3, actor=?4, at_ms=?5, body=?6, "
                               "prev_hash=?7, hash=?8 WHERE seq=?9",
                               -1, &stmt, nullptr) == SQLITE_OK);
    sqlite3_bind_text(stmt, 1, r.event_id.data(), static_cast<int>(r.event_id.size()), SQLITE_TRANSIENT);
    if (r.incident_id) {
      sqlite3_bind_text(stmt, 2, r.incident_id->data(), static_cast<int>(r.incident_id->size()), SQLITE_TRANSIENT);
    }
    sqlite3_bind_text(stmt, 3, r.type.data(), static_cast<int>(r.type.size()), SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 4, r.actor.data(), static_cast<int>(r.actor.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 5, r.at_ms);
    sqlite3_bind_blob(stmt, 6, r.body.data(), static_cast<int>(r.body.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 7, r.prev_hash.data(), static_cast<int>(r.prev_hash.size()), SQLITE_TRANSIENT);
    sqlite3_bind_blob(stmt, 8, r.hash.data(), static_cast<int>(r.hash.size()), SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 9, at_seq);
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    REQUIRE(rc == SQLITE_DONE);
    REQUIRE(sqlite3_changes(db_) == 1);
  }

 private:
  sqlite3* db_ = nullptr;
};

std::string body_of(const std::string& note) {
  msgpack::sbuffer buf;
  msgpack::packer<msgpack::sbuffer> pk(buf);
  pk.pack_map(1);
  pk.pack(std::string("note"));
  pk.pack(note);
  return std::string(buf.data(), buf.size());
}

NewEvent event(const std::string& id, std::optional<std::string> incident = std::nullopt, std::int64_t at_ms = 1000,
               std::string body = {}) {
  return NewEvent{id, std::move(incident), "incident.reported", "gw-110", at_ms,
                  body.empty() ? body_of("event " + id) : std::move(body)};
}

std::vector<NewEvent> numbered(const std::string& prefix, int count, std::size_t body_size = 0) {
  std::vector<NewEvent> out;
  for (int i = 1; i <= count; ++i) {
    out.push_back(event(prefix + std::to_string(i), "INC-" + prefix, 1000 + i,
                        body_size == 0 ? std::string() : std::string(body_size, static_cast<char>('a' + i % 26))));
  }
  return out;
}

std::unique_ptr<SqliteEventStore> open_store(const std::string& path, SqliteStoreOptions options = {}) {
  options.path = path;
  auto store = SqliteEventStore::open(options);
  INFO(store.status().to_string());
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::vector<AppendOutcome> must_append(EventStore& store, const std::vector<NewEvent>& events) {
  auto out = store.append(events);
  INFO(out.status().to_string());
  REQUIRE(out.ok());
  REQUIRE(out->size() == events.size());
  return std::move(out).value();
}

std::vector<std::int64_t> seqs(const std::vector<EventRecord>& records) {
  std::vector<std::int64_t> out;
  for (const auto& r : records) out.push_back(r.seq);
  return out;
}

std::vector<EventRecord> all_records(EventStore& store) {
  auto records = store.read_range(1, INT64_MAX, 1'000'000);
  INFO(records.status().to_string());
  REQUIRE(records.ok());
  return std::move(records).value();
}

EventRecord record_at(EventStore& store, std::int64_t seq) {
  auto records = store.read_range(seq, seq, 1);
  REQUIRE(records.ok());
  REQUIRE(records->size() == 1);
  return records->front();
}

VerifyReport must_verify(EventStore& store) {
  auto report = store.verify();
  INFO(report.status().to_string());
  REQUIRE(report.ok());
  return std::move(report).value();
}

// An in-memory chain of n records, hashed and linked as the store does it.
std::vector<EventRecord> make_chain(int n) {
  std::vector<EventRecord> chain;
  std::string prev = genesis_hash();
  for (int i = 1; i <= n; ++i) {
    EventRecord r{i, "ev-" + std::to_string(i), "INC-1", "order.dispatched", "router", 5000 + i,
                  body_of(std::to_string(i)), prev, {}};
    r.hash = event_hash(r);
    prev = r.hash;
    chain.push_back(r);
  }
  return chain;
}

VerifyReport run_verifier(const std::vector<EventRecord>& records) {
  ChainVerifier verifier;
  for (const auto& r : records) verifier.add(r);
  return verifier.report();
}

}  // namespace

TEST_CASE("audit: the canonical encoding is an 8-element msgpack array and its hash is pinned", "[unit][audit]") {
  EventRecord r{3, "01J-EV-0003", "INC-1", "incident.reported", "gw-110", 1700000000000, "\x81\xa1k\x01",
                genesis_hash(), {}};
  const std::string encoded = canonical_encoding(r);
  msgpack::object_handle handle = msgpack::unpack(encoded.data(), encoded.size());
  const msgpack::object& root = handle.get();
  REQUIRE(root.type == msgpack::type::ARRAY);
  REQUIRE(root.via.array.size == 8);
  const msgpack::object* e = root.via.array.ptr;
  CHECK(e[0].type == msgpack::type::POSITIVE_INTEGER);
  CHECK(e[0].via.u64 == 3);
  CHECK(e[1].type == msgpack::type::STR);
  CHECK(e[2].type == msgpack::type::STR);
  CHECK(e[3].type == msgpack::type::STR);
  CHECK(e[4].type == msgpack::type::STR);
  CHECK(e[5].type == msgpack::type::POSITIVE_INTEGER);
  CHECK(e[6].type == msgpack::type::BIN);
  CHECK(e[6].via.bin.size == 4);
  CHECK(e[7].type == msgpack::type::BIN);
  CHECK(e[7].via.bin.size == kHashSize);

  // Pinned: computed independently with python3-msgpack and hashlib. If this changes, every stored
  // chain stops verifying.
  CHECK(to_hex(event_hash(r)) == "73ee68f24fe4bf479299435d679f0cd92248fc9e453360e4c3ddc7771afd1a5a");
  EventRecord no_incident = r;
  no_incident.incident_id.reset();
  CHECK(to_hex(event_hash(no_incident)) == "d421a85b64a88b4487ff0b01e8a113f7756493359e33b31382760938436676e9");
  {
    const std::string bytes = canonical_encoding(no_incident);
    msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size());
    CHECK(h.get().via.array.ptr[2].type == msgpack::type::NIL);
  }
  EventRecord empty_incident = r;
  empty_incident.incident_id = "";
  CHECK(event_hash(empty_incident) != event_hash(no_incident));

  // Every field counts; the stored hash itself does not.
  const std::string base = event_hash(r);
  auto changed = [&](auto mutate) {
    EventRecord copy = r;
    mutate(copy);
    return event_hash(copy) != base;
  };
  CHECK(changed([](EventRecord& x) { x.seq = 4; }));
  CHECK(changed([](EventRecord& x) { x.event_id += "x"; }));
  CHECK(changed([](EventRecord& x) { x.type = "incident.closed"; }));
  CHECK(changed([](EventRecord& x) { x.actor = "router"; }));
  CHECK(changed([](EventRecord& x) { x.at_ms += 1; }));
  CHECK(changed([](EventRecord& x) { x.body[1] = '\xa2'; }));
  CHECK(changed([](EventRecord& x) { x.prev_hash[31] = 1; }));
  CHECK_FALSE(changed([](EventRecord& x) { x.hash = "anything"; }));

  CHECK(genesis_hash() == std::string(32, '\0'));
  CHECK(to_hex(std::string("\x00\xff\x10\xab", 4)) == "00ff10ab");
  CHECK(to_hex("") == "");
}

TEST_CASE("audit: ChainVerifier reports the first problem and where it is", "[unit][audit]") {
  auto chain = make_chain(10);

  SECTION("an intact chain") {
    const auto report = run_verifier(chain);
    CHECK(report.intact);
    CHECK(report.events == 10);
    CHECK_FALSE(report.first_bad_seq);
    CHECK(report.problem.empty());
    CHECK(run_verifier({}).intact);
  }
  SECTION("a gap in the middle names the missing seqs and the next stored one") {
    chain.erase(chain.begin() + 4, chain.begin() + 7);  // seqs 5..7
    const auto report = run_verifier(chain);
    CHECK_FALSE(report.intact);
    CHECK(report.problem == "gap");
    CHECK(report.first_bad_seq == 5);
    CHECK(report.message == "events 5..7 are missing (gap after seq 4; the next stored event is seq 8)");
    CHECK(report.events == 4);
  }
  SECTION("a single missing event") {
    chain.erase(chain.begin() + 5);  // seq 6
    const auto report = run_verifier(chain);
    CHECK(report.first_bad_seq == 6);
    CHECK(report.message == "event 6 is missing (gap after seq 5; the next stored event is seq 7)");
  }
  SECTION("a log that does not start at seq 1") {
    chain.erase(chain.begin(), chain.begin() + 2);
    const auto report = run_verifier(chain);
    CHECK(report.problem == "gap");
    CHECK(report.first_bad_seq == 1);
    CHECK(report.message == "events 1..2 are missing (the log starts at seq 3)");
  }
  SECTION("a record changed after it was written") {
    chain[6].body[2] ^= 0x01;
    const auto report = run_verifier(chain);
    CHECK(report.problem == "hash_mismatch");
    CHECK(report.first_bad_seq == 7);
    CHECK(report.message == "seq 7: stored hash does not match its contents (changed after it was written)");
    CHECK(report.events == 7);
  }
  SECTION("a record replaced and rehashed breaks the link of the next one") {
    chain[6].body = body_of("forged");
    chain[6].hash = event_hash(chain[6]);
    const auto report = run_verifier(chain);
    CHECK(report.problem == "chain_break");
    CHECK(report.first_bad_seq == 8);
    CHECK(report.message ==
          "seq 8: prev_hash does not match the hash of seq 7 (events reordered, replaced or inserted)");
  }
  SECTION("seq 1 must link to the genesis hash") {
    chain[0].prev_hash = std::string(32, '\x01');
    chain[0].hash = event_hash(chain[0]);
    const auto report = run_verifier(chain);
    CHECK(report.problem == "chain_break");
    CHECK(report.first_bad_seq == 1);
  }
  SECTION("only the first of several problems is reported") {
    chain[2].body[2] ^= 0x01;
    chain.erase(chain.begin() + 7);
    const auto report = run_verifier(chain);
    CHECK(report.problem == "hash_mismatch");
    CHECK(report.first_bad_seq == 3);
  }
  SECTION("a wrong-sized hash is a mismatch, a repeated seq a chain break") {
    auto short_hash = chain;
    short_hash[1].hash.resize(31);
    CHECK(run_verifier(short_hash).problem == "hash_mismatch");
    auto repeated = chain;
    repeated.insert(repeated.begin() + 3, repeated[2]);
    const auto report = run_verifier(repeated);
    CHECK(report.problem == "chain_break");
    CHECK(report.first_bad_seq == 3);
  }
  SECTION("a missing tail, when the expected end is known") {
    ChainVerifier verifier;
    for (int i = 0; i < 8; ++i) verifier.add(chain[i]);
    verifier.expect_last_seq(10);
    CHECK(verifier.report().problem == "gap");
    CHECK(verifier.report().first_bad_seq == 9);
    CHECK(verifier.report().message ==
          "events 9..10 are missing at the end of the log (the last stored event is seq 8)");
  }
  SECTION("resuming after a trusted record") {
    ChainVerifier verifier(6, chain[5].hash);
    for (int i = 6; i < 10; ++i) CHECK(verifier.add(chain[i]));
    CHECK(verifier.report().intact);
    CHECK(verifier.report().events == 4);
  }
}

TEST_CASE("audit: the schema in the code is schemas/audit_schema.sql", "[unit][audit]") {
  std::ifstream in(std::string(LIANDONG_SOURCE_DIR) + "/schemas/audit_schema.sql", std::ios::binary);
  REQUIRE(in);
  std::stringstream file;
  file << in.rdbuf();
  CHECK(file.str() == std::string(audit_schema_sql()));
  CHECK(kAuditSchemaVersion == 1);
}

TEST_CASE("audit: appended events read back by incident, range and time, and the chain continues after reopening",
          "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  auto store = open_store(path);
  CHECK(store->last_seq() == 0);
  CHECK(store->writable());
  CHECK(must_verify(*store).intact);
  CHECK(must_verify(*store).events == 0);

  // An empty batch is no transaction.
  CHECK(must_append(*store, {}).empty());
  CHECK(store->counters().transactions == 0);

  const std::vector<NewEvent> first = {
      event("e1", "A", 1000), event("e2", "B", 2000), event("e3", "A", 3000),
      event("e4", "B", 4000), event("e5", "A", 5000), event("e6", std::nullopt, 6000),
  };
  auto outcomes = must_append(*store, first);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    CHECK(outcomes[i].seq == static_cast<std::int64_t>(i + 1));
    CHECK_FALSE(outcomes[i].duplicate);
  }
  outcomes = must_append(*store, {event("e7", "A", 7000), event("e8", "B", 8000)});
  CHECK(outcomes[0].seq == 7);
  CHECK(outcomes[1].seq == 8);
  CHECK(store->last_seq() == 8);

  SECTION("by incident") {
    auto a = store->read_incident("A", 0, 100);
    REQUIRE(a.ok());
    CHECK(seqs(*a) == std::vector<std::int64_t>{1, 3, 5, 7});
    const EventRecord& r = a->front();
    CHECK(r.event_id == "e1");
    CHECK(r.incident_id == std::optional<std::string>("A"));
    CHECK(r.type == "incident.reported");
    CHECK(r.actor == "gw-110");
    CHECK(r.at_ms == 1000);
    CHECK(r.body == first[0].body);
    CHECK(r.prev_hash == genesis_hash());
    CHECK(r.hash == event_hash(r));
    CHECK(seqs(*store->read_incident("A", 3, 100)) == std::vector<std::int64_t>{5, 7});
    CHECK(seqs(*store->read_incident("A", 0, 2)) == std::vector<std::int64_t>{1, 3});
    CHECK(seqs(*store->read_incident("B", 0, 100)) == std::vector<std::int64_t>{2, 4, 8});
    CHECK(store->read_incident("nobody", 0, 100)->empty());
  }
  SECTION("by seq range, with every record linked to the one before") {
    CHECK(seqs(*store->read_range(2, 5, 100)) == std::vector<std::int64_t>{2, 3, 4, 5});
    CHECK(seqs(*store->read_range(2, 5, 2)) == std::vector<std::int64_t>{2, 3});
    CHECK(store->read_range(9, 100, 100)->empty());
    const auto all = all_records(*store);
    REQUIRE(seqs(all) == std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8});
    for (std::size_t i = 1; i < all.size(); ++i) CHECK(all[i].prev_hash == all[i - 1].hash);
    CHECK_FALSE(all[5].incident_id.has_value());
  }
  SECTION("by time range, in seq order after a seq") {
    CHECK(seqs(*store->read_time_range(2000, 5000, 0, 100)) == std::vector<std::int64_t>{2, 3, 4, 5});
    CHECK(seqs(*store->read_time_range(2000, 5000, 3, 100)) == std::vector<std::int64_t>{4, 5});
    CHECK(seqs(*store->read_time_range(2000, 5000, 0, 1)) == std::vector<std::int64_t>{2});
    CHECK(store->read_time_range(9000, 9999, 0, 100)->empty());
  }
  SECTION("limits: zero returns nothing, negative is refused") {
    CHECK(store->read_range(1, 8, 0)->empty());
    auto bad = store->read_incident("A", 0, -1);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().code() == ErrorCode::kInvalidValue);
    CHECK_FALSE(store->read_time_range(0, 1, 0, -5).ok());
  }
  SECTION("reopening continues the chain") {
    const EventRecord eighth = record_at(*store, 8);
    store.reset();
    auto again = open_store(path);
    CHECK(again->last_seq() == 8);
    CHECK(again->counters().transactions == 0);
    outcomes = must_append(*again, {event("e9", "A", 9000)});
    CHECK(outcomes[0].seq == 9);
    CHECK_FALSE(outcomes[0].duplicate);
    CHECK(record_at(*again, 9).prev_hash == eighth.hash);
    const auto report = must_verify(*again);
    CHECK(report.intact);
    CHECK(report.events == 9);
  }
}

TEST_CASE("audit: an event id already in the log is acknowledged again, not written again", "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  auto store = open_store(path);
  must_append(*store, {event("a"), event("b")});

  // In a later batch, and twice within one batch.
  const auto outcomes = must_append(*store, {event("b"), event("c"), event("c"), event("a")});
  CHECK(outcomes[0].seq == 2);
  CHECK(outcomes[0].duplicate);
  CHECK(outcomes[1].seq == 3);
  CHECK_FALSE(outcomes[1].duplicate);
  CHECK(outcomes[2].seq == 3);
  CHECK(outcomes[2].duplicate);
  CHECK(outcomes[3].seq == 1);
  CHECK(outcomes[3].duplicate);
  CHECK(store->last_seq() == 3);
  CHECK(store->counters().events_appended == 3);
  CHECK(store->counters().duplicates == 3);

  // A batch of nothing but duplicates writes nothing either.
  const auto again = must_append(*store, {event("a")});
  CHECK(again[0].seq == 1);
  CHECK(again[0].duplicate);

  RawDb raw(path);
  CHECK(raw.number("SELECT count(*) FROM events") == 3);
  CHECK(raw.number("SELECT count(*) FROM events WHERE event_id = 'c'") == 1);

  // From the file, after a restart.
  store.reset();
  auto reopened = open_store(path);
  const auto after_restart = must_append(*reopened, {event("c"), event("d")});
  CHECK(after_restart[0].seq == 3);
  CHECK(after_restart[0].duplicate);
  CHECK(after_restart[1].seq == 4);
  CHECK(raw.number("SELECT count(*) FROM events") == 4);
  CHECK(must_verify(*reopened).intact);

  // An empty event id cannot be deduplicated and is refused before anything is written.
  auto empty_id = reopened->append({event("e"), event("")});
  REQUIRE_FALSE(empty_id.ok());
  CHECK(empty_id.status().code() == ErrorCode::kInvalidValue);
  CHECK(raw.number("SELECT count(*) FROM events") == 4);
}

TEST_CASE("audit: a batch of 100 events is committed as one transaction", "[unit][audit]") {
  TempDir dir;
  auto store = open_store(dir.file("audit.db"));
  const auto outcomes = must_append(*store, numbered("g", 100));
  for (std::size_t i = 0; i < outcomes.size(); ++i) CHECK(outcomes[i].seq == static_cast<std::int64_t>(i + 1));
  const StoreCounters c = store->counters();
  CHECK(c.transactions == 1);
  CHECK(c.events_appended == 100);
  CHECK(c.duplicates == 0);
  CHECK(c.failed_transactions == 0);
  CHECK(store->last_seq() == 100);

  // Verify streams a longer log too.
  for (int round = 0; round < 20; ++round) must_append(*store, numbered("r" + std::to_string(round) + "-", 100));
  CHECK(store->counters().transactions == 21);
  const auto report = must_verify(*store);
  CHECK(report.intact);
  CHECK(report.events == 2100);
}

TEST_CASE("audit: tampering with a stored event is found and named", "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  auto store = open_store(path);
  must_append(*store, numbered("t", 10));
  REQUIRE(must_verify(*store).intact);
  RawDb raw(path);

  SECTION("one byte of one body changed: hash_mismatch at that seq") {
    EventRecord r = record_at(*store, 5);
    r.body[r.body.size() - 1] ^= 0x01;
    raw.overwrite(5, r);
    const auto report = must_verify(*store);
    CHECK_FALSE(report.intact);
    CHECK(report.problem == "hash_mismatch");
    CHECK(report.first_bad_seq == 5);
    CHECK(report.message == "seq 5: stored hash does not match its contents (changed after it was written)");
    // The same, offline, as `liandong audit verify --db` opens it.
    SqliteStoreOptions offline;
    offline.read_only = true;
    auto reader = open_store(path, offline);
    CHECK(must_verify(*reader).first_bad_seq == 5);
  }
  SECTION("a row deleted: a gap naming the missing seq and the next stored one") {
    raw.exec("DELETE FROM events WHERE seq = 4");
    const auto report = must_verify(*store);
    CHECK(report.problem == "gap");
    CHECK(report.first_bad_seq == 4);
    CHECK(report.message == "event 4 is missing (gap after seq 3; the next stored event is seq 5)");
  }
  SECTION("the newest row deleted: this store knows it wrote more") {
    raw.exec("DELETE FROM events WHERE seq = 10");
    const auto report = must_verify(*store);
    CHECK(report.problem == "gap");
    CHECK(report.first_bad_seq == 10);
  }
  SECTION("a row replaced and rehashed consistently: chain_break at the next seq") {
    EventRecord r = record_at(*store, 6);
    r.body = body_of("forged");
    r.hash = event_hash(r);
    raw.overwrite(6, r);
    const auto report = must_verify(*store);
    CHECK(report.problem == "chain_break");
    CHECK(report.first_bad_seq == 7);
    CHECK(report.message ==
          "seq 7: prev_hash does not match the hash of seq 6 (events reordered, replaced or inserted)");
  }
  SECTION("two rows swapped") {
    EventRecord fourth = record_at(*store, 4);
    EventRecord fifth = record_at(*store, 5);
    const bool rehash = GENERATE(false, true);
    if (rehash) {  // a careful forger recomputes each moved row's hash for its new seq
      fourth.seq = 5;
      fourth.hash = event_hash(fourth);
      fifth.seq = 4;
      fifth.hash = event_hash(fifth);
    }
    const std::string fifth_id = fifth.event_id;
    fifth.event_id = "swap-in-progress";  // event_id is UNIQUE
    raw.overwrite(4, fifth);
    raw.overwrite(5, fourth);
    raw.exec("UPDATE events SET event_id = '" + fifth_id + "' WHERE seq = 4");
    const auto report = must_verify(*store);
    CHECK(report.first_bad_seq == 4);
    // seq is part of the hash, so a plain swap shows as changed contents; rehashed, the links break.
    CHECK(report.problem == (rehash ? "chain_break" : "hash_mismatch"));
  }
}

TEST_CASE("audit: a damaged file is refused at open with a clear error", "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");

  SECTION("garbage bytes") {
    {
      std::ofstream out(path, std::ios::binary);
      for (int i = 0; i < 4096; ++i) out.put(static_cast<char>((i * 37 + 11) & 0xFF));
    }
    SqliteStoreOptions o;
    o.path = path;
    auto store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kIo);
    CHECK(store.status().message() ==
          "'" + path + "' is not a Liandong audit database or is corrupt: file is not a database");
    o.read_only = true;
    CHECK_FALSE(SqliteEventStore::open(o).ok());
  }
  SECTION("a SQLite database of something else") {
    RawDb(path).exec("CREATE TABLE patients (name TEXT)");
    SqliteStoreOptions o;
    o.path = path;
    auto store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kConfig);
    CHECK_THAT(store.status().message(), Catch::Contains("not a Liandong audit log"));
  }
  SECTION("a schema version from the future") {
    open_store(path).reset();
    RawDb(path).exec("PRAGMA user_version = 2");
    SqliteStoreOptions o;
    o.path = path;
    auto store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kConfig);
    CHECK_THAT(store.status().message(), Catch::Contains("schema version 2") && Catch::Contains(path));
  }
  SECTION("the newest record tampered with") {
    {
      auto store = open_store(path);
      must_append(*store, numbered("t", 5));
    }
    RawDb raw(path);
    SqliteStoreOptions o;
    o.path = path;
    const bool relinked = GENERATE(false, true);
    auto before_tail = record_at(*open_store(path), 4);
    if (relinked) {  // seq 4 rewritten consistently: the tail's link to it breaks
      before_tail.body = body_of("forged");
      before_tail.hash = event_hash(before_tail);
      raw.overwrite(4, before_tail);
    } else {
      EventRecord tail = record_at(*open_store(path), 5);
      tail.actor = "someone-else";
      raw.overwrite(5, tail);
    }
    auto store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kIo);
    CHECK_THAT(store.status().message(), Catch::Contains("is damaged at its end") && Catch::Contains("seq 5"));
    CHECK_THAT(store.status().message(), Catch::Contains(relinked ? "prev_hash" : "stored hash"));
    // Read-only opens (verify, export) still work, and verify names it.
    o.read_only = true;
    auto reader = SqliteEventStore::open(o);
    REQUIRE(reader.ok());
    CHECK(must_verify(**reader).first_bad_seq == 5);
  }
  SECTION("bad options and a missing file for a read-only open") {
    SqliteStoreOptions o;
    o.path = path;
    o.sync = "sometimes";
    auto store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kConfig);
    CHECK_THAT(store.status().message(), Catch::Contains("sometimes"));
    o.sync = "normal";
    o.read_only = true;
    store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK_THAT(store.status().message(), Catch::Contains("does not exist"));
    CHECK_FALSE(fs::exists(path));
    o.read_only = false;
    o.path = dir.file("no-such-dir/audit.db");
    store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kIo);
    CHECK_THAT(store.status().message(), Catch::Contains("no-such-dir' does not exist"));
    o.path = path;  // and "normal" is a valid sync mode
    must_append(*open_store(path, o), {event("n1")});
  }
}

TEST_CASE("audit: disk full fails the batch without acknowledging it; appends resume when space returns",
          "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  auto store = open_store(path);
  must_append(*store, numbered("small", 5));

  REQUIRE(store->set_max_page_count(1).ok());  // SQLite keeps it at the current size: full from now on
  const auto big = numbered("big", 20, 4000);
  auto failed = store->append(big);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == ErrorCode::kUnavailable);
  CHECK_THAT(failed.status().message(), Catch::Contains("full") && Catch::Contains(path) &&
                                            Catch::Contains("were not written"));
  CHECK(store->counters().failed_transactions == 1);
  CHECK(store->counters().transactions == 1);
  CHECK(store->last_seq() == 5);

  // Nothing of the failed batch is there; reads and verify still work.
  RawDb raw(path);
  CHECK(raw.number("SELECT count(*) FROM events") == 5);
  CHECK(raw.number("SELECT count(*) FROM events WHERE event_id LIKE 'big%'") == 0);
  CHECK(all_records(*store).size() == 5);
  CHECK(store->read_incident("INC-small", 0, 100)->size() == 5);
  CHECK(must_verify(*store).intact);
  CHECK_FALSE(store->append(big).ok());  // still full

  REQUIRE(store->set_max_page_count(1'000'000).ok());
  const auto outcomes = must_append(*store, big);
  CHECK(outcomes.front().seq == 6);
  CHECK_FALSE(outcomes.front().duplicate);
  CHECK(outcomes.back().seq == 25);
  const auto report = must_verify(*store);
  CHECK(report.intact);
  CHECK(report.events == 25);
}

TEST_CASE("audit: a database locked by another process fails appends clearly; they resume when it is released",
          "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  SqliteStoreOptions o;
  o.busy_timeout_ms = 50;
  auto store = open_store(path, o);
  must_append(*store, numbered("x", 3));

  RawDb other(path);
  other.exec("BEGIN EXCLUSIVE");
  auto failed = store->append({event("while-locked")});
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().code() == ErrorCode::kUnavailable);
  CHECK_THAT(failed.status().message(), Catch::Contains("is locked by another process") && Catch::Contains(path));
  CHECK(store->counters().failed_transactions == 1);
  // WAL readers are not blocked by the writer.
  CHECK(all_records(*store).size() == 3);
  CHECK(must_verify(*store).intact);
  other.exec("COMMIT");

  const auto outcomes = must_append(*store, {event("while-locked")});
  CHECK(outcomes[0].seq == 4);
  CHECK(other.number("SELECT count(*) FROM events WHERE event_id = 'while-locked'") == 1);
  CHECK(must_verify(*store).intact);
}

TEST_CASE("audit: two stores appending to one file extend one chain", "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  auto a = open_store(path);
  auto b = open_store(path);
  for (int i = 0; i < 5; ++i) {
    must_append(*a, {event("a" + std::to_string(i))});
    must_append(*b, {event("b" + std::to_string(i))});
  }
  CHECK(a->last_seq() == 9);
  CHECK(b->last_seq() == 10);
  CHECK(must_append(*a, {event("b4")})[0].seq == 10);  // written by the other store: a duplicate
  const auto report = must_verify(*a);
  CHECK(report.intact);
  CHECK(report.events == 10);
}

namespace {

// Root ignores file permissions: chmod 0444 does not stop root from writing. When the tests run
// as root (as in CI), the read-only part therefore runs with the effective uid of `nobody`, for
// whom the permissions hold. seteuid() keeps the saved uid 0, so restore() can switch back.
// Run as an ordinary user, the scope does nothing and the permissions already hold.
class UnprivilegedScope {
 public:
  UnprivilegedScope() {
    if (geteuid() == 0) {
      REQUIRE(seteuid(65534) == 0);
      switched_ = true;
    }
  }
  ~UnprivilegedScope() { restore(); }
  UnprivilegedScope(const UnprivilegedScope&) = delete;
  UnprivilegedScope& operator=(const UnprivilegedScope&) = delete;
  void restore() {
    if (switched_ && seteuid(0) == 0) switched_ = false;
  }

 private:
  bool switched_ = false;
};

void chmod_db_files(const std::string& path, mode_t mode) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path + suffix;
    if (fs::exists(file)) REQUIRE(chmod(file.c_str(), mode) == 0);
  }
}

}  // namespace

TEST_CASE("audit: a read-only file serves reads, refuses appends clearly, and takes them again once writable",
          "[unit][audit]") {
  TempDir dir;
  const std::string path = dir.file("audit.db");
  must_append(*open_store(path), numbered("ro", 3));
  chmod_db_files(path, 0444);

  SECTION("directory writable: open works, appends fail naming read-only") {
    REQUIRE(chmod(dir.path().c_str(), 0777) == 0);  // SQLite creates the -shm file beside the database
    std::unique_ptr<SqliteEventStore> store;
    {
      UnprivilegedScope unprivileged;
      REQUIRE(::open(path.c_str(), O_WRONLY) == -1);  // the simulation holds
      store = open_store(path);
      CHECK_FALSE(store->writable());
      CHECK(store->last_seq() == 3);
      CHECK(all_records(*store).size() == 3);
      CHECK(must_verify(*store).intact);
      for (int attempt = 0; attempt < 2; ++attempt) {
        auto failed = store->append({event("refused")});
        REQUIRE_FALSE(failed.ok());
        CHECK(failed.status().code() == ErrorCode::kUnavailable);
        CHECK_THAT(failed.status().message(), Catch::Contains("is read-only") && Catch::Contains(path));
      }
      CHECK(store->counters().failed_transactions == 2);
      CHECK(all_records(*store).size() == 3);
    }
    chmod_db_files(path, 0644);
    const auto outcomes = must_append(*store, {event("refused")});
    CHECK(outcomes[0].seq == 4);
    CHECK_FALSE(outcomes[0].duplicate);
    CHECK(store->writable());
    CHECK(must_verify(*store).intact);
  }
  SECTION("directory read-only too: open fails naming read-only") {
    REQUIRE(chmod(dir.path().c_str(), 0555) == 0);
    UnprivilegedScope unprivileged;
    SqliteStoreOptions o;
    o.path = path;
    auto store = SqliteEventStore::open(o);
    REQUIRE_FALSE(store.ok());
    CHECK(store.status().code() == ErrorCode::kIo);
    CHECK_THAT(store.status().message(), Catch::Contains("read-only") && Catch::Contains(path));
  }
  SECTION("opened read_only on purpose: appends are refused, the file is untouched") {
    chmod_db_files(path, 0644);
    const auto size_before = fs::file_size(path);
    SqliteStoreOptions o;
    o.read_only = true;
    auto store = open_store(path, o);
    CHECK_FALSE(store->writable());
    auto failed = store->append({event("refused")});
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.status().code() == ErrorCode::kUnavailable);
    CHECK_THAT(failed.status().message(), Catch::Contains("read-only"));
    CHECK(all_records(*store).size() == 3);
    store.reset();
    CHECK(fs::file_size(path) == size_before);
  }
}
