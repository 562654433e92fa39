#include "bench/audit_bench.hpp"

#include <zmq.hpp>

#include <memory>
#include <unordered_map>
#include <vector>

#include "bench/event_shape.hpp"
#include "bench/paced_peer.hpp"
#include "bench/process_usage.hpp"
#include "bench/stack.hpp"
#include "bench/stats_probe.hpp"
#include "core/bus_client.hpp"
#include "core/codec.hpp"
#include "core/service_main.hpp"
#include "schemas/messages.hpp"
#include "tests/support/process.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;
constexpr const char* kAuditName = "audit";
constexpr auto kConnectTimeout = std::chrono::seconds(5);

std::int64_t ns_between(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

Status interrupted() { return {ErrorCode::kIo, "interrupted by a signal"}; }

// An ERROR in answer to an AUDIT_EVENT, or a DISCONNECT: either ends the run.
Status refusal(const Envelope& env, const std::string& sync) {
  if (env.command == v1::Disconnect::kCommand) {
    return {ErrorCode::kIo, "the broker disconnected the bench client (another peer took its name)"};
  }
  auto err = decode_body<v1::Error>(env.body);
  return {ErrorCode::kIo, "an AUDIT_EVENT (sync=" + sync + ") was refused by " +
                              (env.peer.empty() ? std::string("the broker") : env.peer) + ": " +
                              (err.ok() ? err->name + ": " + err->message : std::string("(undecodable ERROR)"))};
}

// A broker and an audit on a fresh database in a temporary directory, for one run.
class AuditUnderTest {
 public:
  static Result<std::unique_ptr<AuditUnderTest>> start(const Binaries& binaries, const std::string& sync) {
    auto sut = std::unique_ptr<AuditUnderTest>(new AuditUnderTest());
    if (Status s = sut->stack_.start_broker(binaries.broker); !s.ok()) return s;
    Status s = sut->stack_.start_service(kAuditName, binaries.audit,
                                         {"--db", sut->dir_.file("audit.db"), "--sync", sync});
    if (!s.ok()) return s.with_context("starting the audit with --sync " + sync);
    return sut;
  }

  zmq::context_t& context() { return context_; }
  const std::string& endpoint() const { return stack_.endpoint(); }
  Result<v1::StatsReply> stats() { return query_stats(context_, stack_.endpoint(), kAuditName); }

  struct CpuSnapshot {
    double broker = 0, audit = 0, self = 0, audit_rss_mb = 0;
  };
  CpuSnapshot cpu() const {
    CpuSnapshot s;
    if (auto u = read_process_usage(stack_.pid("broker"))) s.broker = u->cpu_seconds;
    if (auto u = read_process_usage(stack_.pid(kAuditName))) {
      s.audit = u->cpu_seconds;
      s.audit_rss_mb = u->peak_rss_mb;
    }
    if (auto u = read_process_usage(0)) s.self = u->cpu_seconds;
    return s;
  }
  static CpuUse used(const CpuSnapshot& before, const CpuSnapshot& after) {
    return {after.broker - before.broker, after.audit - before.audit, after.self - before.self, after.audit_rss_mb};
  }

  Status stop() { return stack_.stop(); }

 private:
  AuditUnderTest() : stack_(dir_.path()) {}

  testing::TempDir dir_;  // declared first: it outlives the processes writing into it
  Stack stack_;
  zmq::context_t context_{1};
};

// Reads the audit's counters after a run and relates them to the ones before.
Result<CommitFigures> commit_figures(AuditUnderTest& sut, const v1::StatsReply& before) {
  auto after = sut.stats();
  if (!after.ok()) return after.status();
  CommitFigures f;
  f.transactions = counter(*after, "transactions") - counter(before, "transactions");
  f.events_appended = counter(*after, "events_appended") - counter(before, "events_appended");
  f.events_per_transaction =
      f.transactions > 0 ? static_cast<double>(f.events_appended) / static_cast<double>(f.transactions) : 0;
  return f;
}

}  // namespace

Result<ClosedLoopResult> run_closed_loop(const Binaries& binaries, const ClosedLoopOptions& o) {
  auto started = AuditUnderTest::start(binaries, o.sync);
  if (!started.ok()) return started.status();
  AuditUnderTest& sut = **started;

  SystemClock clock;
  BusClientOptions bus;
  bus.endpoint = sut.endpoint();
  bus.name = "bench-closed-loop";
  bus.role = "cli";
  bus.software = "liandong-bench " LIANDONG_VERSION;
  BusClient client(sut.context(), bus, clock);
  if (Status s = client.connect(); !s.ok()) return s.with_context("bench client");
  auto before = sut.stats();
  if (!before.ok()) return before.status();

  IdGenerator ids(clock);
  EventFactory factory(ids);
  std::unordered_map<std::string, Steady::time_point> in_flight;
  in_flight.reserve(o.window * 2);
  LatencyRecorder latency;
  latency.reserve(o.events);
  ClosedLoopResult result;
  result.options = o;
  std::size_t sent = 0;

  const auto cpu_before = sut.cpu();
  const auto start = Steady::now();
  auto last_ack = start;
  while (result.acked < o.events) {
    if (stop_requested()) return interrupted();
    while (sent < o.events && in_flight.size() < o.window) {
      v1::AuditEvent event = factory.next(clock.wall_ms());
      in_flight.emplace(event.event_id, Steady::now());
      client.send_message(kAuditName, event);
      ++sent;
    }
    auto env = client.receive(100);
    const auto now = Steady::now();
    if (!env) {
      if (now - last_ack > o.ack_timeout) {
        return Status(ErrorCode::kTimeout, "no AUDIT_ACK for " + std::to_string(o.ack_timeout.count()) + " ms (sync=" +
                                               o.sync + "): " + std::to_string(result.acked) + " of " +
                                               std::to_string(o.events) + " acknowledged");
      }
      continue;
    }
    if (env->command == v1::AuditAck::kCommand) {
      auto ack = decode_body<v1::AuditAck>(env->body);
      if (!ack.ok()) return ack.status().with_context("AUDIT_ACK from " + env->peer);
      const auto it = in_flight.find(ack->event_id);
      if (it == in_flight.end()) continue;  // an answer to nothing outstanding
      latency.record_ns(ns_between(it->second, now));
      in_flight.erase(it);
      ++result.acked;
      if (ack->duplicate) ++result.duplicates;
      last_ack = now;
    } else if (env->command == v1::Error::kCommand || env->command == v1::Disconnect::kCommand) {
      return refusal(*env, o.sync);
    }
  }
  result.seconds = std::chrono::duration<double>(last_ack - start).count();
  result.appends_per_s = result.seconds > 0 ? static_cast<double>(result.acked) / result.seconds : 0;
  result.ack_latency = latency.summarize();
  result.cpu = AuditUnderTest::used(cpu_before, sut.cpu());
  auto commits = commit_figures(sut, *before);
  if (!commits.ok()) return commits.status();
  result.commits = *commits;
  client.close();
  if (Status s = sut.stop(); !s.ok()) return s;
  return result;
}

Result<AppendLatencyResult> run_append_latency(const Binaries& binaries, const AppendLatencyOptions& o) {
  auto started = AuditUnderTest::start(binaries, o.sync);
  if (!started.ok()) return started.status();
  AuditUnderTest& sut = **started;

  PacedPeer peer(sut.context(), sut.endpoint(), "bench-open-loop");
  if (Status s = peer.connect(kConnectTimeout); !s.ok()) return s.with_context("bench client");
  SystemClock clock;
  IdGenerator ids(clock);
  AppendLatencyResult result;
  result.options = o;

  // The bus hop: AUDIT_QUERYs for an incident that has no events, answered without a write.
  {
    OpenLoopMessages queries{kAuditName, std::string(v1::AuditQuery::kCommand), {}, {}};
    const std::size_t n = o.probe.warmup_messages() + o.probe.measured_messages();
    for (std::size_t i = 0; i < n; ++i) {
      v1::AuditQuery q;
      q.query_id = ids.next();
      q.incident_id = "bench-no-such-incident";
      q.limit = 1;
      queries.bodies.push_back(encode_body(q));
      queries.keys.push_back(q.query_id);
    }
    auto probe = run_open_loop(peer, queries, o.probe, [&](const Envelope& env) -> Result<std::optional<std::string>> {
      if (env.command == v1::Error::kCommand || env.command == v1::Disconnect::kCommand) return refusal(env, o.sync);
      if (env.command != v1::AuditEvents::kCommand) return std::optional<std::string>{};
      auto page = decode_body<v1::AuditEvents>(env.body);
      if (!page.ok()) return page.status().with_context("AUDIT_EVENTS from " + env.peer);
      return std::optional<std::string>{page->query_id};
    });
    if (!probe.ok()) return probe.status().with_context("bus probe (AUDIT_QUERY)");
    result.probe = *probe;
  }

  auto before = sut.stats();
  if (!before.ok()) return before.status();
  OpenLoopMessages appends{kAuditName, std::string(v1::AuditEvent::kCommand), {}, {}};
  EventFactory factory(ids);
  const std::size_t n = o.appends.warmup_messages() + o.appends.measured_messages();
  for (std::size_t i = 0; i < n; ++i) {
    const v1::AuditEvent event = factory.next(clock.wall_ms());
    appends.bodies.push_back(encode_body(event));
    appends.keys.push_back(event.event_id);
  }
  const auto cpu_before = sut.cpu();
  auto outcome = run_open_loop(peer, appends, o.appends, [&](const Envelope& env) -> Result<std::optional<std::string>> {
    if (env.command == v1::Error::kCommand || env.command == v1::Disconnect::kCommand) return refusal(env, o.sync);
    if (env.command != v1::AuditAck::kCommand) return std::optional<std::string>{};
    auto ack = decode_body<v1::AuditAck>(env.body);
    if (!ack.ok()) return ack.status().with_context("AUDIT_ACK from " + env.peer);
    return std::optional<std::string>{ack->event_id};
  });
  if (!outcome.ok()) return outcome.status();
  result.appends = *outcome;
  result.cpu = AuditUnderTest::used(cpu_before, sut.cpu());
  auto commits = commit_figures(sut, *before);
  if (!commits.ok()) return commits.status();
  result.commits = *commits;
  peer.close();
  if (Status s = sut.stop(); !s.ok()) return s;
  return result;
}

}  // namespace liandong::bench
