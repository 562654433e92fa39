#include "bench/router_latency.hpp"

#include <zmq.hpp>

#include <cmath>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "bench/dispatch_stream.hpp"
#include "bench/paced_peer.hpp"
#include "bench/peer_group.hpp"
#include "bench/process_usage.hpp"
#include "bench/stats_probe.hpp"
#include "core/codec.hpp"
#include "core/service_main.hpp"
#include "schemas/messages.hpp"
#include "services/router/router_core.hpp"
#include "tests/support/process.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;
constexpr const char* kAuditName = "audit";
constexpr const char* kRouterName = "router";
constexpr const char* kReporterName = "gw-bench-110";
constexpr auto kConnectTimeout = std::chrono::seconds(5);
constexpr auto kReadyTimeout = std::chrono::seconds(30);  // the router loads the deployment first
// Router counters whose change over the run the report shows (schemas/README.md, STATS to the router).
const char* const kRouterCounters[] = {"reports", "dispatched", "accepted", "merged", "triage",
                                       "escalations", "unreachable", "refused", "audit_refusals"};

std::int64_t ns_between(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

std::string describe_refusal(const std::string& receiver, const Envelope& env) {
  if (env.command == v1::Disconnect::kCommand) return "the broker disconnected " + receiver;
  auto err = decode_body<v1::Error>(env.body);
  if (!err.ok()) return receiver + " got an undecodable ERROR";
  return receiver + " got ERROR " + err->name + " from " + (env.peer.empty() ? std::string("the broker") : env.peer) +
         " for " + err->command.value_or("?") + ": " + err->message;
}

RouterRunCpu read_cpu(const Stack& stack) {
  RouterRunCpu c;
  if (auto u = read_process_usage(stack.pid("broker"))) {
    c.broker_s = u->cpu_seconds;
    c.broker_peak_rss_mb = u->peak_rss_mb;
  }
  if (auto u = read_process_usage(stack.pid(kAuditName))) {
    c.audit_s = u->cpu_seconds;
    c.audit_peak_rss_mb = u->peak_rss_mb;
  }
  if (auto u = read_process_usage(stack.pid(kRouterName))) {
    c.router_s = u->cpu_seconds;
    c.router_peak_rss_mb = u->peak_rss_mb;
  }
  if (auto u = read_process_usage(0)) c.bench_s = u->cpu_seconds;
  return c;
}

RouterRunCpu used(const RouterRunCpu& before, const RouterRunCpu& after) {
  RouterRunCpu u = after;  // peak memory: as at the end
  u.broker_s -= before.broker_s;
  u.audit_s -= before.audit_s;
  u.router_s -= before.router_s;
  u.bench_s -= before.bench_s;
  return u;
}

// The answers each report is waiting for.
struct Progress {
  std::vector<char> acked, ordered, receipted;
  std::size_t answers = 0;  // of 3 per report
  explicit Progress(std::size_t n) : acked(n, 0), ordered(n, 0), receipted(n, 0) {}
  std::string missing(std::size_t total) const {
    const auto count = [](const std::vector<char>& v) {
      std::size_t n = 0;
      for (char c : v) n += c ? 0 : 1;
      return n;
    };
    return "of " + std::to_string(total) + " INCIDENT_REPORTs, " + std::to_string(count(acked)) + " had no REPORT_ACK, " +
           std::to_string(count(ordered)) + " no DISPATCH_ORDER at their unit and " + std::to_string(count(receipted)) +
           " no RECEIPT for the unit's ORDER_ACK";
  }
};

}  // namespace

Result<RouterLatencyResult> run_router_latency(const Binaries& binaries, const router::Deployment& deployment,
                                               const RouterLatencyOptions& o) {
  const bool closed = o.window > 0;
  const std::size_t warmup = closed ? 0 : o.reports.warmup_messages();
  const std::size_t total = closed ? o.closed_reports : warmup + o.reports.measured_messages();
  SystemClock clock;
  auto planned = plan_dispatch_stream(deployment, total, clock.wall_ms());
  if (!planned.ok()) return planned.status();
  std::vector<std::string> bodies;
  bodies.reserve(total);
  std::unordered_map<std::string, std::size_t> index_of;  // report id -> its place in the schedule
  index_of.reserve(total);
  for (std::size_t i = 0; i < total; ++i) {
    if (o.priority) (*planned)[i].report.priority = *o.priority;
    bodies.push_back(encode_body((*planned)[i].report));
    index_of.emplace((*planned)[i].report.report_id, i);
  }

  testing::TempDir dir;  // declared before the stack: it outlives the processes writing into it
  Stack stack(dir.path(), kReadyTimeout);
  if (Status s = stack.start_broker(binaries.broker); !s.ok()) return s;
  if (Status s = stack.start_service(kAuditName, binaries.audit, {"--db", dir.file("audit.db"), "--sync", "full"});
      !s.ok()) {
    return s.with_context("starting the audit with --sync full");
  }
  if (Status s = stack.start_service(kRouterName, binaries.router, {"--deployment", o.deployment_dir}); !s.ok()) {
    return s.with_context("starting the router on " + o.deployment_dir);
  }

  zmq::context_t context(1);
  std::vector<std::unique_ptr<PacedPeer>> peers;
  std::vector<std::string> unit_of_peer;  // "" for the reporter
  peers.push_back(std::make_unique<PacedPeer>(context, stack.endpoint(), kReporterName, "gateway"));
  unit_of_peer.emplace_back();
  for (const auto& [id, unit] : deployment.units) {
    peers.push_back(std::make_unique<PacedPeer>(context, stack.endpoint(), router::unit_peer(id), "unit"));
    unit_of_peer.push_back(id);
  }
  for (std::size_t p = 0; p < peers.size(); ++p) {
    if (Status s = peers[p]->connect(kConnectTimeout); !s.ok()) {
      return s.with_context(p == 0 ? std::string("the reporter") : "unit " + unit_of_peer[p]);
    }
  }
  std::vector<PacedPeer*> raw;
  for (auto& p : peers) raw.push_back(p.get());
  PeerGroup group(raw);
  PacedPeer& reporter = *peers[0];

  auto audit_before = query_stats(context, stack.endpoint(), kAuditName);
  if (!audit_before.ok()) return audit_before.status();
  auto router_before = query_stats(context, stack.endpoint(), kRouterName);
  if (!router_before.ok()) return router_before.status();

  RouterLatencyResult result;
  result.options = o;
  result.measured = total - warmup;
  result.unit_peers = peers.size() - 1;
  Progress progress(total);
  std::vector<Steady::time_point> sent_at(total);  // closed loop: latencies run from the actual send
  std::size_t completed = 0;                       // reports with both REPORT_ACK and DISPATCH_ORDER
  struct SentAck {
    std::size_t report;
    Steady::time_point at;
  };
  std::unordered_map<std::string, SentAck> ack_sent;  // order id -> its ORDER_ACK
  ack_sent.reserve(total);
  std::set<std::string> units_ordered;
  LatencyRecorder report_ack, order, receipt, send_lag;
  for (auto* r : {&report_ack, &order, &receipt, &send_lag}) r->reserve(total);

  // Report i is due at start + i / rate (open_loop.hpp); latencies run from that time.
  Steady::time_point start{};
  const auto due_time = [&](std::size_t i) {
    if (closed) return sent_at[i];
    return start + std::chrono::nanoseconds(std::llround(static_cast<double>(i) * 1e9 / o.reports.rate_per_s));
  };

  // One message for a peer: Ok, or the reason the run fails.
  const auto handle = [&](std::size_t peer, const Envelope& env, Steady::time_point now) -> Status {
    const std::string receiver = peer == 0 ? std::string(kReporterName) : router::unit_peer(unit_of_peer[peer]);
    if (env.command == v1::Error::kCommand || env.command == v1::Disconnect::kCommand) {
      return {ErrorCode::kIo, describe_refusal(receiver, env)};
    }
    if (peer == 0) {
      if (env.command != v1::ReportAck::kCommand) return Status::Ok();
      auto ack = decode_body<v1::ReportAck>(env.body);
      if (!ack.ok()) return ack.status().with_context("REPORT_ACK");
      const auto it = index_of.find(ack->report_id);
      if (it == index_of.end() || progress.acked[it->second]) return Status::Ok();
      if (ack->merged_into) {
        return {ErrorCode::kInternal, "report " + ack->report_id + " was merged into incident " + *ack->merged_into +
                                          " instead of dispatched: the stream's grids are too close"};
      }
      progress.acked[it->second] = 1;
      ++progress.answers;
      if (progress.ordered[it->second]) ++completed;
      if (it->second >= warmup) report_ack.record_ns(ns_between(due_time(it->second), now));
      return Status::Ok();
    }
    if (env.command == v1::DispatchOrder::kCommand) {
      auto d = decode_body<v1::DispatchOrder>(env.body);
      if (!d.ok()) return d.status().with_context("DISPATCH_ORDER");
      const auto it = d->text ? index_of.find(*d->text) : index_of.end();
      if (it == index_of.end()) {
        return {ErrorCode::kInternal, "unit " + d->unit + " got order " + d->order_id + " for no report of this run (" +
                                          d->reason.value_or("") + ")"};
      }
      const std::size_t i = it->second;
      const std::string& expected = (*planned)[i].unit;
      if (d->unit != expected || d->rung != 0 || unit_of_peer[peer] != expected) {
        return {ErrorCode::kInternal, "report " + *d->text + " was ordered to " + d->unit + " (rung " +
                                          std::to_string(d->rung) + ": " + d->reason.value_or("") + "), expected " +
                                          expected + " at rung 0"};
      }
      if (progress.ordered[i]) {
        return {ErrorCode::kInternal, "report " + *d->text + " was dispatched twice (order " + d->order_id + ")"};
      }
      progress.ordered[i] = 1;
      ++progress.answers;
      if (progress.acked[i]) ++completed;
      units_ordered.insert(d->unit);
      if (i >= warmup) order.record_ns(ns_between(due_time(i), now));
      peers[peer]->send(kRouterName, v1::OrderAck::kCommand,
                        encode_body(v1::OrderAck{d->order_id, d->unit, true, std::nullopt}));
      ack_sent[d->order_id] = {i, Steady::now()};
      return Status::Ok();
    }
    if (env.command == v1::Receipt::kCommand) {
      auto r = decode_body<v1::Receipt>(env.body);
      if (!r.ok()) return r.status().with_context("RECEIPT");
      const auto it = ack_sent.find(r->key);
      if (it == ack_sent.end() || progress.receipted[it->second.report]) return Status::Ok();
      progress.receipted[it->second.report] = 1;
      ++progress.answers;
      if (it->second.report >= warmup) receipt.record_ns(ns_between(it->second.at, now));
      return Status::Ok();
    }
    return Status::Ok();
  };

  std::unique_ptr<ReadFlooder> flooder;
  if (o.flood_window > 0) {
    flooder = std::make_unique<ReadFlooder>(context, stack.endpoint(), o.flood_window);
    if (Status s = flooder->start(); !s.ok()) return s;
  }
  const RouterRunCpu cpu_before = read_cpu(stack);
  start = Steady::now() + std::chrono::milliseconds(20);
  std::size_t next = 0;
  auto drain_deadline = Steady::time_point::max();
  auto last_answer = start;
  while (progress.answers < 3 * total) {
    if (stop_requested()) return Status(ErrorCode::kIo, "interrupted by a signal");
    // Open loop: wake at the next report's due time. Closed loop: send while the window has room,
    // otherwise wait for answers (at most drain_timeout without one).
    const bool room = closed && next < total && next - completed < o.window;
    const auto wake = closed ? (room ? Steady::now() : last_answer + o.reports.drain_timeout)
                             : (next < total ? due_time(next) : drain_deadline);
    auto got = group.receive_until(wake);
    auto now = Steady::now();
    if (got) {
      if (Status s = handle(got->first, got->second, now); !s.ok()) return s;
      last_answer = now;
    }
    if (closed) {
      for (; next < total && next - completed < o.window; ++next) {
        sent_at[next] = Steady::now();
        reporter.send(kRouterName, v1::IncidentReport::kCommand, bodies[next]);
      }
      if (!got && now - last_answer >= o.reports.drain_timeout) {
        return Status(ErrorCode::kTimeout, progress.missing(total) + ", no answer for " +
                                               std::to_string(o.reports.drain_timeout.count()) + " ms (closed loop)");
      }
      continue;
    }
    for (; next < total && due_time(next) <= now; ++next) {
      reporter.send(kRouterName, v1::IncidentReport::kCommand, bodies[next]);
      now = Steady::now();
      if (next >= warmup) send_lag.record_ns(ns_between(due_time(next), now));
      if (next + 1 == total) drain_deadline = now + o.reports.drain_timeout;
    }
    if (next == total && now >= drain_deadline && progress.answers < 3 * total) {
      return Status(ErrorCode::kTimeout, progress.missing(total) + ", " +
                                             std::to_string(o.reports.drain_timeout.count()) +
                                             " ms after the last report was sent");
    }
  }
  if (flooder) {
    auto counts = flooder->stop();
    if (!counts.ok()) return counts.status();
    result.flood = *counts;
  }
  result.seconds = std::chrono::duration<double>(last_answer - (closed ? sent_at[0] : start)).count();
  result.completed_per_s = result.seconds > 0 ? static_cast<double>(total) / result.seconds : 0;
  result.cpu = used(cpu_before, read_cpu(stack));
  result.report_ack = report_ack.summarize();
  result.order = order.summarize();
  result.receipt = receipt.summarize();
  result.send_lag = send_lag.summarize();
  result.units_ordered = units_ordered.size();

  auto audit_after = query_stats(context, stack.endpoint(), kAuditName);
  if (!audit_after.ok()) return audit_after.status();
  auto router_after = query_stats(context, stack.endpoint(), kRouterName);
  if (!router_after.ok()) return router_after.status();
  result.commits.transactions = counter(*audit_after, "transactions") - counter(*audit_before, "transactions");
  result.commits.events_appended = counter(*audit_after, "events_appended") - counter(*audit_before, "events_appended");
  result.commits.events_per_transaction =
      result.commits.transactions > 0
          ? static_cast<double>(result.commits.events_appended) / static_cast<double>(result.commits.transactions)
          : 0;
  for (const char* name : kRouterCounters) {
    result.router[name] = counter(*router_after, name) - counter(*router_before, name);
  }
  for (auto& p : peers) p->close();
  if (Status s = stack.stop(); !s.ok()) return s;
  return result;
}

}  // namespace liandong::bench
