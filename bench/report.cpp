#include "bench/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

#include "bench/report_format.hpp"
#include "bench/router_report.hpp"
#include "bench/scale_report.hpp"

namespace liandong::bench {

namespace {

std::string cpu_detail(const CpuUse& cpu, double seconds) {
  // Cores kept busy on average: CPU seconds over wall seconds.
  return "cores busy: broker " + fixed(ratio(cpu.broker_s, seconds), 2) + ", audit " +
         fixed(ratio(cpu.audit_s, seconds), 2) + ", client " + fixed(ratio(cpu.bench_s, seconds), 2);
}

template <class T>
std::string spread(const Repeated<T>& r) {
  if (r.rates.size() < 2) return "";
  const auto [lo, hi] = std::minmax_element(r.rates.begin(), r.rates.end());
  return "median of " + std::to_string(r.rates.size()) + " (" + thousands(*lo) + ".." + thousands(*hi) + "); ";
}

std::string sync_name(const std::string& sync) { return sync == "full" ? "FULL" : "NORMAL"; }

Row ceiling_row(const Repeated<SqliteCeilingResult>& r) {
  const SqliteCeilingResult& c = r.median;
  return {"raw SQLite insert, " + sync_name(c.sync) + ", " + thousands(static_cast<double>(c.rows_per_transaction)) +
              " rows/txn",
          thousands(c.rows_per_s), "rows/s",
          spread(r) + thousands(static_cast<double>(c.rows)) + " rows; COMMIT p50 " + ms(c.commit.p50_ms) + " ms, p99 " +
              ms(c.commit.p99_ms) + " ms"};
}

Row store_row(const Repeated<StoreRateResult>& rep, double ceiling_rows_per_s) {
  const StoreRateResult& r = rep.median;
  return {"audit store in-process, " + sync_name(r.sync) + ", " +
              thousands(static_cast<double>(r.events_per_append)) + " events/append",
          thousands(r.events_per_s), "events/s",
          spread(rep) + fixed(ratio(r.events_per_s, ceiling_rows_per_s), 2) +
              " x raw; SqliteEventStore::append() without the bus (id lookup + hash chain + insert)"};
}

Row durable_row(const Repeated<ClosedLoopResult>& rep) {
  const ClosedLoopResult& r = rep.median;
  return {"durable appends via the bus, " + sync_name(r.options.sync), thousands(r.appends_per_s), "acks/s",
          spread(rep) + thousands(static_cast<double>(r.acked)) + " events, window " +
              thousands(static_cast<double>(r.options.window)) + "; " + fixed(r.commits.events_per_transaction, 0) +
              " events/txn; " + cpu_detail(r.cpu, r.seconds)};
}

nlohmann::json json_of(const SqliteCeilingResult& c) {
  return {{"sync", c.sync},       {"rows_per_transaction", c.rows_per_transaction},
          {"rows", c.rows},       {"seconds", c.seconds},
          {"rows_per_s", c.rows_per_s}, {"commit_latency", json_of(c.commit)}};
}

nlohmann::json json_of(const CpuUse& cpu, double seconds) {
  return {{"broker_cpu_s", cpu.broker_s},
          {"audit_cpu_s", cpu.audit_s},
          {"client_cpu_s", cpu.bench_s},
          {"broker_cores", ratio(cpu.broker_s, seconds)},
          {"audit_cores", ratio(cpu.audit_s, seconds)},
          {"client_cores", ratio(cpu.bench_s, seconds)},
          {"audit_peak_rss_mb", cpu.audit_peak_rss_mb}};
}

nlohmann::json json_of(const CommitFigures& c) {
  return {{"transactions", c.transactions},
          {"events_appended", c.events_appended},
          {"events_per_transaction", c.events_per_transaction}};
}

nlohmann::json json_of(const ClosedLoopResult& r) {
  return {{"sync", r.options.sync},
          {"events", r.options.events},
          {"window", r.options.window},
          {"acked", r.acked},
          {"duplicates", r.duplicates},
          {"seconds", r.seconds},
          {"appends_per_s", r.appends_per_s},
          {"ack_latency", json_of(r.ack_latency)},
          {"audit_stats", json_of(r.commits)},
          {"cpu", json_of(r.cpu, r.seconds)}};
}

nlohmann::json json_of(const StoreRateResult& r) {
  return {{"sync", r.sync},
          {"events_per_append", r.events_per_append},
          {"events", r.events},
          {"seconds", r.seconds},
          {"events_per_s", r.events_per_s},
          {"append_latency", json_of(r.append)}};
}

template <class T>
nlohmann::json json_of(const Repeated<T>& r) {
  nlohmann::json j = json_of(r.median);
  j["runs"] = r.rates;
  return j;
}

nlohmann::json json_of(const OpenLoopSchedule& s) {
  return {{"offered_per_s", s.rate_per_s},
          {"duration_s", static_cast<double>(s.duration.count()) / 1000.0},
          {"warmup_s", static_cast<double>(s.warmup.count()) / 1000.0}};
}

nlohmann::json json_of(const OpenLoopOutcome& o) {
  return {{"measured", o.measured}, {"latency_from_schedule", json_of(o.latency)}, {"send_lag", json_of(o.send_lag)}};
}

nlohmann::json json_of(const AppendLatencyResult& r) {
  const double seconds =
      static_cast<double>((r.options.appends.duration + r.options.appends.warmup).count()) / 1000.0;
  nlohmann::json appends = json_of(r.appends);
  appends["schedule"] = json_of(r.options.appends);
  appends["audit_stats"] = json_of(r.commits);
  appends["cpu"] = json_of(r.cpu, seconds);
  nlohmann::json probe = json_of(r.probe);
  probe["schedule"] = json_of(r.options.probe);
  probe["what"] = "AUDIT_QUERY for an incident without events: broker + audit loop, no write";
  return {{"sync", r.options.sync}, {"appends", appends}, {"bus_probe", probe}};
}

}  // namespace

void print_table(std::ostream& out, const BenchReport& report) {
  const MachineInfo& m = report.machine;
  const AuditFigures& a = report.audit;
  out << "Liandong benchmark (" << report.plan.mode << " mode), " << report.started_at_utc << "\n"
      << "machine: " << m.nproc << " x " << m.cpu_model << "; " << m.kernel << "; databases on " << m.data_filesystem
      << "; SQLite " << m.sqlite_version << "; commit " << m.git_commit.substr(0, 12)
      << (m.git_dirty ? " + local changes" : "") << "\n"
      << "load average " << fixed(m.load_at_start, 2) << " at start, " << fixed(m.load_at_end, 2)
      << " at end (other work on this machine takes cores and disk flushes from the runs)\n\n";

  const double ratio_full = ratio(a.durable_full.median.appends_per_s, a.ceiling_full.median.rows_per_s);
  const double ratio_normal = ratio(a.durable_normal.median.appends_per_s, a.ceiling_normal.median.rows_per_s);
  const SqliteCeilingResult& single = a.ceiling_full_single_row;
  const AppendLatencyResult& lat = a.latency_full;
  std::vector<Row> rows = {
      ceiling_row(a.ceiling_full),
      ceiling_row(a.ceiling_normal),
      {"raw SQLite insert, FULL, 1 row/txn", thousands(single.rows_per_s), "rows/s",
       thousands(static_cast<double>(single.rows)) + " commits; COMMIT p50 " + ms(single.commit.p50_ms) + " ms, p99 " +
           ms(single.commit.p99_ms) + " ms, max " + ms(single.commit.max_ms) + " ms"},
      store_row(a.store_full, a.ceiling_full.median.rows_per_s),
      durable_row(a.durable_full),
      durable_row(a.durable_normal),
      {"ratio durable FULL / raw SQLite FULL", fixed(ratio_full, 3), "",
       "target >= " + fixed(kAuditRatioTarget, 1) + (ratio_full >= kAuditRatioTarget ? ": met" : ": MISSED")},
      {"ratio durable NORMAL / raw SQLite NORMAL", fixed(ratio_normal, 3), "", ""},
  };
  const auto append_rows = percentile_rows(
      "append -> ack at " + thousands(lat.options.appends.rate_per_s) + "/s, " + sync_name(lat.options.sync),
      lat.appends.latency,
      thousands(static_cast<double>(lat.appends.measured)) + " events, open loop, from the scheduled send time; " +
          fixed(lat.commits.events_per_transaction, 2) + " events/txn");
  rows.insert(rows.end(), append_rows.begin(), append_rows.end());
  const auto probe_rows = percentile_rows(
      "bus round trip (AUDIT_QUERY, no write)", lat.probe.latency,
      thousands(static_cast<double>(lat.probe.measured)) + " queries at " + thousands(lat.options.probe.rate_per_s) +
          "/s on the same processes: the hop without the commit");
  rows.insert(rows.end(), probe_rows.begin(), probe_rows.end());
  rows.push_back({"harness send lag (append run): p99", ms(lat.appends.send_lag.p99_ms), "ms",
                  "scheduled -> sent; max " + ms(lat.appends.send_lag.max_ms) + " ms (already inside the latency above)"});
  print_rows(out, "Audit log (issue #3)", rows);
  out << "\n";
  print_rows(out, "Router (issue #4)", router_rows(report.router));
  if (report.scale.ran) {
    out << "\n";
    print_rows(out, "Throughput and ceilings (issue #6)", throughput_rows(report.scale, report.router.end_to_end));
    out << "\n";
    print_rows(out, "Growth (issue #6)", growth_rows(report.scale));
    out << "\n";
    print_rows(out, "Fan-out (issue #6)", fanout_rows(report.scale));
  }
  out << "\ntotal " << fixed(report.total_seconds, 1) << " s\n";
}

nlohmann::json to_json(const BenchReport& report) {
  const MachineInfo& m = report.machine;
  const AuditFigures& a = report.audit;
  return {
      {"format", "liandong-bench/1"},
      {"mode", report.plan.mode},
      {"repeats", report.plan.repeats},
      {"started_at", report.started_at_utc},
      {"total_seconds", report.total_seconds},
      {"machine",
       {{"nproc", m.nproc},
        {"cpu_model", m.cpu_model},
        {"kernel", m.kernel},
        {"data_filesystem", m.data_filesystem},
        {"sqlite_version", m.sqlite_version},
        {"build_type", m.build_type},
        {"load_average_at_start", m.load_at_start},
        {"load_average_at_end", m.load_at_end}}},
      {"commit", {{"git_head", m.git_commit}, {"dirty", m.git_dirty}}},
      {"audit",
       {{"sqlite_ceiling",
         {{"full", json_of(a.ceiling_full)},
          {"normal", json_of(a.ceiling_normal)},
          {"full_single_row", json_of(a.ceiling_full_single_row)}}},
        {"store_in_process", {{"full", json_of(a.store_full)}}},
        {"durable_appends", {{"full", json_of(a.durable_full)}, {"normal", json_of(a.durable_normal)}}},
        {"latency_open_loop", json_of(a.latency_full)},
        {"ratios",
         {{"durable_full_over_sqlite_full",
           ratio(a.durable_full.median.appends_per_s, a.ceiling_full.median.rows_per_s)},
          {"durable_normal_over_sqlite_normal",
           ratio(a.durable_normal.median.appends_per_s, a.ceiling_normal.median.rows_per_s)},
          {"target", kAuditRatioTarget}}}}},
      {"router", router_json(report.router)},
      {"scale", report.scale.ran ? scale_json(report.scale, report.router.end_to_end) : nlohmann::json()},
  };
}

Status write_json(const std::string& path, const BenchReport& report) {
  std::error_code ec;
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  std::ofstream out(path, std::ios::trunc);
  if (!out) return {ErrorCode::kIo, "cannot write the JSON results to '" + path + "'"};
  out << to_json(report).dump(2) << "\n";
  if (!out.flush()) return {ErrorCode::kIo, "cannot write the JSON results to '" + path + "'"};
  return Status::Ok();
}

}  // namespace liandong::bench
