// The gateway outbox: what a gateway accepted stays pending until the router answers, survives a
// reopen, and a key queued twice is one item.
#include <catch2/catch.hpp>

#include <filesystem>

#include "services/gateway/outbox.hpp"

using namespace liandong;
using namespace liandong::gateway;

namespace {

std::filesystem::path fresh_db(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ld-outbox-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir / "gw.db";
}

OutboxItem item(const std::string& key, Millis at) {
  OutboxItem i;
  i.key = key;
  i.command = "INCIDENT_REPORT";
  i.destination = "router";
  i.body = std::string("\x81\xa1k\x00", 4);  // bytes with a NUL survive
  i.accepted_at_ms = at;
  return i;
}

}  // namespace

TEST_CASE("outbox items stay pending until answered, across a reopen", "[unit][gateway]") {
  const auto path = fresh_db("pending");
  {
    auto db = SqliteDb::open(path.string());
    REQUIRE(db.ok());
    auto outbox = Outbox::open(**db);
    REQUIRE(outbox.ok());
    CHECK(*(*outbox)->add(item("r1", 10)));
    CHECK(*(*outbox)->add(item("r2", 20)));
    CHECK_FALSE(*(*outbox)->add(item("r1", 30)));  // the same input again: one item
    CHECK((*outbox)->pending_count() == 2);
    REQUIRE((*outbox)->mark_delivered("r1", "01INC", "dispatched", 40).ok());
    REQUIRE((*outbox)->set_cursor("gw.log", 17).ok());
  }
  auto db = SqliteDb::open(path.string());
  REQUIRE(db.ok());
  auto outbox = Outbox::open(**db);
  REQUIRE(outbox.ok());
  auto pending = (*outbox)->pending();
  REQUIRE(pending.ok());
  REQUIRE(pending->size() == 1);
  CHECK((*pending)[0].key == "r2");
  CHECK((*pending)[0].body == std::string("\x81\xa1k\x00", 4));
  auto done = (*outbox)->find("r1");
  REQUIRE(done);
  CHECK(done->state == OutboxState::kDelivered);
  CHECK(done->incident_id == "01INC");
  CHECK(done->result == "dispatched");
  CHECK(*(*outbox)->cursor("gw.log") == 17);
  CHECK(*(*outbox)->cursor("other") == 0);
}

TEST_CASE("refused items stop being pending and old answered ones are pruned", "[unit][gateway]") {
  const auto path = fresh_db("prune");
  auto db = SqliteDb::open(path.string());
  REQUIRE(db.ok());
  auto outbox = Outbox::open(**db);
  REQUIRE(outbox.ok());
  Outbox& o = **outbox;
  REQUIRE(*o.add(item("a", 1)));
  REQUIRE(*o.add(item("b", 2)));
  REQUIRE(*o.add(item("c", 3)));
  REQUIRE(o.mark_refused("a", "INVALID_TRANSITION: order is closed", 100).ok());
  REQUIRE(o.mark_delivered("b", "01INC", "accepted", 500).ok());
  // A late second answer does not change a finished item.
  REQUIRE(o.mark_delivered("a", "01X", "dispatched", 600).ok());
  CHECK(o.find("a")->state == OutboxState::kRefused);
  CHECK(o.find("a")->result == "INVALID_TRANSITION: order is closed");
  CHECK(*o.prune(200) == 1);  // only "a" was answered before 200; "c" is pending and stays
  CHECK_FALSE(o.find("a"));
  CHECK(o.find("b"));
  CHECK(o.pending_count() == 1);
}

TEST_CASE("a gateway database that cannot be opened is an error naming the file", "[unit][gateway]") {
  auto db = SqliteDb::open("/nonexistent-dir-for-liandong/gw.db");
  REQUIRE_FALSE(db.ok());
  CHECK(db.status().message().find("/nonexistent-dir-for-liandong/gw.db") != std::string::npos);
}

TEST_CASE("record ids start at the creation time, so a lost database never reuses a report id", "[unit][gateway]") {
  const auto path = fresh_db("ids");
  auto make = [&](Millis now) {
    std::filesystem::remove(path);
    auto db = SqliteDb::open(path.string(), "CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT);");
    REQUIRE(db.ok());
    REQUIRE(seed_ids_from_clock(**db, "records", now).ok());
    REQUIRE(seed_ids_from_clock(**db, "records", now + 999).ok());  // a second start changes nothing
    REQUIRE((*db)->exec("INSERT INTO records (x) VALUES ('a'); INSERT INTO records (x) VALUES ('b');").ok());
    Statement s(**db, "SELECT MAX(id) FROM records");
    REQUIRE(*s.step());
    return s.integer(0);
  };
  const auto first_life = make(1'700'000'000'000);
  CHECK(first_life == 1'700'000'000'002);
  const auto second_life = make(1'700'000'060'000);  // the file was lost and made again a minute later
  CHECK(second_life > first_life);
}
