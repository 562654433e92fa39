// Reads beside writes (issue #12, docs/security.md "Reads beside writes"): one peer floods the
// audit service with AUDIT_VERIFYs and AUDIT_QUERYs and the router with INCIDENTS_QUERYs, each
// inside its rate limit, while a gateway's P1 report flows. The P1 must be acknowledged and
// dispatched while the flood is still being answered, and every flood request is answered in the end.
#include <map>
#include <optional>
#include <string>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "tests/integration/system_fixture.hpp"

using namespace liandong;
using namespace liandong::testing;

namespace {

// Takes every message already waiting for `client` and counts it by command (never waits).
void count_waiting(BusClient& client, std::map<std::string, int>& counts) {
  for (int n = 0; n < 100'000; ++n) {
    auto env = client.receive(0);
    if (!env) return;
    ++counts[env->command];
  }
}

v1::IncidentReport consultation(int n) {
  v1::IncidentReport r;
  r.report_id = "fill-" + std::to_string(n);
  r.source = "96345";
  r.category = "consult.policy";  // -> dept.approval; consultations are never merged
  r.grid = "G00001";
  r.caller = v1::Caller{"13900000000", std::nullopt};
  r.reported_at_ms = 1'790'000'000'000 + n;
  return r;
}

v1::IncidentReport robbery() {
  v1::IncidentReport r;
  r.report_id = "p1-robbery";
  r.source = "110";
  r.category = "crime.robbery";
  r.priority = 1;
  r.grid = "G00001";  // grids.csv: police.ps01
  r.caller = v1::Caller{"13900000001", std::nullopt};
  r.reported_at_ms = 1'790'000'100'000;
  return r;
}

}  // namespace

TEST_CASE("a flood of reads at the audit service and the router does not hold up a P1 report",
          "[integration][router][audit][security]") {
  LiandongSystem sys;
  zmq::context_t ctx;
  SystemClock clock;
  auto gw96345 = connect_client(ctx, clock, sys.broker.endpoint, "gw-96345", "gateway");
  auto approval = connect_client(ctx, clock, sys.broker.endpoint, "unit:dept.approval", "unit");

  // A log and a router worth reading: 600 incidents (each several events), so that a verification
  // walks thousands of records and an INCIDENTS_QUERY lists hundreds of incidents.
  constexpr int kIncidents = 600;
  for (int i = 0; i < kIncidents; ++i) gw96345->send_message("router", consultation(i));
  int acked = 0;
  int receipts = 0;  // the unit accepts each order, so the router does not resend them meanwhile
  const Millis fill_deadline = clock.monotonic_ms() + 60'000;
  while ((acked < kIncidents || receipts < kIncidents) && clock.monotonic_ms() < fill_deadline) {
    if (auto env = gw96345->receive(acked < kIncidents ? 20 : 0); env && env->command == v1::ReportAck::kCommand) ++acked;
    while (auto env = approval->receive(acked < kIncidents ? 0 : 20)) {
      if (env->command == v1::DispatchOrder::kCommand) {
        auto d = decode_body<v1::DispatchOrder>(env->body);
        REQUIRE(d.ok());
        approval->send_message("router", v1::OrderAck{d->order_id, "dept.approval", true, std::nullopt});
      } else if (env->command == v1::Receipt::kCommand) {
        ++receipts;
      }
    }
  }
  REQUIRE(acked == kIncidents);
  REQUIRE(receipts == kIncidents);
  // Connected now: a peer heartbeats only while it is read, and these were not during the filling.
  auto gw110 = connect_client(ctx, clock, sys.broker.endpoint, "gw-110", "gateway");
  auto police = connect_client(ctx, clock, sys.broker.endpoint, "unit:police.ps01", "unit");
  auto flooder = connect_client(ctx, clock, sys.broker.endpoint, "cli-flood", "cli");

  // The flood, inside the cli role's rate limit (burst 2,000): all of it reaches the services.
  constexpr int kVerifies = 500;
  constexpr int kQueries = 100;
  constexpr int kListings = 200;
  for (int i = 0; i < kVerifies; ++i) flooder->send_message("audit", v1::AuditVerify{"v" + std::to_string(i)});
  for (int i = 0; i < kQueries; ++i) {
    v1::AuditQuery q;
    q.query_id = "q" + std::to_string(i);
    q.from_seq = 1;
    q.limit = 200;
    flooder->send_message("audit", q);
  }
  for (int i = 0; i < kListings; ++i) {
    v1::IncidentsQuery q;
    q.query_id = "l" + std::to_string(i);
    q.limit = 1000;
    flooder->send_message("router", q);
  }
  gw110->send_message("router", robbery());

  // Every peer is read in turn while waiting (a peer not read stops heartbeating and is dropped).
  std::optional<Envelope> ack;
  std::optional<Envelope> order;
  std::map<std::string, int> answers;  // the flood's answers so far, by command
  const Millis p1_deadline = clock.monotonic_ms() + 30'000;
  while ((!ack || !order) && clock.monotonic_ms() < p1_deadline) {
    if (auto env = gw110->receive(ack ? 0 : 5); env && env->command == v1::ReportAck::kCommand) ack = env;
    if (auto env = police->receive(order ? 0 : 5); env && env->command == v1::DispatchOrder::kCommand) order = env;
    count_waiting(*flooder, answers);
  }
  // Dispatched while the flood is still being answered: both services still owe it answers.
  INFO("when the P1 was dispatched: " << answers["AUDIT_VERIFY_REPLY"] << " verifications, " << answers["AUDIT_EVENTS"]
                                      << " query answers, " << answers["INCIDENT_LIST"] << " listings, "
                                      << answers["ERROR"] << " errors");
  REQUIRE(ack.has_value());
  REQUIRE(order.has_value());
  CHECK(decode_body<v1::DispatchOrder>(order->body)->priority == 1);
  CHECK(answers["AUDIT_VERIFY_REPLY"] + answers["AUDIT_EVENTS"] < kVerifies + kQueries);
  CHECK(answers["INCIDENT_LIST"] < kListings);

  // And the flood is served in the end: every request answered, none refused (bounded wait).
  const Millis deadline = clock.monotonic_ms() + 90'000;
  const auto all_answered = [&] {
    return answers["AUDIT_VERIFY_REPLY"] == kVerifies && answers["AUDIT_EVENTS"] == kQueries &&
           answers["INCIDENT_LIST"] == kListings;
  };
  while (!all_answered() && answers["ERROR"] == 0 && clock.monotonic_ms() < deadline) {
    if (auto env = flooder->receive(200)) ++answers[env->command];
  }
  INFO("in the end: " << answers["AUDIT_VERIFY_REPLY"] << " verifications, " << answers["AUDIT_EVENTS"]
                      << " query answers, " << answers["INCIDENT_LIST"] << " listings, " << answers["ERROR"]
                      << " errors");
  CHECK(answers["ERROR"] == 0);
  CHECK(all_answered());
  CHECK(sys.router->stop());
  CHECK(sys.audit.stop());
  sys.broker.stop_cleanly();
}
