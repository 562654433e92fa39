// The real liandong-audit process behind the real broker: durable acknowledgements across
// SIGKILL, idempotent retries, group commit under concurrent appenders, streaming from a sequence
// number after a restart, and faults reported without false acknowledgements.
#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "tests/integration/broker_fixture.hpp"

using namespace liandong;
using namespace liandong::testing;

namespace {

struct AuditProcess {
  const BrokerProcess& broker;
  std::string db;
  std::string sync;
  ChildProcess process;
  int starts = 0;

  AuditProcess(const BrokerProcess& b, std::string db_path, std::string sync_mode = "full")
      : broker(b), db(std::move(db_path)), sync(std::move(sync_mode)), process(start()) {}

  ChildProcess start() {
    const auto ready = broker.dir.file("audit.ready");
    std::filesystem::remove(ready);
    auto p = ChildProcess::start({LIANDONG_AUDIT_BIN, "--broker", broker.endpoint, "--db", db, "--sync", sync,
                                  "--ready-file", ready},
                                 broker.dir.file("audit.log"));
    ++starts;
    INFO(read_file(broker.dir.file("audit.log")));
    REQUIRE(wait_for_ready_file(ready).has_value());
    return p;
  }
  void restart() { process = start(); }
};

v1::AuditEvent make_event(const std::string& id, const std::string& incident, std::int64_t at_ms) {
  v1::AuditEvent e;
  e.event_id = id;
  e.incident_id = incident;
  e.type = "incident.reported";
  e.actor = "test";
  e.at_ms = at_ms;
  e.body.bytes = encode_body(v1::Caller{"13800000000", std::nullopt});
  return e;
}

template <class M>
std::optional<M> request(BusClient& client, const std::string& to, const auto& message, std::string_view answer,
                         Millis timeout_ms = 5000) {
  client.send_message(to, message);
  auto env = receive_until(client, timeout_ms, [&](const Envelope& e) { return e.command == answer || e.command == "ERROR"; });
  if (!env || env->command != answer) return std::nullopt;
  auto decoded = decode_body<M>(env->body);
  REQUIRE(decoded.ok());
  return *decoded;
}

std::unique_ptr<audit::SqliteEventStore> open_read_only(const std::string& db) {
  audit::SqliteStoreOptions options;
  options.path = db;
  options.read_only = true;
  auto store = audit::SqliteEventStore::open(options);
  INFO(store.status().to_string());
  REQUIRE(store.ok());
  return std::move(*store);
}

}  // namespace

TEST_CASE("acknowledged events survive SIGKILL of the audit service, each exactly once",
          "[integration][audit]") {
  BrokerProcess broker;
  AuditProcess audit(broker, broker.dir.file("audit.db"));
  zmq::context_t ctx;
  SystemClock clock;
  auto appender = connect_client(ctx, clock, broker.endpoint, "appender", "router");

  std::mt19937 rng(42);
  std::map<std::string, std::int64_t> acked;  // event id -> seq
  std::set<std::string> unacked;               // sent, not yet acknowledged: resent after a restart
  int next = 0;
  constexpr int kRounds = 4;
  for (int round = 0; round < kRounds; ++round) {
    const Millis kill_at = clock.monotonic_ms() + std::uniform_int_distribution<Millis>(100, 400)(rng);
    while (clock.monotonic_ms() < kill_at) {
      while (unacked.size() < 200) {
        const std::string id = "ev-" + std::to_string(next++);
        unacked.insert(id);
        appender->send_message("audit", make_event(id, "inc-" + std::to_string(next % 17), 1000 + next));
      }
      auto env = appender->receive(20);
      if (env && env->command == "AUDIT_ACK") {
        auto ack = decode_body<v1::AuditAck>(env->body);
        REQUIRE(ack.ok());
        unacked.erase(ack->event_id);
        acked[ack->event_id] = ack->seq;
      }
    }
    audit.process.kill_hard();
    audit.restart();
    // Resend everything not acknowledged (the appender's retry rule); already stored ones come
    // back as duplicates with their original sequence number.
    for (const auto& id : unacked) {
      appender->send_message("audit", make_event(id, "inc-" + id.substr(3), 1000 + std::stoi(id.substr(3))));
    }
  }
  // Drain the acknowledgements of the resent events (bounded).
  const Millis deadline = clock.monotonic_ms() + 20'000;
  while (!unacked.empty() && clock.monotonic_ms() < deadline) {
    auto env = appender->receive(200);
    if (env && env->command == "AUDIT_ACK") {
      auto ack = decode_body<v1::AuditAck>(env->body);
      REQUIRE(ack.ok());
      if (acked.contains(ack->event_id)) CHECK(acked[ack->event_id] == ack->seq);  // a duplicate keeps its seq
      unacked.erase(ack->event_id);
      acked[ack->event_id] = ack->seq;
    } else if (!env) {
      for (const auto& id : unacked) {
        appender->send_message("audit", make_event(id, "inc-" + id.substr(3), 1000 + std::stoi(id.substr(3))));
      }
    }
  }
  CHECK(unacked.empty());
  REQUIRE(acked.size() > 200);
  REQUIRE(audit.process.stop());

  auto store = open_read_only(audit.db);
  auto all = store->read_range(1, INT64_MAX, 1'000'000);
  REQUIRE(all.ok());
  std::map<std::string, int> copies;
  for (const auto& r : *all) ++copies[r.event_id];
  for (const auto& [id, seq] : acked) {
    INFO(id);
    REQUIRE(copies[id] == 1);
  }
  for (std::size_t i = 0; i < all->size(); ++i) REQUIRE((*all)[i].seq == static_cast<std::int64_t>(i + 1));
  auto report = store->verify();
  REQUIRE(report.ok());
  CHECK(report->intact);
  CHECK(report->events == static_cast<std::int64_t>(all->size()));
  broker.stop_cleanly();
}

TEST_CASE("many concurrent appenders are committed in fewer transactions than events",
          "[integration][audit]") {
  BrokerProcess broker;
  AuditProcess audit(broker, broker.dir.file("audit.db"));
  constexpr int kAppenders = 6;
  constexpr int kEach = 300;
  std::vector<std::thread> threads;
  std::atomic<int> acked{0};
  zmq::context_t ctx;
  for (int a = 0; a < kAppenders; ++a) {
    threads.emplace_back([&, a] {
      SystemClock clock;
      BusClientOptions options;
      options.endpoint = broker.endpoint;
      options.name = "appender-" + std::to_string(a);
      options.role = "router";
      BusClient client(ctx, options, clock);
      if (!client.connect().ok()) return;
      for (int i = 0; i < kEach; ++i) {
        client.send_message("audit", make_event("a" + std::to_string(a) + "-" + std::to_string(i), "inc", 5));
      }
      const Millis deadline = clock.monotonic_ms() + 20'000;
      int mine = 0;
      while (mine < kEach && clock.monotonic_ms() < deadline) {
        auto env = client.receive(200);
        if (env && env->command == "AUDIT_ACK") ++mine;
      }
      acked += mine;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(acked == kAppenders * kEach);

  SystemClock clock;
  auto cli = connect_client(ctx, clock, broker.endpoint, "stats-reader", "cli");
  auto stats = request<v1::StatsReply>(*cli, "audit", v1::Stats{}, "STATS_REPLY");
  REQUIRE(stats.has_value());
  const auto events = stats->counters.at("events_appended");
  const auto transactions = stats->counters.at("transactions");
  INFO("events " << events << ", transactions " << transactions);
  CHECK(events == static_cast<std::uint64_t>(kAppenders * kEach));
  CHECK(transactions < events);
  CHECK(audit.process.stop());
  broker.stop_cleanly();
}

TEST_CASE("a subscriber streams from a sequence number after a restart, then live", "[integration][audit]") {
  BrokerProcess broker;
  AuditProcess audit(broker, broker.dir.file("audit.db"));
  zmq::context_t ctx;
  SystemClock clock;
  auto client = connect_client(ctx, clock, broker.endpoint, "router", "router");
  for (int i = 1; i <= 50; ++i) client->send_message("audit", make_event("s" + std::to_string(i), "inc-s", i));
  int acks = 0;
  while (acks < 50) {
    auto env = receive_until(*client, 5000, [](const Envelope& e) { return e.command == "AUDIT_ACK"; });
    REQUIRE(env.has_value());
    ++acks;
  }
  audit.process.kill_hard();
  audit.restart();

  client->send_message("audit", v1::AuditSubscribe{"replay", 20, 1000});
  std::vector<std::int64_t> seen;
  auto collect = [&](std::size_t until) {
    while (seen.size() < until) {
      auto env = receive_until(*client, 5000, [](const Envelope& e) { return e.command == "AUDIT_EVENTS"; });
      REQUIRE(env.has_value());
      auto page = decode_body<v1::AuditEvents>(env->body);
      REQUIRE(page.ok());
      CHECK(page->query_id == "replay");
      for (const auto& e : page->events) seen.push_back(e.seq);
    }
  };
  collect(31);  // 20..50
  for (int i = 51; i <= 55; ++i) client->send_message("audit", make_event("s" + std::to_string(i), "inc-s", i));
  collect(36);  // then 51..55 as they are committed
  for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == static_cast<std::int64_t>(20 + i));

  auto trail = request<v1::AuditEvents>(*client, "audit", v1::AuditQuery{"q", "inc-s", std::nullopt, std::nullopt,
                                                                         std::nullopt, std::nullopt, 10},
                                        "AUDIT_EVENTS");
  REQUIRE(trail.has_value());
  CHECK(trail->events.size() == 10);
  CHECK_FALSE(trail->complete);
  CHECK(trail->next_seq == 11);
  CHECK(audit.process.stop());
  broker.stop_cleanly();
}

TEST_CASE("a database locked by another process: no false acknowledgement, reads go on, appends resume",
          "[integration][audit]") {
  BrokerProcess broker;
  AuditProcess audit(broker, broker.dir.file("audit.db"));
  zmq::context_t ctx;
  SystemClock clock;
  auto client = connect_client(ctx, clock, broker.endpoint, "router", "router");
  REQUIRE(request<v1::AuditAck>(*client, "audit", make_event("before", "inc-l", 1), "AUDIT_ACK").has_value());

  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(audit.db.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr) == SQLITE_OK);

  client->send_message("audit", make_event("during", "inc-l", 2));
  auto env = receive_until(*client, 10'000, [](const Envelope& e) { return e.command == "AUDIT_ACK" || e.command == "ERROR"; });
  REQUIRE(env.has_value());
  REQUIRE(env->command == "ERROR");
  auto err = decode_body<v1::Error>(env->body);
  REQUIRE(err.ok());
  CHECK(err->name == "UNAVAILABLE");
  CHECK_THAT(err->message, Catch::Contains("locked"));
  // Reads are still answered while the lock is held.
  auto trail = request<v1::AuditEvents>(*client, "audit", v1::AuditQuery{"q", "inc-l", std::nullopt, std::nullopt,
                                                                         std::nullopt, std::nullopt, std::nullopt},
                                        "AUDIT_EVENTS");
  REQUIRE(trail.has_value());
  CHECK(trail->events.size() == 1);

  REQUIRE(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  auto ack = request<v1::AuditAck>(*client, "audit", make_event("during", "inc-l", 2), "AUDIT_ACK");
  REQUIRE(ack.has_value());
  CHECK(ack->seq == 2);
  CHECK_FALSE(ack->duplicate);
  CHECK(audit.process.stop());
  broker.stop_cleanly();
}

TEST_CASE("a corrupt database file stops the audit service at start with a reason", "[integration][audit]") {
  TempDir dir;
  const auto db = dir.file("audit.db");
  std::ofstream(db) << std::string(8192, 'Z');
  auto p = ChildProcess::start({LIANDONG_AUDIT_BIN, "--broker", "tcp://127.0.0.1:1", "--db", db}, dir.file("out.log"));
  CHECK(p.wait_exit(std::chrono::seconds(10)) == 1);
  CHECK_THAT(read_file(dir.file("out.log")), Catch::Contains(db));
  CHECK(read_file(db) == std::string(8192, 'Z'));  // nothing was written over it
}

namespace {
std::pair<int, std::string> run_cli(const TempDir& dir, const std::vector<std::string>& args, const std::string& tag) {
  std::vector<std::string> argv = {LIANDONG_CLI_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  const auto out = dir.file("cli-" + tag + ".out");
  auto p = ChildProcess::start(argv, out);
  auto code = p.wait_exit(std::chrono::seconds(20));
  REQUIRE(code.has_value());
  return {*code, read_file(out)};
}
}  // namespace

TEST_CASE("liandong audit trail, verify and export, masked by default", "[integration][audit][cli]") {
  BrokerProcess broker;
  AuditProcess audit(broker, broker.dir.file("audit.db"));
  zmq::context_t ctx;
  SystemClock clock;
  auto client = connect_client(ctx, clock, broker.endpoint, "router", "router");
  for (int i = 1; i <= 3; ++i) {
    auto e = make_event("t" + std::to_string(i), "inc-cli", 1'790'000'000'000 + i * 60'000);
    v1::IncidentReport report;
    report.report_id = "r" + std::to_string(i);
    report.source = "110";
    report.category = "fire.building";
    report.caller = v1::Caller{"13812345678", "张三"};
    report.text = "call back on 13812345678";
    report.reported_at_ms = e.at_ms;
    e.body.bytes = encode_body(report);
    REQUIRE(request<v1::AuditAck>(*client, "audit", e, "AUDIT_ACK").has_value());
  }
  REQUIRE(request<v1::AuditAck>(*client, "audit", make_event("other", "inc-other", 1'790'000'000'000), "AUDIT_ACK"));

  auto [code, trail] = run_cli(broker.dir, {"audit", "trail", "inc-cli", "--broker", broker.endpoint}, "trail");
  INFO(trail);
  CHECK(code == 0);
  CHECK_THAT(trail, Catch::Contains("138****5678") && Catch::Contains("张*"));
  CHECK_THAT(trail, !Catch::Contains("13812345678"));
  CHECK(std::count(trail.begin(), trail.end(), '\n') == 3);

  auto [code_u, unmasked] =
      run_cli(broker.dir, {"audit", "trail", "inc-cli", "--broker", broker.endpoint, "--unmasked", "--json"}, "trail-u");
  CHECK(code_u == 0);
  CHECK_THAT(unmasked, Catch::Contains("13812345678"));

  auto [code_none, none] = run_cli(broker.dir, {"audit", "trail", "no-such", "--broker", broker.endpoint}, "none");
  CHECK(code_none == 1);
  CHECK_THAT(none, Catch::Contains("no events for incident 'no-such'"));

  auto [code_v, verified] = run_cli(broker.dir, {"audit", "verify", "--broker", broker.endpoint}, "verify-bus");
  INFO(verified);
  CHECK(code_v == 0);
  CHECK_THAT(verified, Catch::Contains("intact: 4 events"));

  auto [code_e, jsonl] = run_cli(broker.dir, {"audit", "export", "--db", audit.db, "--format", "jsonl", "--since",
                                              "2026-09-21T14:15:00Z"}, "export");
  INFO(jsonl);
  CHECK(code_e == 0);
  CHECK(std::count(jsonl.begin(), jsonl.end(), '\n') == 2);  // events at +2 and +3 minutes only
  CHECK_THAT(jsonl, Catch::Contains("138****5678") && !Catch::Contains("13812345678"));
  auto [code_c, csv] = run_cli(broker.dir, {"audit", "export", "--db", audit.db, "--format", "csv", "--incident",
                                            "inc-other", "--unmasked"}, "csv");
  CHECK(code_c == 0);
  CHECK_THAT(csv, Catch::StartsWith("seq,at,event_id,incident_id,type,actor,body,hash\n4,"));
  CHECK_THAT(csv, Catch::Contains("13800000000"));

  CHECK(audit.process.stop());
  // Tamper with one byte of event 2's body; offline verify names it.
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(audit.db.c_str(), &db) == SQLITE_OK);
  REQUIRE(sqlite3_exec(db, "UPDATE events SET body = CAST('x' AS BLOB) || substr(body, 2) WHERE seq = 2", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(db);
  auto [code_t, tampered] = run_cli(broker.dir, {"audit", "verify", "--db", audit.db}, "verify-db");
  INFO(tampered);
  CHECK(code_t == 1);
  CHECK_THAT(tampered, Catch::Contains("seq 2") && Catch::Contains("hash_mismatch"));
  broker.stop_cleanly();
}
