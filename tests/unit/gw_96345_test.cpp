// The 96345 gateway's request parsing and validation (no sockets), and the shared JSON helpers.
#include <catch2/catch.hpp>

#include "services/gateway/http_api.hpp"
#include "services/gw_96345/hotline_request.hpp"

using namespace liandong;
using namespace liandong::gw96345;
using nlohmann::json;

namespace {
json good() {
  return {{"category", "utility.water_leak"},
          {"caller", {{"phone", "138 1234 5678"}, {"name", "王五"}}},
          {"address", "浣东街道 2 号"},
          {"text", "路边水管漏水"}};
}
void refused(const json& body, ErrorCode code, const std::string& mentions) {
  auto r = parse_work_order(body);
  REQUIRE_FALSE(r.ok());
  INFO(r.status().to_string());
  CHECK(r.status().code() == code);
  CHECK(r.status().message().find(mentions) != std::string::npos);
}
}  // namespace

TEST_CASE("96345 work order: a good request becomes a report with id 96345-<id>", "[unit][gw_96345]") {
  json body = good();
  body["priority"] = 2;
  body["location"] = {{"lat", 29.7}, {"lon", 120.25}};
  body["grid"] = "G00001";
  auto r = parse_work_order(body);
  REQUIRE(r.ok());
  const v1::IncidentReport report = to_report(*r, "01ABC", 1000);
  CHECK(report.report_id == "96345-01ABC");
  CHECK(report.source == "96345");
  CHECK(report.category == "utility.water_leak");
  CHECK(report.priority == 2);
  CHECK(report.grid == "G00001");
  CHECK(report.caller->phone == "138 1234 5678");
  CHECK(report.validate().ok());
}

TEST_CASE("96345 work order: errors name the field and the problem", "[unit][gw_96345]") {
  json b = good();
  b.erase("category");
  refused(b, ErrorCode::kMissingField, "'category'");
  b = good();
  b["category"] = "Water Leak";
  refused(b, ErrorCode::kInvalidValue, "'category'");
  b = good();
  b["category"] = 5;
  refused(b, ErrorCode::kWrongType, "'category': expected string, got integer");
  b = good();
  b.erase("caller");
  refused(b, ErrorCode::kMissingField, "'caller'");
  b = good();
  b["caller"]["phone"] = "call me";
  refused(b, ErrorCode::kInvalidValue, "'caller.phone'");
  b = good();
  b["priority"] = 7;
  refused(b, ErrorCode::kInvalidValue, "'priority' is 7; allowed 1..4");
  b = good();
  b["priority"] = 1.5;
  refused(b, ErrorCode::kWrongType, "'priority'");
  b = good();
  b["location"] = {{"lat", 95}, {"lon", 120}};
  refused(b, ErrorCode::kInvalidValue, "'location.lat'");
  b = good();
  b["location"] = {{"lat", 29}};
  refused(b, ErrorCode::kMissingField, "'location.lon'");
  b = good();
  b["text"] = "";
  refused(b, ErrorCode::kInvalidValue, "'text' must not be empty");
  b = good();
  b["text"] = std::string(9000, 'x');
  refused(b, ErrorCode::kInvalidValue, "'text' is 9000 bytes");
  b = good();
  b["grid"] = "G 1";
  refused(b, ErrorCode::kInvalidValue, "'grid'");
}

TEST_CASE("96345 callback and transfer requests", "[unit][gw_96345]") {
  auto ok = parse_callback(json{{"reached", true}, {"satisfied", false}, {"note", "仍未修好"}});
  REQUIRE(ok.ok());
  CHECK(ok->reached);
  CHECK(ok->satisfied == false);
  CHECK(parse_callback(json{{"reached", false}}).ok());
  CHECK(parse_callback(json::object()).status().code() == ErrorCode::kMissingField);
  auto no_sat = parse_callback(json{{"reached", true}});
  CHECK(no_sat.status().code() == ErrorCode::kMissingField);
  CHECK(no_sat.status().message().find("'satisfied'") != std::string::npos);
  CHECK(parse_callback(json{{"reached", 1}}).status().code() == ErrorCode::kWrongType);

  auto t = parse_transfer(json{{"to", "110"}, {"reason", "有人被困"}}, kPlatform);
  REQUIRE(t.ok());
  CHECK(t->to == "110");
  CHECK(parse_transfer(json{{"to", "96345"}, {"reason", "x"}}, kPlatform).status().code() == ErrorCode::kInvalidValue);
  CHECK(parse_transfer(json{{"to", "119"}, {"reason", "x"}}, kPlatform).status().code() == ErrorCode::kInvalidValue);
  CHECK(parse_transfer(json{{"to", "110"}}, kPlatform).status().code() == ErrorCode::kMissingField);
}

TEST_CASE("96345 workflow transitions come from the deployment's workflows.toml", "[unit][gw_96345]") {
  auto t = load_transitions(LIANDONG_SOURCE_DIR "/config/zhuji/workflows.toml", kPlatform);
  REQUIRE(t.ok());
  CHECK(allowed_next(*t, "answered") == "called_back, cancelled");
  CHECK(allowed_next(*t, "closed") == "none (final state)");
  CHECK_FALSE(load_transitions(LIANDONG_SOURCE_DIR "/config/zhuji/workflows.toml", "nope").ok());
}

TEST_CASE("gateway HTTP helpers: JSON bodies, error replies, ids", "[unit][gw_96345]") {
  CHECK(gateway::parse_json_object("{\"a\": 1}").ok());
  auto bad = gateway::parse_json_object("{\"a\": ");
  CHECK(bad.status().code() == ErrorCode::kInvalidBody);
  CHECK(gateway::parse_json_object("[1]").status().message().find("got array") != std::string::npos);
  CHECK(gateway::parse_json_object("").status().code() == ErrorCode::kInvalidBody);
  CHECK(gateway::parse_json_object(std::string(gateway::kMaxBodyBytes + 1, ' ')).status().code() == ErrorCode::kTooLarge);
  const auto reply = gateway::error_reply(Status(ErrorCode::kInvalidTransition, "work order W is 'accepted'"));
  CHECK(reply.status == 409);
  CHECK(reply.body["error"]["code"] == "INVALID_TRANSITION");
  CHECK(gateway::http_status_for(ErrorCode::kUnknownId) == 404);
  CHECK(gateway::http_status_for(ErrorCode::kMissingField) == 400);
  CHECK(gateway::http_status_for(ErrorCode::kTooLarge) == 413);
  CHECK(gateway::http_status_for(ErrorCode::kUnavailable) == 503);
  SystemClock clock;
  IdGenerator ids(clock);
  const std::string id = gateway::new_record_id(ids);
  CHECK(gateway::is_valid_id("96345-" + id));
  CHECK_FALSE(gateway::is_valid_id("a b"));
  CHECK(gateway::iso_time(0).empty());
  CHECK(gateway::iso_time(1'700'000'000'123) == "2023-11-14T22:13:20.123Z");
}

TEST_CASE("96345 list filter: an unknown state is refused naming the value and the allowed ones", "[unit][gw_96345]") {
  const Transitions transitions = {{"assigned", {"accepted", "returned"}}, {"answered", {"called_back"}}};
  for (const char* ok : {"open", "all", "received", "answered", "transferred", "closed", "refused"}) {
    INFO(ok);
    CHECK(check_state_filter(ok, transitions).ok());
  }
  CHECK(check_state_filter("assigned", {}).ok());  // the shipped workflow's states without workflows.toml
  const Status bogus = check_state_filter("bogus", transitions);
  CHECK(bogus.code() == ErrorCode::kInvalidValue);
  CHECK(bogus.message().find("'state' is 'bogus'") != std::string::npos);
  CHECK(bogus.message().find("allowed: open, all, accepted") != std::string::npos);
  CHECK_FALSE(check_state_filter("OPEN", transitions).ok());
}
