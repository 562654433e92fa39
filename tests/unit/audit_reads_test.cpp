// Reads beside writes at the audit service (issue #12, docs/security.md "Reads beside writes"):
// AuditService on a real SqliteEventStore in a temporary directory, driven the way its loop drives
// it (on_message for what arrived, flush, then serve_reads). Appends are acknowledged before reads
// that arrived ahead of them; a verification walks the log in slices; peers take turns; a peer's
// queue of waiting reads is bounded.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/audit/audit_service.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace liandong;
using namespace liandong::audit;

namespace {

const std::string kBody = "\xa4" "body";  // msgpack: the string "body"

struct Sent {
  std::string to;
  std::string command;
  std::string body;
};

class Recorder final : public AuditOutbound {
 public:
  std::string send(const std::string& to, std::string_view command, const std::string& body) override {
    sent.push_back({to, std::string(command), body});
    return "m" + std::to_string(sent.size());
  }
  std::vector<Sent> sent;
};

// A log of `events` events and the service on it, with small read slices so tests stay small.
struct ReadsFixture {
  testing::UnitTempDir dir;
  std::unique_ptr<SqliteEventStore> store;
  Recorder out;
  ManualClock clock;
  AuditServiceOptions options;
  std::unique_ptr<AuditService> service;
  int next_message = 0;

  explicit ReadsFixture(int events, AuditServiceOptions o) : options(o) {
    SqliteStoreOptions so;
    so.path = dir.file("audit.db");
    so.sync = "normal";
    auto opened = SqliteEventStore::open(so);
    REQUIRE(opened.ok());
    store = std::move(opened).value();
    std::vector<NewEvent> batch;
    for (int i = 1; i <= events; ++i) {
      batch.push_back({"old-" + std::to_string(i), "INC-1", "incident.reported", "router", 1000 + i, kBody});
    }
    if (!batch.empty()) REQUIRE(store->append(batch).ok());
    service = std::make_unique<AuditService>(*store, out, clock, options);
  }

  template <class M>
  void arrive(const std::string& from, const M& body) {
    service->on_message(Envelope{std::string(M::kCommand), from, "id-" + std::to_string(++next_message),
                                 encode_body(body)});
  }
  // One turn of the loop after messages arrived: commit, then reads.
  void turn() {
    service->flush();
    service->serve_reads();
  }
  std::vector<std::string> commands_to(const std::string& peer) const {
    std::vector<std::string> out_commands;
    for (const auto& s : out.sent) {
      if (s.to == peer) out_commands.push_back(s.command);
    }
    return out_commands;
  }
  std::size_t count(const std::string& command) const {
    std::size_t n = 0;
    for (const auto& s : out.sent) n += s.command == command ? 1 : 0;
    return n;
  }
};

v1::AuditEvent new_event(const std::string& id) {
  v1::AuditEvent e;
  e.event_id = id;
  e.incident_id = "INC-P1";
  e.type = "incident.reported";
  e.actor = "router";
  e.at_ms = 5000;
  e.body.bytes = kBody;
  return e;
}

AuditServiceOptions small_reads() {
  AuditServiceOptions o;
  o.read_slice = 100;
  o.read_budget = 200;
  o.max_waiting_reads = 50;
  return o;
}

}  // namespace

TEST_CASE("audit: an append is acknowledged before the reads that arrived ahead of it are answered",
          "[unit][audit][reads]") {
  ReadsFixture f(1000, small_reads());
  for (int i = 0; i < 20; ++i) f.arrive("cli-flood", v1::AuditVerify{"v" + std::to_string(i)});
  v1::AuditQuery all;
  all.query_id = "q";
  all.from_seq = 1;
  f.arrive("cli-flood", all);
  f.arrive("router", new_event("p1-event"));
  // Nothing is read while the messages are taken in.
  CHECK(f.out.sent.empty());
  f.turn();
  REQUIRE(f.commands_to("router") == std::vector<std::string>{"AUDIT_ACK"});
  CHECK(f.out.sent.front().to == "router");  // sent before any answer to a read
  // One turn read about read_budget records: no verification of 1,000 events finished yet.
  CHECK(f.count("AUDIT_VERIFY_REPLY") == 0);
  CHECK(f.service->has_pending_reads());

  // The reads are all answered, in order, over later turns (bounded).
  for (int turns = 0; turns < 1000 && f.service->has_pending_reads(); ++turns) f.turn();
  CHECK_FALSE(f.service->has_pending_reads());
  CHECK(f.count("AUDIT_VERIFY_REPLY") == 20);
  CHECK(f.count("AUDIT_EVENTS") == 1);
}

TEST_CASE("audit: a verification walks a long log in slices and reports the whole chain", "[unit][audit][reads]") {
  ReadsFixture f(1050, small_reads());
  f.arrive("cli", v1::AuditVerify{"whole"});
  int turns = 0;
  for (; turns < 100 && f.service->has_pending_reads(); ++turns) {
    f.turn();
    // Events appended while the walk goes on are not part of it (it checks the log as it was).
    if (turns == 2) f.arrive("router", new_event("during-" + std::to_string(turns)));
  }
  CHECK(turns == 6);  // 1,050 records, 100 per slice, 200 per turn
  REQUIRE(f.count("AUDIT_VERIFY_REPLY") == 1);
  const auto& sent = f.out.sent.back();
  REQUIRE(sent.command == "AUDIT_VERIFY_REPLY");
  auto reply = decode_body<v1::AuditVerifyReply>(sent.body);
  REQUIRE(reply.ok());
  CHECK(reply->query_id == "whole");
  CHECK(reply->intact);
  CHECK(reply->events == 1050);
}

TEST_CASE("audit: a verification in slices still finds a missing event", "[unit][audit][reads]") {
  ReadsFixture f(350, small_reads());
  // Tamper with the file through a second connection: delete one event in the third slice.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(f.dir.file("audit.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "DELETE FROM events WHERE seq = 250", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close_v2(db);
  }
  f.arrive("cli", v1::AuditVerify{"gap"});
  for (int turns = 0; turns < 100 && f.service->has_pending_reads(); ++turns) f.turn();
  REQUIRE(f.count("AUDIT_VERIFY_REPLY") == 1);
  auto reply = decode_body<v1::AuditVerifyReply>(f.out.sent.back().body);
  REQUIRE(reply.ok());
  CHECK_FALSE(reply->intact);
  CHECK(reply->problem == "gap");
  CHECK(reply->first_bad_seq == 250);
}

TEST_CASE("audit: peers take turns with their reads, so one peer's flood does not delay another's",
          "[unit][audit][reads]") {
  ReadsFixture f(1000, small_reads());
  for (int i = 0; i < 30; ++i) f.arrive("cli-flood", v1::AuditVerify{"v" + std::to_string(i)});
  v1::AuditQuery trail;
  trail.query_id = "trail";
  trail.incident_id = "INC-1";
  trail.limit = 10;
  f.arrive("console", trail);
  f.turn();
  // The console's one query was answered in the first turn, before any of the flood's verifications.
  REQUIRE(f.commands_to("console") == std::vector<std::string>{"AUDIT_EVENTS"});
  CHECK(f.count("AUDIT_VERIFY_REPLY") == 0);
  auto page = decode_body<v1::AuditEvents>(f.out.sent.back().body);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 10);
  CHECK_FALSE(page->complete);
}

TEST_CASE("audit: a peer with too many reads waiting is answered BUSY for the rest", "[unit][audit][reads]") {
  ReadsFixture f(10, small_reads());
  for (int i = 0; i < 60; ++i) f.arrive("cli-flood", v1::AuditVerify{"v" + std::to_string(i)});
  CHECK(f.count("ERROR") == 10);
  for (const auto& s : f.out.sent) {
    auto err = decode_body<v1::Error>(s.body);
    REQUIRE(err.ok());
    CHECK(err->name == "BUSY");
    CHECK_THAT(err->message, Catch::Contains("50 reads waiting"));
  }
  f.arrive("console", v1::AuditVerify{"other"});  // another peer's queue is its own
  CHECK(f.count("ERROR") == 10);
  for (int turns = 0; turns < 100 && f.service->has_pending_reads(); ++turns) f.turn();
  CHECK(f.count("AUDIT_VERIFY_REPLY") == 51);
  CHECK(f.service->stats().counters.at("reads_refused_busy") == 10);
}

TEST_CASE("audit: a query answer reads at most one slice and says where to go on", "[unit][audit][reads]") {
  ReadsFixture f(500, small_reads());
  v1::AuditQuery q;
  q.query_id = "big";
  q.from_seq = 1;
  q.limit = 10'000;
  f.arrive("router", q);
  f.turn();
  REQUIRE(f.count("AUDIT_EVENTS") == 1);
  auto page = decode_body<v1::AuditEvents>(f.out.sent.back().body);
  REQUIRE(page.ok());
  CHECK(page->events.size() == 100);
  CHECK_FALSE(page->complete);
  CHECK(page->next_seq == 101);
}
