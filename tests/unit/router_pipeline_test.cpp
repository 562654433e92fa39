// The router's "event first, then act" pipeline and its priority lanes, without sockets.
#include <catch2/catch.hpp>

#include "services/router/audit_pipeline.hpp"
#include "services/router/router_inbox.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {
Decision decision(std::vector<std::string> event_ids, std::vector<std::string> sends) {
  Decision d;
  for (auto& id : event_ids) {
    v1::AuditEvent e;
    e.event_id = id;
    d.events.push_back(e);
  }
  for (auto& to : sends) d.after_durable.push_back({to, "X", "", ""});
  return d;
}

std::vector<std::string> targets(const std::vector<Send>& sends) {
  std::vector<std::string> out;
  for (const auto& s : sends) out.push_back(s.to);
  return out;
}
}  // namespace

TEST_CASE("messages wait for all their events and leave in decision order", "[unit][router]") {
  AuditPipeline p(1000);
  auto a = p.submit(decision({"e1", "e2"}, {"unit-a"}), 0);
  CHECK(a.append.size() == 2);
  CHECK(a.release.empty());
  auto b = p.submit(decision({"e3"}, {"unit-b"}), 0);
  // A decision without events still waits for the ones before it (a duplicate REPORT_ACK must not
  // overtake the original's durable write).
  CHECK(p.submit(decision({}, {"reporter"}), 0).release.empty());
  CHECK(p.acknowledged("e3").release.empty());  // b is done, but a is not
  CHECK(p.acknowledged("e1").release.empty());
  CHECK(targets(p.acknowledged("e2").release) == std::vector<std::string>{"unit-a", "unit-b", "reporter"});
  CHECK(p.held_decisions() == 0);
  CHECK(p.acknowledged("e2").release.empty());  // a late duplicate acknowledgement changes nothing
  CHECK(targets(p.submit(decision({}, {"now"}), 0).release) == std::vector<std::string>{"now"});
}

TEST_CASE("unacknowledged or refused events are sent again after the retry interval", "[unit][router]") {
  AuditPipeline p(1000);
  p.submit(decision({"e1", "e2"}, {"u"}), 0);
  CHECK(p.due(999).empty());
  CHECK(p.due(1000).size() == 2);
  CHECK(p.due(1500).empty());
  p.refused("e1", 1500);
  CHECK(p.due(2499).size() == 1);  // e2's second retry comes at 2000
  auto again = p.due(2500);
  REQUIRE(again.size() == 1);
  CHECK(again[0].event_id == "e1");
  p.acknowledged("e1");
  p.acknowledged("e2");
  CHECK(p.unacknowledged() == 0);
  CHECK(p.due(10'000).empty());
}

TEST_CASE("the inbox hands out the most urgent message first, in arrival order within a lane", "[unit][router]") {
  RouterInbox inbox([](const Envelope& e) { return e.body.empty() ? 9 : e.body[0] - '0'; });
  for (const auto& [id, prio] : std::vector<std::pair<std::string, std::string>>{
           {"a", "4"}, {"b", "4"}, {"c", "1"}, {"d", "3"}, {"e", "1"}, {"f", "0"}}) {
    inbox.push(Envelope{"X", "p", id, prio});
  }
  std::string order;
  while (!inbox.empty()) order += inbox.pop().message_id;
  CHECK(order == "fcedab");
}

TEST_CASE("the inbox hands out reads only when nothing else waits", "[unit][router]") {
  RouterInbox inbox([](const Envelope& e) {
    return e.command == "INCIDENTS_QUERY" ? RouterInbox::kReadLane : e.body[0] - '0';
  });
  inbox.push(Envelope{"INCIDENTS_QUERY", "cli", "q1", ""});
  inbox.push(Envelope{"INCIDENTS_QUERY", "cli", "q2", ""});
  inbox.push(Envelope{"INCIDENT_REPORT", "gw", "r5", "5"});
  inbox.push(Envelope{"AUDIT_ACK", "audit", "a0", "0"});
  std::string order;
  while (!inbox.empty() && !inbox.next_is_read()) order += inbox.pop().message_id;
  CHECK(order == "a0r5");
  inbox.push(Envelope{"INCIDENT_REPORT", "gw", "r1", "1"});  // arrives between two turns of reads
  CHECK_FALSE(inbox.next_is_read());
  CHECK(inbox.pop().message_id == "r1");
  REQUIRE(inbox.next_is_read());
  CHECK(inbox.pop().message_id == "q1");
  CHECK(inbox.pop().message_id == "q2");
  CHECK(inbox.empty());
}
