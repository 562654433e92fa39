// The 110 gateway's request parsing and validation, and its live feed's per-client queues
// (no sockets).
#include <catch2/catch.hpp>

#include "services/gw_110/emergency_request.hpp"
#include "services/gw_110/feed_hub.hpp"

using namespace liandong;
using namespace liandong::gw110;
using nlohmann::json;

TEST_CASE("110 incident: a good request becomes a report with id 110-<ref>", "[unit][gw_110]") {
  const json body = {{"category", "traffic.accident"},
                     {"priority", 1},
                     {"location", {{"lat", 29.691}, {"lon", 120.2512}}},
                     {"caller", {{"phone", "13900001111"}}},
                     {"text", "两车相撞"}};
  auto r = parse_incident(body);
  REQUIRE(r.ok());
  const v1::IncidentReport report = to_report(*r, "REF1", 5);
  CHECK(report.report_id == "110-REF1");
  CHECK(report.source == "110");
  CHECK(report.priority == 1);
  CHECK(report.location->lat == Approx(29.691));
  CHECK(report.validate().ok());
  // Caller is optional; any one of location, grid, address is enough.
  CHECK(parse_incident(json{{"category", "fire.building"}, {"grid", "G00002"}, {"text", "冒烟"}}).ok());
  CHECK(parse_incident(json{{"category", "fire.building"}, {"address", "xx 路"}, {"text", "冒烟"}}).ok());
}

TEST_CASE("110 incident: errors name the field and the problem", "[unit][gw_110]") {
  auto check = [](const json& body, ErrorCode code, const std::string& mentions) {
    auto r = parse_incident(body);
    REQUIRE_FALSE(r.ok());
    INFO(r.status().to_string());
    CHECK(r.status().code() == code);
    CHECK(r.status().message().find(mentions) != std::string::npos);
  };
  check(json{{"grid", "G00001"}, {"text", "x"}}, ErrorCode::kMissingField, "'category'");
  check(json{{"category", "fire.building"}, {"text", "x"}}, ErrorCode::kMissingField, "'location', 'grid' or 'address'");
  check(json{{"category", "fire.building"}, {"grid", "G00001"}}, ErrorCode::kMissingField, "'text'");
  check(json{{"category", "fire.building"}, {"grid", 12}, {"text", "x"}}, ErrorCode::kWrongType, "'grid'");
  check(json{{"category", "fire.building"}, {"grid", "G1"}, {"priority", "1"}, {"text", "x"}}, ErrorCode::kWrongType,
        "'priority'");
  check(json{{"category", "fire.building"}, {"grid", "G1"}, {"priority", 0}, {"text", "x"}}, ErrorCode::kInvalidValue,
        "'priority' is 0");
  check(json{{"category", "fire.building"}, {"location", "here"}, {"text", "x"}}, ErrorCode::kWrongType, "'location'");
  check(json{{"category", "fire.building"}, {"grid", "G1"}, {"caller", {{"phone", 139}}}, {"text", "x"}},
        ErrorCode::kWrongType, "'caller.phone'");
}

TEST_CASE("110 feed query", "[unit][gw_110]") {
  auto q = parse_feed_query("", "");
  REQUIRE(q.ok());
  CHECK(q->from_seq == 0);
  CHECK(q->limit == 100);
  q = parse_feed_query("42", "7");
  REQUIRE(q.ok());
  CHECK(q->from_seq == 42);
  CHECK(q->limit == 7);
  CHECK(parse_feed_query("-1", "").status().message().find("'from_seq'") != std::string::npos);
  CHECK(parse_feed_query("", "0").status().code() == ErrorCode::kInvalidValue);
  CHECK(parse_feed_query("", "5000").status().message().find("1..1000") != std::string::npos);
}

TEST_CASE("110 feed hub: bounded per-client queues, slow clients dropped", "[unit][gw_110]") {
  FeedHub hub(3, 2);
  auto fast = hub.subscribe();
  auto slow = hub.subscribe();
  REQUIRE(fast);
  REQUIRE(slow);
  CHECK(hub.subscribe() == nullptr);  // at most 2 clients
  auto entry = [](std::int64_t seq) { return gateway::HistoryEntry{seq, 0, "I1", "order.accepted", "x"}; };
  hub.publish({entry(1), entry(2)});
  auto got = fast->take(0);
  REQUIRE(got.size() == 2);
  CHECK(got[1].seq == 2);
  hub.publish({entry(3), entry(4)});  // slow now holds 4 > 3 entries: dropped
  CHECK(slow->dropped());
  CHECK(hub.clients() == 1);
  CHECK(hub.dropped_clients() == 1);
  CHECK(fast->take(0).size() == 2);
  CHECK(fast->take(10).empty());  // waits at most 10 ms
  hub.close_all();
  CHECK(fast->closed());
  CHECK(hub.subscribe() == nullptr);
}
