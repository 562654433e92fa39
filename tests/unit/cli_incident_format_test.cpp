// How the router commands of `liandong` show what the router answers (tools/cli/incident_format.hpp,
// text_table.hpp) and what `unit listen` does with each message (tools/cli/unit_console.hpp).
#include <catch2/catch.hpp>

#include "core/codec.hpp"
#include "tools/cli/incident_format.hpp"
#include "tools/cli/text_table.hpp"
#include "tools/cli/unit_console.hpp"

using namespace liandong;
using namespace liandong::cli;

namespace {
constexpr std::int64_t kAt = 1'795'595'464'369;  // 2026-11-25T08:31:04.369Z

v1::IncidentView sample_incident() {
  v1::IncidentView v;
  v.incident_id = "01M88X8VNKB6TWAHB1MHVWCT5P";
  v.state = "dispatched";
  v.source = "110";
  v.category = "fire.building";
  v.priority = 1;
  v.grid = "G00001";
  v.town = "jiyang";
  v.location = v1::Location{29.691, 120.251};
  v.address = "后湾社区 3号";
  v.text = "smoke, call back 13812345678";
  v.linked = {"01M88X9R79BXP49MJ3TK7H770T"};
  v.report_ids = {"r-001", "r-002"};
  v.reported_at_ms = kAt;
  v.orders = {{"01M88X8VNKB6TWAHB1MHVWCT5R", "fire.st01", "dispatched", 0, kAt + 60'000, "rule 'fire'"},
              {"01M88X8VNKB6TWAHB1MHVWCT5T", "police.ps01", "accepted", 1, kAt + 90'000, "escalated"}};
  v.timeline = {{kAt + 2, "incident.reported", "reported via 110"}, {kAt + 3, "order.dispatched", "to fire.st01"}};
  return v;
}

v1::DispatchOrder sample_order() {
  v1::DispatchOrder o;
  o.order_id = "O1";
  o.incident_id = "I1";
  o.unit = "police.ps03";
  o.source = "110";
  o.category = "traffic.accident";
  o.priority = 2;
  o.grid = "G00100";
  o.address = "Jiyang Rd 5";
  o.text = "two cars, call 13812345678";
  o.ack_deadline_ms = kAt;
  o.rung = 1;
  o.reason = "escalated from traffic.sq01";
  return o;
}

template <class M>
Envelope envelope_of(const M& message, const std::string& from = "router") {
  return Envelope{std::string(M::kCommand), from, "m1", encode_body(message)};
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}
}  // namespace

TEST_CASE("priorities are read as P1..P4 or 1..4", "[unit][cli]") {
  CHECK(parse_priority("P1") == 1);
  CHECK(parse_priority("p4") == 4);
  CHECK(parse_priority("3") == 3);
  CHECK_FALSE(parse_priority("P5"));
  CHECK_FALSE(parse_priority("P"));
  CHECK_FALSE(parse_priority("P12"));
}

TEST_CASE("locations are printed without trailing zeros", "[unit][cli]") {
  CHECK(format_location({29.691, 120.251}) == "29.691, 120.251");
  CHECK(format_location({30, -120.5}) == "30, -120.5");
  CHECK(format_location({1.1234567, 2}) == "1.123457, 2");
}

TEST_CASE("a report's acknowledgement is one line or one JSON object", "[unit][cli]") {
  v1::ReportAck ack{"r-1", "I1", false, std::nullopt, "dispatched"};
  CHECK(report_ack_line(ack) == "incident I1 dispatched");
  auto j = to_json(ack);
  CHECK(j.dump() == R"({"incident_id":"I1","report_id":"r-1","state":"dispatched","duplicate":false,"merged_into":null})");

  ack.merged_into = "I0";
  ack.state = "merged";
  CHECK(report_ack_line(ack) == "incident I1 merged (merged into I0)");
  ack.duplicate = true;
  CHECK(report_ack_line(ack) == "incident I1 merged (merged into I0) (already reported)");
  j = to_json(ack);
  CHECK(j["merged_into"] == "I0");
  CHECK(j["duplicate"] == true);
}

TEST_CASE("receipts are one line per command", "[unit][cli]") {
  v1::Receipt r{"O1", "I1", "accepted", false};
  CHECK(order_receipt_line(r) == "order O1 accepted");
  CHECK(incident_receipt_line(r) == "incident I1 accepted");
  CHECK(unlink_receipt_line(r) == "incident I1 unlinked, now accepted");
  CHECK(transfer_receipt_line(r, "96345") == "incident I1 transferred to 96345, now accepted");
  r.duplicate = true;
  CHECK(order_receipt_line(r) == "order O1 accepted (already recorded)");
  CHECK(to_json(r).dump() == R"({"key":"O1","incident_id":"I1","state":"accepted","duplicate":true})");
}

TEST_CASE("an incident is shown as a block with its orders and timeline", "[unit][cli]") {
  const std::string text = format_incident(sample_incident());
  INFO(text);
  CHECK(text.rfind("incident 01M88X8VNKB6TWAHB1MHVWCT5P  dispatched\n", 0) == 0);
  CHECK(contains(text, "  source      110\n"));
  CHECK(contains(text, "  category    fire.building\n"));
  CHECK(contains(text, "  priority    P1\n"));
  CHECK(contains(text, "  grid        G00001 (town jiyang)\n"));
  CHECK(contains(text, "  location    29.691, 120.251\n"));
  CHECK(contains(text, "  address     后湾社区 3号\n"));
  CHECK(contains(text, "  linked      01M88X9R79BXP49MJ3TK7H770T\n"));
  CHECK(contains(text, "  reported    2026-11-25T08:31:04.369Z\n"));
  CHECK(contains(text, "  report ids  r-001, r-002\n"));
  CHECK(contains(text, "orders (2)\n  ORDER                       UNIT         STATE       RUNG  ACK BY (UTC)"));
  CHECK(contains(text, "  01M88X8VNKB6TWAHB1MHVWCT5R  fire.st01    dispatched  0     2026-11-25T08:32:04.369Z  "
                       "rule 'fire'\n"));
  CHECK(contains(text, "timeline (2)\n  2026-11-25T08:31:04.371Z  incident.reported  reported via 110\n"));
  CHECK_FALSE(contains(text, "merged into"));
  CHECK_FALSE(contains(text, "triage"));
}

TEST_CASE("the incident block masks phone numbers in free text", "[unit][cli]") {
  const std::string text = format_incident(sample_incident());
  CHECK(contains(text, "  text        smoke, call back 138****5678\n"));
  CHECK_FALSE(contains(text, "13812345678"));
}

TEST_CASE("an incident without orders or location says so", "[unit][cli]") {
  v1::IncidentView v;
  v.incident_id = "I2";
  v.state = "triage";
  v.source = "watch";
  v.category = "unknown.thing";
  v.priority = 3;
  v.location_note = "on no grid: nearest grid G00007";
  v.triage_reason = "unknown category 'unknown.thing'";
  v.merged_into = "I1";
  const std::string text = format_incident(v);
  INFO(text);
  CHECK(contains(text, "  location    (on no grid: nearest grid G00007)\n"));
  CHECK(contains(text, "  triage      unknown category 'unknown.thing'\n"));
  CHECK(contains(text, "  merged into I1\n"));
  CHECK(contains(text, "  report ids  (none)\n"));
  CHECK(contains(text, "orders (0)\n  (none)\n"));
  CHECK(contains(text, "timeline (0)\n  (none)\n"));
  CHECK_FALSE(contains(text, "  grid"));
}

TEST_CASE("an incident as JSON carries every field of the router's view", "[unit][cli]") {
  const auto j = to_json(sample_incident());
  CHECK(j["incident_id"] == "01M88X8VNKB6TWAHB1MHVWCT5P");
  CHECK(j["priority"] == 1);
  CHECK(j["town"] == "jiyang");
  CHECK(j["location"]["lat"] == 29.691);
  CHECK(j["location_note"].is_null());
  CHECK(j["triage_reason"].is_null());
  CHECK(j["merged_into"].is_null());
  CHECK(j["text"] == "smoke, call back 13812345678");  // as the router sent it
  CHECK(j["linked"].size() == 1);
  CHECK(j["report_ids"] == nlohmann::ordered_json({"r-001", "r-002"}));
  CHECK(j["reported_at"] == "2026-11-25T08:31:04.369Z");
  CHECK(j["reported_at_ms"] == kAt);
  REQUIRE(j["orders"].size() == 2);
  CHECK(j["orders"][1]["unit"] == "police.ps01");
  CHECK(j["orders"][1]["rung"] == 1);
  CHECK(j["orders"][1]["ack_deadline"] == "2026-11-25T08:32:34.369Z");
  CHECK(j["orders"][1]["ack_deadline_ms"] == kAt + 90'000);
  REQUIRE(j["timeline"].size() == 2);
  CHECK(j["timeline"][0]["type"] == "incident.reported");
  CHECK(j["timeline"][0]["at_ms"] == kAt + 2);
}

TEST_CASE("the incident list is a table ending with N of TOTAL", "[unit][cli]") {
  v1::IncidentList list;
  list.query_id = "q";
  list.total = 7;
  list.incidents = {{"I1", "dispatched", "110", "fire.building", 1, "G00001", kAt, 2},
                    {"I22", "triage", "watch", "unknown.thing", 3, std::nullopt, kAt - 1000, 0}};
  const std::string text = format_incident_list(list);
  INFO(text);
  CHECK(text ==
        "ID   STATE       SOURCE  CATEGORY       P   GRID    REPORTED (UTC)        OPEN ORDERS\n"
        "I1   dispatched  110     fire.building  P1  G00001  2026-11-25T08:31:04Z  2\n"
        "I22  triage      watch   unknown.thing  P3  -       2026-11-25T08:31:03Z  0\n"
        "2 of 7\n");
  const auto j = to_json(list);
  CHECK(j["total"] == 7);
  REQUIRE(j["incidents"].size() == 2);
  CHECK(j["incidents"][0]["open_orders"] == 2);
  CHECK(j["incidents"][1]["grid"].is_null());
  CHECK(j["incidents"][1]["reported_at"] == "2026-11-25T08:31:03.369Z");

  CHECK(format_incident_list(v1::IncidentList{"q", {}, 0}) == "0 of 0\n");
}

TEST_CASE("a dispatch order is one JSON line or one readable line", "[unit][cli]") {
  const auto o = sample_order();
  const auto j = to_json(o);
  CHECK(j.dump() ==
        R"({"order_id":"O1","incident_id":"I1","unit":"police.ps03","source":"110","category":"traffic.accident",)"
        R"("priority":2,"grid":"G00100","location":null,"address":"Jiyang Rd 5","text":"two cars, call 13812345678",)"
        R"("ack_deadline":"2026-11-25T08:31:04.369Z","ack_deadline_ms":1795595464369,"rung":1,)"
        R"("reason":"escalated from traffic.sq01"})");
  CHECK(dispatch_order_line(o) ==
        "order O1 for incident I1: P2 traffic.accident (110), grid G00100, Jiyang Rd 5; accept by "
        "2026-11-25T08:31:04.369Z (rung 1: escalated from traffic.sq01): two cars, call 138****5678");

  v1::DispatchOrder bare = o;
  bare.grid.reset();
  bare.address.reset();
  bare.text.reset();
  bare.reason.reset();
  bare.location = v1::Location{29.5, 120.25};
  CHECK(dispatch_order_line(bare) ==
        "order O1 for incident I1: P2 traffic.accident (110), at 29.5, 120.25; accept by 2026-11-25T08:31:04.369Z (rung 1)");
}

TEST_CASE("a status update for a unit is one line", "[unit][cli]") {
  v1::StatusUpdate u{"U1", "I1", "police.ps03", "O1", "withdrawn", "incident transferred from 110 to 96345", kAt};
  CHECK(status_update_line(u) == "order O1 of incident I1 withdrawn: incident transferred from 110 to 96345");
  u.order_id.reset();
  u.note.reset();
  CHECK(status_update_line(u) == "incident I1 withdrawn");
  const auto j = to_json(u);
  CHECK(j["order_id"].is_null());
  CHECK(j["at"] == "2026-11-25T08:31:04.369Z");
}

TEST_CASE("tables align by terminal columns, wide characters counting two", "[unit][cli]") {
  CHECK(display_width("abc") == 3);
  CHECK(display_width("后湾") == 4);
  CHECK(display_width("é") == 1);
  CHECK(format_table({{"A", "B", "C"}, {"后湾", "x"}}, "> ") == "> A     B  C\n> 后湾  x\n");
}

TEST_CASE("unit listen prints orders and accepts them with --ack", "[unit][cli]") {
  UnitConsole console("police.ps03", /*json=*/false, /*ack=*/true);
  auto r = console.on_message(envelope_of(sample_order()));
  REQUIRE(r.out.size() == 1);
  CHECK(r.out[0].rfind("order O1 for incident I1: P2", 0) == 0);
  REQUIRE(r.ack);
  CHECK(r.ack->order_id == "O1");
  CHECK(r.ack->unit == "police.ps03");
  CHECK(r.ack->accepted);
  CHECK(r.errors.empty());
  CHECK(console.orders() == 1);

  SECTION("an order sent again is printed, marked, acknowledged again and counted once") {
    r = console.on_message(envelope_of(sample_order()));
    REQUIRE(r.out.size() == 1);
    CHECK(contains(r.out[0], "(sent again)"));
    CHECK(r.ack);
    CHECK(console.orders() == 1);
  }
  SECTION("receipts are not shown without --json") {
    r = console.on_message(envelope_of(v1::Receipt{"O1", "I1", "accepted", false}));
    CHECK(r.out.empty());
    CHECK_FALSE(r.ack);
  }
}

TEST_CASE("unit listen --json prints JSON lines and wraps what is not an order", "[unit][cli]") {
  UnitConsole console("police.ps03", /*json=*/true, /*ack=*/false);
  auto r = console.on_message(envelope_of(sample_order()));
  REQUIRE(r.out.size() == 1);
  CHECK(nlohmann::json::parse(r.out[0])["order_id"] == "O1");
  CHECK_FALSE(r.ack);

  r = console.on_message(envelope_of(v1::Receipt{"O1", "I1", "accepted", false}));
  REQUIRE(r.out.size() == 1);
  CHECK(nlohmann::json::parse(r.out[0])["receipt"]["state"] == "accepted");

  r = console.on_message(
      envelope_of(v1::StatusUpdate{"U1", "I1", "police.ps03", "O1", "withdrawn", std::nullopt, kAt}));
  REQUIRE(r.out.size() == 1);
  CHECK(nlohmann::json::parse(r.out[0])["status_update"]["state"] == "withdrawn");
}

TEST_CASE("unit listen reports refusals and unreadable messages and goes on", "[unit][cli]") {
  UnitConsole console("police.ps03", false, true);
  v1::Error refused{208, "FORBIDDEN", "order O1 was sent to police.ps01, not to police.ps03", "m0", "ORDER_ACK"};
  auto r = console.on_message(envelope_of(refused));
  CHECK(r.out.empty());
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0] == "'router' refused ORDER_ACK: order O1 was sent to police.ps01, not to police.ps03 (FORBIDDEN)");

  v1::Error not_registered{102, "NOT_REGISTERED", "register first", "m0", "HEARTBEAT"};
  CHECK(console.on_message(envelope_of(not_registered, "")).errors.empty());

  r = console.on_message(Envelope{"DISPATCH_ORDER", "router", "m2", std::string("\x81\xa1x\x01", 4)});
  CHECK(r.out.empty());
  CHECK_FALSE(r.ack);
  REQUIRE(r.errors.size() == 1);
  CHECK(contains(r.errors[0], "unreadable DISPATCH_ORDER from 'router'"));
  CHECK(console.orders() == 0);

  CHECK(console.on_message(Envelope{"SOMETHING_ELSE", "router", "m3", "\x80"}).out.empty());
}

TEST_CASE("a merge by hand answers in one line; possibly related incidents are shown", "[unit][cli]") {
  v1::Receipt r{"q1", "I2", "merged", false};
  CHECK(merge_receipt_line(r, "I1") == "incident I2 merged into I1, now merged");
  r.duplicate = true;
  CHECK(merge_receipt_line(r, "I1") == "incident I2 merged into I1, now merged (already recorded)");
  auto v = sample_incident();
  CHECK_FALSE(contains(format_incident(v), "related"));
  CHECK(to_json(v)["related"] == nlohmann::json::array());
  v.related = std::vector<std::string>{"I7", "I9"};
  CHECK(contains(format_incident(v), "  related     I7, I9 (possibly; each dispatched)\n"));
  CHECK(to_json(v)["related"] == nlohmann::json({"I7", "I9"}));
}
