#include "bench/scale_report.hpp"

#include <string>

namespace liandong::bench {

namespace {

std::string verdict(bool met) { return met ? ": met" : ": MISSED"; }
std::string count(std::size_t n) { return thousands(static_cast<double>(n)); }

nlohmann::json json_of(const RelayRunResult& r) {
  return {{"round_trips", r.round_trips},         {"window", r.window},
          {"body_bytes", r.body_bytes},           {"seconds", r.seconds},
          {"forwarded_per_s", r.forwarded_per_s}, {"round_trips_per_s", r.round_trips_per_s},
          {"rows_per_transaction", r.rows_per_transaction}};
}

nlohmann::json json_of(const ReplayResult& r) {
  return {{"events", r.events},
          {"incidents", r.incidents},
          {"write_seconds", r.write_seconds},
          {"file_mb", r.file_mb},
          {"ready_seconds", r.ready_seconds},
          {"replayed_events", r.replayed_events},
          {"open_incidents", r.open_incidents},
          {"events_on_first_tick", r.events_on_first_tick},
          {"broker_peak_rss_mb", r.broker_peak_rss_mb},
          {"audit_peak_rss_mb", r.audit_peak_rss_mb},
          {"router_peak_rss_mb", r.router_peak_rss_mb}};
}

nlohmann::json json_of(const FanoutResult& r) {
  return {{"alarms", r.alarms},
          {"window", r.options.window},
          {"offered_per_s", r.options.window > 0 ? 0.0 : r.options.rate_per_s},
          {"alerts", r.alerts},
          {"alerts_per_alarm", r.alerts_per_alarm},
          {"seconds", r.seconds},
          {"alarms_per_s", r.alarms_per_s},
          {"alarm_to_last_alert", json_of(r.last_alert)},
          {"alarm_to_first_alert", json_of(r.first_alert)},
          {"gw_watch_peak_rss_mb", r.gw_peak_rss_mb}};
}

}  // namespace

std::vector<Row> throughput_rows(const ScaleFigures& f, const RouterLatencyResult& e) {
  const RouterLatencyResult& c = f.closed_loop;
  const double commit_ratio = ratio(c.completed_per_s, f.commit_relay.round_trips_per_s);
  const double broker_ratio = ratio(f.broker.forwarded_per_s, f.raw_relay.forwarded_per_s);
  std::vector<Row> rows = {
      {"ceiling: raw ZeroMQ relay (ROUTER hop)", thousands(f.raw_relay.forwarded_per_s), "msgs/s",
       count(f.raw_relay.round_trips) + " round trips DEALER -> ROUTER -> DEALER echo and back, " +
           count(f.raw_relay.window) + " outstanding, " + count(f.raw_relay.body_bytes) + "-byte body (an INCIDENT_REPORT)"},
      {"ceiling: relay committing each message (FULL)", thousands(f.commit_relay.round_trips_per_s), "msgs/s",
       count(f.commit_relay.round_trips) + " round trips, " + count(f.commit_relay.window) +
           " outstanding; one audit-shaped row per message, group commit " + fixed(f.commit_relay.rows_per_transaction, 1) +
           " rows/txn, then forwarded"},
      {"liandong-broker forwarding", thousands(f.broker.forwarded_per_s), "msgs/s",
       "two peers through the real broker, " + count(f.broker.window) + " outstanding, same body"},
      {"liandong-broker forwarding, CurveZMQ", thousands(f.broker_curve.forwarded_per_s), "msgs/s",
       "the same with keys (encryption and authentication on both connections): " +
           fixed(ratio(f.broker_curve.forwarded_per_s, f.broker.forwarded_per_s), 2) + " x plain"},
      {"ratio broker / raw relay", fixed(broker_ratio, 3), "", "target >= " + fixed(kBrokerRatioTarget, 1) +
                                                                   verdict(broker_ratio >= kBrokerRatioTarget)},
      {"durable routed incidents, closed loop", thousands(c.completed_per_s), "reports/s",
       count(c.measured) + " reports, window " + count(c.options.window) +
           " waiting for REPORT_ACK + DISPATCH_ORDER; units accept each order; audit FULL " +
           fixed(c.commits.events_per_transaction, 1) + " events/txn; cores busy: router " +
           fixed(ratio(c.cpu.router_s, c.seconds), 2) + ", broker " + fixed(ratio(c.cpu.broker_s, c.seconds), 2) +
           ", audit " + fixed(ratio(c.cpu.audit_s, c.seconds), 2) + ", bench " + fixed(ratio(c.cpu.bench_s, c.seconds), 2)},
      {"  intake -> DISPATCH_ORDER in it: p99", ms(c.order.p99_ms), "ms",
       "p50 " + ms(c.order.p50_ms) + " ms, max " + ms(c.order.max_ms) + " ms (from the actual send: queueing in the window)"},
      {"ratio durable routed / commit relay", fixed(commit_ratio, 3), "",
       "target >= " + fixed(kCommitRelayRatioTarget, 1) + verdict(commit_ratio >= kCommitRelayRatioTarget)},
  };
  for (const RateStep& s : f.steps) {
    rows.push_back({"  open loop at " + thousands(s.offered_per_s) + "/s: order p99",
                    s.ran ? ms(s.order.p99_ms) : std::string("-"), s.ran ? "ms" : "",
                    s.ran ? "p50 " + ms(s.order.p50_ms) + ", p99.9 " + ms(s.order.p999_ms) + ", max " + ms(s.order.max_ms) +
                                " ms over " + fixed(s.seconds, 1) + " s"
                          : s.note.substr(0, 160)});
  }
  rows.push_back({"highest rate with order p99 <= 10 ms", thousands(f.sustained_per_s), "reports/s",
                  "of the steps above (fractions of the closed-loop rate; a fresh stack each)"});
  rows.push_back({"intake -> order p99 at " + thousands(e.options.reports.rate_per_s) + "/s", ms(e.order.p99_ms), "ms",
                  "the router section's run; target <= " + fixed(kOrderP99TargetMs, 1) + " ms" +
                      verdict(e.order.p99_ms <= kOrderP99TargetMs)});
  return rows;
}

std::vector<Row> growth_rows(const ScaleFigures& f) {
  std::vector<Row> rows;
  for (const GridGrowthResult& g : f.grids) {
    rows.push_back({"routing decisions, " + count(g.grids) + " grids", thousands(g.routing.decisions_per_s),
                    "decisions/s",
                    count(g.routing.options.reports) + " reports of the in-process mix on a synthetic lattice; first 10% " +
                        thousands(g.routing.first_tenth_per_s) + "/s, last 10% " + thousands(g.routing.last_tenth_per_s) +
                        "/s; p99 " + fixed(g.routing.decision.p99_ms * 1000, 1) + " us"});
  }
  for (const AppendGrowthResult& a : f.appends) {
    rows.push_back({"store appends, " + count(a.existing_events) + " events in the log", thousands(a.append.events_per_s),
                    "events/s",
                    count(a.append.events) + " events, 1,000 per append, FULL; file " + fixed(a.file_mb, 0) +
                        " MB before (built in " + fixed(a.build_seconds, 1) + " s); append p99 " +
                        ms(a.append.append.p99_ms) + " ms"});
  }
  for (const ReplayResult& r : f.replays) {
    const bool is_target = r.events >= 1'000'000;
    rows.push_back({"router restart, " + count(r.events) + " events", fixed(r.ready_seconds, 2), "s",
                    "start -> ready file (deployment load + replay of " + count(r.replayed_events) + " events, " +
                        count(r.open_incidents) + " open incidents)" +
                        (is_target ? "; target <= " + fixed(kReplayTargetSeconds, 0) + " s" +
                                         verdict(r.ready_seconds <= kReplayTargetSeconds)
                                   : std::string()) +
                        "; router peak RSS " + fixed(r.router_peak_rss_mb, 0) + " MB"});
  }
  for (const ReplayResult& r : f.memory) {
    const bool is_target = r.incidents >= 100'000;
    rows.push_back({"peak RSS, " + count(r.open_incidents) + " open incidents: router", fixed(r.router_peak_rss_mb, 0),
                    "MB",
                    "broker " + fixed(r.broker_peak_rss_mb, 0) + " MB, audit " + fixed(r.audit_peak_rss_mb, 0) +
                        " MB (VmHWM after the replay of " + count(r.events) + " events)" +
                        (is_target ? "; targets router <= " + fixed(kRouterRssTargetMb, 0) + " MB" +
                                         verdict(r.router_peak_rss_mb <= kRouterRssTargetMb) + ", broker <= " +
                                         fixed(kBrokerRssTargetMb, 0) + " MB" +
                                         verdict(r.broker_peak_rss_mb <= kBrokerRssTargetMb)
                                   : std::string())});
  }
  return rows;
}

std::vector<Row> fanout_rows(const ScaleFigures& f) {
  const FanoutResult& c = f.fanout_closed;
  const FanoutResult& o = f.fanout_open;
  std::vector<Row> rows = {
      {"watch alarms, closed loop", thousands(c.alarms_per_s), "alarms/s",
       count(c.alarms) + " alarms, window " + count(c.options.window) + ", " + fixed(c.alerts_per_alarm, 1) +
           " neighbour alerts each (" + thousands(c.alarms_per_s * c.alerts_per_alarm) +
           " alerts/s); alarm -> last alert p99 " + ms(c.last_alert.p99_ms) + " ms"},
  };
  const auto more = percentile_rows("alarm -> last neighbour alert at " + thousands(o.options.rate_per_s) + "/s", o.last_alert,
                                    count(o.alarms) + " alarms open loop from the scheduled time; relay -> gw-watch -> "
                                    "router -> audit (FULL) -> gw-watch's audit stream -> relay; first alert p99 " +
                                        ms(o.first_alert.p99_ms) + " ms; gw-watch peak RSS " + fixed(o.gw_peak_rss_mb, 0) + " MB");
  rows.insert(rows.end(), more.begin(), more.end());
  return rows;
}

nlohmann::json scale_json(const ScaleFigures& f, const RouterLatencyResult& e) {
  nlohmann::json steps = nlohmann::json::array();
  for (const RateStep& s : f.steps) {
    steps.push_back({{"offered_per_s", s.offered_per_s}, {"seconds", s.seconds}, {"ran", s.ran},
                     {"intake_to_dispatch_order", json_of(s.order)}, {"note", s.note}});
  }
  nlohmann::json grids = nlohmann::json::array();
  for (const GridGrowthResult& g : f.grids) {
    grids.push_back({{"grids", g.grids}, {"reports", g.routing.options.reports}, {"build_seconds", g.build_seconds},
                     {"decisions_per_s", g.routing.decisions_per_s}, {"first_tenth_per_s", g.routing.first_tenth_per_s},
                     {"last_tenth_per_s", g.routing.last_tenth_per_s}, {"decision_latency", json_of(g.routing.decision)}});
  }
  nlohmann::json appends = nlohmann::json::array();
  for (const AppendGrowthResult& a : f.appends) {
    appends.push_back({{"existing_events", a.existing_events}, {"build_seconds", a.build_seconds}, {"file_mb", a.file_mb},
                       {"events", a.append.events}, {"events_per_s", a.append.events_per_s},
                       {"append_latency", json_of(a.append.append)}});
  }
  nlohmann::json replays = nlohmann::json::array(), memory = nlohmann::json::array();
  for (const ReplayResult& r : f.replays) replays.push_back(json_of(r));
  for (const ReplayResult& r : f.memory) memory.push_back(json_of(r));
  const RouterLatencyResult& c = f.closed_loop;
  return {
      {"ceilings",
       {{"raw_zeromq_relay", json_of(f.raw_relay)}, {"commit_relay_full", json_of(f.commit_relay)},
        {"broker_forwarding", json_of(f.broker)},
        {"broker_forwarding_curve", json_of(f.broker_curve)}}},
      {"throughput",
       {{"closed_loop",
         {{"reports", c.measured}, {"window", c.options.window}, {"seconds", c.seconds},
          {"durable_routed_per_s", c.completed_per_s}, {"intake_to_report_ack", json_of(c.report_ack)},
          {"intake_to_dispatch_order", json_of(c.order)}, {"order_ack_to_receipt", json_of(c.receipt)},
          {"events_per_transaction", c.commits.events_per_transaction},
          {"cores", {{"router", ratio(c.cpu.router_s, c.seconds)}, {"broker", ratio(c.cpu.broker_s, c.seconds)},
                     {"audit", ratio(c.cpu.audit_s, c.seconds)}, {"bench", ratio(c.cpu.bench_s, c.seconds)}}}}},
        {"rate_steps", steps},
        {"highest_rate_p99_within_10ms", f.sustained_per_s}}},
      {"ratios",
       {{"durable_routed_over_commit_relay", ratio(c.completed_per_s, f.commit_relay.round_trips_per_s)},
        {"broker_over_raw_relay", ratio(f.broker.forwarded_per_s, f.raw_relay.forwarded_per_s)},
        {"targets", {{"durable_routed_over_commit_relay", kCommitRelayRatioTarget},
                     {"broker_over_raw_relay", kBrokerRatioTarget},
                     {"order_p99_ms_at_1000_per_s", kOrderP99TargetMs},
                     {"replay_1m_seconds", kReplayTargetSeconds},
                     {"broker_rss_mb", kBrokerRssTargetMb},
                     {"router_rss_mb_at_100k_open", kRouterRssTargetMb}}},
        {"order_p99_ms_at_operational_load", e.order.p99_ms}}},
      {"growth", {{"routing_by_grids", grids}, {"appends_by_log_size", appends}, {"replay", replays}, {"memory", memory}}},
      {"fanout", {{"closed_loop", json_of(f.fanout_closed)}, {"open_loop", json_of(f.fanout_open)}}},
  };
}

}  // namespace liandong::bench
