// Merging on the real Zhuji deployment (config/zhuji/merge.toml, issue #12 item 4): nearby medical
// reports of different callers are two patients, both dispatched and linked as possibly related;
// the same caller, household or address merges; fires still merge; a more urgent report is never
// merged into a lesser one; a dispatcher merges by hand (INCIDENT_MERGE), which withdraws the
// merged incident's orders, survives a replay and a crash in the middle, and refuses clearly.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/codec.hpp"
#include "services/router/deployment_loader.hpp"
#include "services/router/report_identity.hpp"
#include "services/router/router_core.hpp"
#include "tests/unit/temp_dir.hpp"

using namespace liandong;
using namespace liandong::router;

namespace {

const Deployment& zhuji() {
  static const Deployment d = [] {
    auto loaded = load_deployment(LIANDONG_SOURCE_DIR "/config/zhuji");
    INFO(loaded.status().to_string());
    REQUIRE(loaded.ok());
    return *loaded;
  }();
  return d;
}

std::vector<std::string> event_types(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& e : d.events) out.push_back(e.type);
  return out;
}

template <class Message>
std::vector<std::pair<std::string, Message>> sent(const Decision& d) {
  std::vector<std::pair<std::string, Message>> out;
  for (const auto* list : {&d.now, &d.after_durable}) {
    for (const auto& s : *list) {
      if (s.command != Message::kCommand) continue;
      auto m = decode_body<Message>(s.body);
      REQUIRE(m.ok());
      out.emplace_back(s.to, *m);
    }
  }
  return out;
}

v1::Error refusal(const Decision& d) {
  REQUIRE(d.events.empty());
  const auto errors = sent<v1::Error>(d);
  REQUIRE(errors.size() == 1);
  return errors[0].second;
}

std::vector<v1::StoredEvent> stored(const std::vector<v1::AuditEvent>& events) {
  std::vector<v1::StoredEvent> out;
  for (const auto& e : events) {
    v1::StoredEvent s;
    s.seq = static_cast<std::int64_t>(out.size()) + 1;
    s.event_id = e.event_id;
    s.incident_id = e.incident_id;
    s.type = e.type;
    s.actor = e.actor;
    s.at_ms = e.at_ms;
    s.body = e.body;
    out.push_back(s);
  }
  return out;
}

constexpr Millis kStart = 1'790'000'000'000;
// The market of the demo (grid with an ambulance station); 0.00045 degrees of latitude is 50 m.
constexpr double kLat = 29.7118;
constexpr double kLon = 120.2335;

struct City {
  ManualClock clock{kStart};
  RouterCore core{zhuji(), clock};
  std::vector<v1::AuditEvent> log;

  Decision keep(Decision d) {
    log.insert(log.end(), d.events.begin(), d.events.end());
    return d;
  }
  Decision report(const std::string& id, const std::string& category, double lat, double lon,
                  const std::string& phone, std::optional<std::string> address = std::nullopt,
                  std::optional<std::int64_t> priority = std::nullopt) {
    v1::IncidentReport r;
    r.report_id = id;
    r.source = "110";
    r.category = category;
    r.priority = priority;
    r.location = v1::Location{lat, lon};
    r.caller = v1::Caller{phone, std::nullopt};
    r.address = std::move(address);
    r.reported_at_ms = clock.wall_ms();
    return keep(core.on_report("gw-110", "m-" + id, r));
  }
  Decision merge(const std::string& request, const std::string& incident, const std::string& into) {
    return keep(core.on_merge("cli-7", "x-" + request, v1::IncidentMerge{request, incident, into, "same patient"}));
  }
};

v1::ReportAck ack_of(const Decision& d) {
  const auto acks = sent<v1::ReportAck>(d);
  REQUIRE(acks.size() == 1);
  return acks[0].second;
}

bool timeline_has(const RouterCore& core, const std::string& incident, const std::string& type, const std::string& text) {
  const auto view = core.view(incident);
  REQUIRE(view);
  for (const auto& t : view->timeline) {
    if (t.type == type && t.text.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("two medical reports 50 m and 5 min apart from different callers: two patients, both dispatched, linked",
          "[unit][router][merge]") {
  City c;
  const Decision first = c.report("m1", "medical.cardiac", kLat, kLon, "13805751111");
  const std::string a = ack_of(first).incident_id;
  REQUIRE_FALSE(sent<v1::DispatchOrder>(first).empty());
  c.clock.advance(5 * 60'000);
  const Decision second = c.report("m2", "medical.cardiac", kLat + 0.00045, kLon, "13905752222");
  const auto ack = ack_of(second);
  CHECK(ack.merged_into == std::nullopt);
  CHECK(ack.state == "dispatched");
  CHECK(ack.incident_id != a);
  const auto types = event_types(second);
  REQUIRE(types.size() >= 3);
  CHECK(types[0] == "incident.reported");
  CHECK(types[1] == "incident.related");
  CHECK(types[2] == "order.dispatched");
  CHECK_FALSE(sent<v1::DispatchOrder>(second).empty());
  CHECK(c.core.counters().at("related") == 1);
  CHECK(c.core.counters().at("merged") == 0);

  // Both views and both trails show the link; neither is merged.
  const auto view_a = c.core.view(a);
  const auto view_b = c.core.view(ack.incident_id);
  REQUIRE(view_a->related);
  CHECK(*view_a->related == std::vector<std::string>{ack.incident_id});
  REQUIRE(view_b->related);
  CHECK(*view_b->related == std::vector<std::string>{a});
  CHECK(view_a->linked.empty());
  CHECK(timeline_has(c.core, ack.incident_id, "incident.related", "possibly related to incident " + a));
  CHECK(timeline_has(c.core, ack.incident_id, "incident.related", "50 m and 5 min"));
  CHECK(timeline_has(c.core, a, "incident.related", ack.incident_id));
}

TEST_CASE("two nearby medical reports naming the same caller, household or address are one patient: merged",
          "[unit][router][merge]") {
  City c;
  const std::string a =
      ack_of(c.report("m1", "medical.injury", kLat, kLon, "13805751111", std::string("暨阳路１２号 3幢501室"))).incident_id;
  c.clock.advance(3 * 60'000);
  SECTION("the same caller, written another way") {
    const Decision again = c.report("m2", "medical.injury", kLat + 0.0003, kLon, "+86 138-0575-1111");
    CHECK(event_types(again) == std::vector<std::string>{"incident.reported", "incident.linked"});
    CHECK(sent<v1::DispatchOrder>(again).empty());
    CHECK(ack_of(again).merged_into == a);
    CHECK(timeline_has(c.core, ack_of(again).incident_id, "incident.linked", "the same caller as it"));
  }
  SECTION("the same address, written another way, by another caller") {
    const Decision again =
        c.report("m2", "medical.injury", kLat, kLon + 0.0002, "13905752222", std::string("暨阳路12号3幢501室"));
    CHECK(ack_of(again).merged_into == a);
    CHECK(sent<v1::DispatchOrder>(again).empty());
  }
  SECTION("but not when the second report is more urgent: dispatched by its own rule, and linked") {
    const Decision worse = c.report("m2", "medical.injury", kLat, kLon, "13805751111", std::nullopt, 1);
    CHECK(ack_of(worse).merged_into == std::nullopt);
    CHECK_FALSE(sent<v1::DispatchOrder>(worse).empty());
    CHECK(event_types(worse).at(1) == "incident.related");
  }
}

TEST_CASE("fire reports still merge; a rescue beside a fire is a person of its own", "[unit][router][merge]") {
  City c;
  const std::string fire = ack_of(c.report("f1", "fire.building", 29.7230, 120.3625, "13957507777")).incident_id;
  c.clock.advance(3 * 60'000);
  const Decision again = c.report("f2", "fire.building", 29.7232, 120.3628, "13600001111");
  CHECK(ack_of(again).merged_into == fire);
  CHECK(sent<v1::DispatchOrder>(again).empty());
  const Decision rescue = c.report("f3", "fire.rescue", 29.7233, 120.3626, "13600002222");
  CHECK(ack_of(rescue).merged_into == std::nullopt);
  CHECK_FALSE(sent<v1::DispatchOrder>(rescue).empty());
  CHECK(event_types(rescue).at(1) == "incident.related");
}

TEST_CASE("a dispatcher merges a possibly related incident by hand: its orders are withdrawn, on the trail",
          "[unit][router][merge]") {
  City c;
  const std::string a = ack_of(c.report("m1", "medical.cardiac", kLat, kLon, "13805751111")).incident_id;
  c.clock.advance(60'000);
  const Decision second = c.report("m2", "medical.cardiac", kLat + 0.0002, kLon, "13905752222");
  const std::string b = ack_of(second).incident_id;
  const auto b_orders = sent<v1::DispatchOrder>(second);
  REQUIRE_FALSE(b_orders.empty());

  const Decision merged = c.merge("q1", b, a);
  const auto types = event_types(merged);
  REQUIRE(types.size() == 1 + b_orders.size());
  CHECK(types[0] == "incident.linked");
  for (std::size_t i = 1; i < types.size(); ++i) CHECK(types[i] == "order.closed");
  // Each unit of the merged incident is told its order is withdrawn.
  const auto told = sent<v1::StatusUpdate>(merged);
  REQUIRE(told.size() == b_orders.size());
  CHECK(told[0].first == b_orders[0].first);
  CHECK(told[0].second.state == "withdrawn");
  CHECK_THAT(*told[0].second.note, Catch::Contains("merged into " + a));
  const auto receipt = sent<v1::Receipt>(merged);
  REQUIRE(receipt.size() == 1);
  CHECK(receipt[0].first == "cli-7");
  CHECK(receipt[0].second.key == "q1");
  CHECK(receipt[0].second.state == "merged");
  CHECK_FALSE(receipt[0].second.duplicate);

  const auto view = c.core.view(b);
  CHECK(view->merged_into == a);
  CHECK(view->state == "merged");
  for (const auto& o : view->orders) CHECK(o.state == "withdrawn");
  CHECK(c.core.view(a)->linked == std::vector<std::string>{b});
  CHECK(timeline_has(c.core, b, "incident.linked", "merged into " + a + " by cli-7: merged by hand: same patient"));
  CHECK(timeline_has(c.core, a, "incident.linked", "incident " + b + " merged into this one by cli-7"));
  CHECK(c.core.counters().at("merges") == 1);
  for (const auto& s : c.core.resend_pending()) CHECK(decode_body<v1::DispatchOrder>(s.body)->incident_id != b);

  SECTION("the same request again, or the same merge again: recorded once") {
    const Decision again = c.merge("q1", b, a);
    CHECK(again.events.empty());
    CHECK(sent<v1::Receipt>(again).at(0).second.duplicate);
    CHECK(sent<v1::Receipt>(c.merge("q2", b, a)).at(0).second.duplicate);
  }
  SECTION("unlinking it routes it afresh: its units are ordered again") {
    const Decision unlinked = c.keep(c.core.on_unlink("cli-7", "u", v1::IncidentUnlink{"q3", b}));
    const auto orders = sent<v1::DispatchOrder>(unlinked);
    REQUIRE(orders.size() == b_orders.size());
    CHECK(orders[0].second.unit == b_orders[0].second.unit);
    CHECK(c.core.view(b)->merged_into == std::nullopt);
  }
  SECTION("a replay of the log rebuilds the same incidents, with no order of the merged one to resend") {
    RouterCore restarted(zhuji(), c.clock);
    for (const auto& e : stored(c.log)) REQUIRE(restarted.apply_stored(e).ok());
    for (const auto& id : {a, b}) CHECK(encode_body(*restarted.view(id)) == encode_body(*c.core.view(id)));
    for (const auto& s : restarted.resend_pending()) CHECK(decode_body<v1::DispatchOrder>(s.body)->incident_id != b);
    CHECK(restarted.resume().events.empty());
    // The request id is remembered across the restart.
    CHECK(sent<v1::Receipt>(restarted.on_merge("cli-7", "x", v1::IncidentMerge{"q1", b, a, std::nullopt}))
              .at(0)
              .second.duplicate);
  }
  SECTION("a crash between the merge and its order closures: resume() closes them") {
    RouterCore restarted(zhuji(), c.clock);
    for (const auto& e : stored(c.log)) {
      if (e.type == "order.closed") continue;  // lost with the crash
      REQUIRE(restarted.apply_stored(e).ok());
    }
    const Decision resumed = restarted.resume();
    CHECK(event_types(resumed) == std::vector<std::string>(b_orders.size(), "order.closed"));
    const auto after = restarted.view(b);
    for (const auto& o : after->orders) CHECK(o.state == "withdrawn");
  }
}

TEST_CASE("a merge by hand is refused clearly: unknown ids, itself, closed incidents, cycles", "[unit][router][merge]") {
  City c;
  const std::string a = ack_of(c.report("m1", "medical.cardiac", kLat, kLon, "13805751111")).incident_id;
  const std::string b = ack_of(c.report("m2", "medical.cardiac", kLat + 0.0002, kLon, "13905752222")).incident_id;
  const std::string d = ack_of(c.report("m3", "medical.cardiac", kLat + 0.0004, kLon, "13905753333")).incident_id;
  auto refused = [&](const std::string& incident, const std::string& into) {
    return refusal(c.core.on_merge("cli-7", "x", v1::IncidentMerge{"r-" + incident + into, incident, into, std::nullopt}));
  };
  CHECK(refused("nope", a).name == "UNKNOWN_ID");
  const auto unknown_target = refused(b, "nope");
  CHECK(unknown_target.name == "UNKNOWN_ID");
  CHECK_THAT(unknown_target.message, Catch::Contains("'nope'"));
  const auto itself = refused(b, b);
  CHECK(itself.name == "INVALID_VALUE");
  CHECK_THAT(itself.message, Catch::Contains("itself"));

  REQUIRE_FALSE(c.merge("q1", b, a).events.empty());
  const auto cycle = refused(a, b);
  CHECK(cycle.name == "INVALID_TRANSITION");
  CHECK_THAT(cycle.message, Catch::Contains("cycle"));
  const auto chained = refused(d, b);
  CHECK_THAT(chained.message, Catch::Contains("merge into " + a + " instead"));
  const auto elsewhere = refused(b, d);
  CHECK_THAT(elsewhere.message, Catch::Contains("merged into " + a + " already"));

  v1::StatusUpdate close;
  close.update_id = "close-d";
  close.incident_id = d;
  close.state = "closed";
  close.at_ms = kStart;
  REQUIRE_FALSE(c.core.on_status("supervisor", "s", close).events.empty());
  const auto closed_target = refused(a, d);
  CHECK(closed_target.name == "INVALID_TRANSITION");
  CHECK_THAT(closed_target.message, Catch::Contains(d + " is closed"));
  CHECK_THAT(refused(d, a).message, Catch::Contains(d + " is closed"));
}

TEST_CASE("report identities compare phone numbers and addresses as people write them", "[unit][router][merge]") {
  CHECK(caller_key("+86 138-0575-1111") == "13805751111");
  CHECK(caller_key("0086 13805751111") == "13805751111");
  CHECK(caller_key("0575-87001234") == "057587001234");
  CHECK(caller_key("none").empty());
  CHECK(address_key("Liutou community, Building 7") == address_key("liutou community building 7"));
  CHECK(address_key("暨阳路１２号（3幢）") == address_key("暨阳路 12 号 3幢"));
  CHECK(address_key("暨阳路12号") != address_key("暨阳路21号"));
  CHECK(address_key("二〇一室") != address_key("二一室"));  // 〇 is a digit, not punctuation
  CHECK(address_key(" ,。").empty());
}

namespace {
namespace fs = std::filesystem;
// The Zhuji deployment's hand-written files with a one-grid map, in a scratch directory, with one
// text of merge.toml replaced; returns the loader's error message ("" when it loaded).
std::string load_merge_with(const std::string& from, const std::string& to) {
  const fs::path source = LIANDONG_SOURCE_DIR "/config/zhuji";
  testing::UnitTempDir dir;
  for (const char* f : {"units.toml", "categories.toml", "routing.toml", "workflows.toml"}) {
    fs::copy(source / f, dir.path() / f);
  }
  std::ifstream grids(source / "grids.csv");
  std::string header, first;
  std::getline(grids, header);
  std::getline(grids, first);
  std::ofstream(dir.path() / "grids.csv") << header << "\n" << first << "\n";
  std::ofstream(dir.path() / "households.csv") << "id,phone,grid,neighbours\nH1,10000000000,"
                                               << first.substr(0, first.find(',')) << ",\n";
  std::stringstream text;
  text << std::ifstream(source / "merge.toml").rdbuf();
  std::string s = text.str();
  const auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  s.replace(at, from.size(), to);
  std::ofstream(dir.path() / "merge.toml") << s;
  auto loaded = load_deployment(dir.path().string());
  return loaded.ok() ? "" : loaded.status().message();
}
}  // namespace

TEST_CASE("merge modes load from merge.toml; bad ones are refused naming the key", "[unit][router][merge]") {
  const auto& medical = zhuji().merge_windows.at("medical");
  CHECK(medical.mode == MergeMode::kLink);
  CHECK(zhuji().merge_windows.at("fire").mode == MergeMode::kMerge);
  CHECK(zhuji().merge_windows.at("fire").link_categories == std::set<std::string>{"fire.rescue"});
  CHECK(load_merge_with("mode = \"link\"\ndistance_m = 100", "mode = \"link\"\ndistance_m = 100").empty());
  CHECK_THAT(load_merge_with("mode = \"link\"\ndistance_m = 100", "mode = \"linked\"\ndistance_m = 100"),
             Catch::Contains("merge.toml") && Catch::Contains("family.medical.mode"));
  CHECK_THAT(load_merge_with("link_categories = [\"fire.rescue\"]", "link_categories = [\"medical.cardiac\"]"),
             Catch::Contains("family.fire.link_categories") && Catch::Contains("'medical.cardiac'"));
  CHECK_THAT(load_merge_with("mode = \"link\"\ndistance_m = 100", "mode = \"link\"\nlink_categories = [\"medical.other\"]\ndistance_m = 100"),
             Catch::Contains("family.medical.link_categories is for mode = \"merge\""));
}
