// liandong-bench: measures, in one run on 127.0.0.1, the audit log's durable append rate and
// latency through the real broker and audit processes beside this machine's raw SQLite ceiling
// (issue #3), the router's decisions in-process and its latencies end to end through the real
// broker, audit and router (issue #4), and prints a table and writes a JSON file. Exit 0 when every step ran; 1 with a
// one-line reason when a process failed to start or stop, or an acknowledgement never came.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <iostream>

#include "bench/audit_bench.hpp"
#include "bench/audit_suite.hpp"
#include "bench/machine_info.hpp"
#include "bench/plan.hpp"
#include "bench/report.hpp"
#include "bench/router_suite.hpp"
#include "bench/scale_suite.hpp"
#include "bench/steps.hpp"
#include "core/service_main.hpp"
#include "tests/support/process.hpp"

using namespace liandong;
using namespace liandong::bench;

namespace {

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"liandong-bench: durable audit appends and their latency through the real broker and audit,\n"
               "beside this machine's raw SQLite ceiling measured in the same run (issue #3); routing decisions\n"
               "in-process and intake -> order latency through the real broker, audit and router (issue #4)."};
  bool quick = false;
  std::string json_out = LIANDONG_BENCH_DEFAULT_JSON;
  Binaries binaries{LIANDONG_BENCH_BROKER_BIN, LIANDONG_BENCH_AUDIT_BIN, LIANDONG_BENCH_ROUTER_BIN,
                    LIANDONG_BENCH_GW_WATCH_BIN};
  std::string deployment = LIANDONG_BENCH_DEPLOYMENT;
  std::size_t routing_reports = 0;
  double router_rate = 0, router_seconds = 0;
  std::size_t events = 0, window = 0;
  int repeats = 0;
  double latency_seconds = 0, rate = 0;
  app.add_flag("--quick", quick, "small runs (under a minute) that only prove the harness works; figures mean little");
  app.add_option("--json-out", json_out, "where to write the JSON results")->capture_default_str();
  app.add_option("--broker-bin", binaries.broker, "the liandong-broker binary")->capture_default_str();
  app.add_option("--audit-bin", binaries.audit, "the liandong-audit binary")->capture_default_str();
  app.add_option("--router-bin", binaries.router, "the liandong-router binary")->capture_default_str();
  app.add_option("--gw-watch-bin", binaries.gw_watch, "the liandong-gw-watch binary")->capture_default_str();
  bool skip_scale = false;
  app.add_flag("--no-scale", skip_scale, "skip the issue #6 suite (ceilings, throughput, growth, fan-out)");
  app.add_option("--deployment", deployment, "the deployment directory the router and the routing steps use")
      ->capture_default_str();
  app.add_option("--events", events, "AUDIT_EVENTs per durable-rate run (default 200000; quick 5000)");
  app.add_option("--window", window, "AUDIT_EVENTs outstanding in the durable-rate runs (default 2000; quick 500)");
  app.add_option("--latency-seconds", latency_seconds, "length of the open-loop latency run (default 20; quick 2)");
  app.add_option("--rate", rate, "appends/s offered in the latency run (default 1000)");
  app.add_option("--repeats", repeats, "runs of each rate measurement, median reported (default 3; quick 1)");
  app.add_option("--routing-reports", routing_reports,
                 "reports per in-process routing run, and points per grid-lookup run (default 200000; quick 20000)");
  app.add_option("--router-rate", router_rate, "INCIDENT_REPORTs/s offered in the router's end-to-end run (default 1000; quick 200)");
  app.add_option("--router-seconds", router_seconds, "length of the router's end-to-end run (default 20; quick 2)");
  CLI11_PARSE(app, argc, argv);

  BenchPlan plan = quick ? quick_plan() : full_plan();
  if (events > 0) plan.closed_loop_events = events;
  if (window > 0) plan.closed_loop_window = window;
  if (latency_seconds > 0) plan.open_loop_duration = std::chrono::milliseconds(std::llround(latency_seconds * 1000));
  if (rate > 0) plan.open_loop_rate_per_s = rate;
  if (repeats > 0) plan.repeats = repeats;
  if (routing_reports > 0) plan.routing_reports = plan.grid_lookups = routing_reports;
  if (router_rate > 0) plan.router_rate_per_s = router_rate;
  if (router_seconds > 0) plan.router_duration = std::chrono::milliseconds(std::llround(router_seconds * 1000));

  spdlog::set_level(spdlog::level::warn);
  install_stop_handlers();
  const auto started = std::chrono::steady_clock::now();
  testing::TempDir scratch;  // in-process databases; each run of the processes gets its own directory

  BenchReport report;
  report.plan = plan;
  report.started_at_utc = utc_now();
  report.machine = read_machine_info(LIANDONG_SOURCE_DIR, scratch.path());
  Steps steps(audit_suite_steps(plan) + router_suite_steps(plan) + (skip_scale ? 0 : scale_suite_steps(plan)));
  run_audit_suite(plan, binaries, scratch.path(), steps, report.audit);
  run_router_suite(plan, binaries, deployment, steps, report.router);
  if (!skip_scale) run_scale_suite(plan, binaries, deployment, scratch.path(), steps, report.scale);
  if (!steps.ok()) {
    std::cerr << "liandong-bench: FAILED: " << steps.failure().message() << "\n";
    return 1;
  }
  report.total_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.machine.load_at_end = load_average();
  print_table(std::cout, report);
  if (Status w = write_json(json_out, report); !w.ok()) {
    std::cerr << "liandong-bench: FAILED: " << w.message() << "\n";
    return 1;
  }
  std::cout << "results: " << json_out << "\n";
  return 0;
}
