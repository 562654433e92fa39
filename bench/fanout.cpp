#include "bench/fanout.hpp"

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "bench/paced_peer.hpp"
#include "bench/peer_group.hpp"
#include "bench/process_usage.hpp"
#include "core/clock.hpp"
#include "core/codec.hpp"
#include "core/service_main.hpp"
#include "schemas/messages.hpp"
#include "services/router/router_core.hpp"
#include "tests/support/process.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr auto kPing = std::chrono::seconds(2);  // the gateway's heartbeat is 5 s

// LDR/1 bodies as schemas/relay.md §5 gives them, written here from the spec (not the gateway's code).
struct Hello {
  std::string relay_id, area;
  template <class V>
  void fields(V& v) {
    v.required("relay_id", relay_id);
    v.required("area", area);
  }
};
struct Alarm {
  std::string alarm_id, caller_number;
  std::optional<std::string> household;
  std::int64_t pressed_at_ms = 0;
  template <class V>
  void fields(V& v) {
    v.required("alarm_id", alarm_id);
    v.required("caller_number", caller_number);
    v.optional("household", household);
    v.required("pressed_at_ms", pressed_at_ms);
  }
};
struct Alert {
  std::string alert_id, incident_id, household, from_household;
  template <class V>
  void fields(V& v) {
    v.required("alert_id", alert_id);
    v.required("incident_id", incident_id);
    v.required("household", household);
    v.required("from_household", from_household);
  }
};
struct Delivered {
  std::string alert_id;
  template <class V>
  void fields(V& v) {
    v.required("alert_id", alert_id);
  }
};
struct RelayError {
  std::int64_t code = 0;
  std::string name, message;
  template <class V>
  void fields(V& v) {
    v.required("code", code);
    v.required("name", name);
    v.required("message", message);
  }
};

class Relay {
 public:
  Relay(zmq::context_t& ctx, const std::string& endpoint) : socket_(ctx, zmq::socket_type::dealer) {
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
  }
  void send(const std::string& command, const std::string& body) {
    const std::string id = "b" + std::to_string(++sent_);
    std::vector<zmq::const_buffer> frames = {zmq::str_buffer("LDR1"), zmq::buffer(command), zmq::buffer(id),
                                             zmq::buffer(body)};
    zmq::send_multipart(socket_, frames);
    last_sent_ = Steady::now();
  }
  // The next message (command, body) or nothing by `deadline`.
  std::optional<std::pair<std::string, std::string>> receive_until(Steady::time_point deadline) {
    for (;;) {
      std::vector<zmq::message_t> frames;
      if (zmq::recv_multipart(socket_, std::back_inserter(frames), zmq::recv_flags::dontwait)) {
        if (frames.size() != 4) continue;
        return std::make_pair(frames[1].to_string(), frames[3].to_string());
      }
      const auto now = Steady::now();
      if (now - last_sent_ > kPing) send("PING", std::string("\x80", 1));
      if (now >= deadline || stop_requested()) return std::nullopt;
      const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
      zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, std::clamp(wait, std::chrono::milliseconds(0), std::chrono::milliseconds(100)));
    }
  }

 private:
  zmq::socket_t socket_;
  std::size_t sent_ = 0;
  Steady::time_point last_sent_ = Steady::now();
};

}  // namespace

Result<FanoutResult> run_fanout(const Binaries& binaries, const router::Deployment& deployment,
                                const FanoutOptions& o) {
  std::vector<const router::Household*> households;
  for (const auto& [id, h] : deployment.households) households.push_back(&h);
  if (o.first_household + o.alarms > households.size()) {
    return Status(ErrorCode::kConfig, "fan-out needs " + std::to_string(o.first_household + o.alarms) +
                                          " households and the deployment has " + std::to_string(households.size()));
  }
  testing::TempDir dir;
  Stack stack(dir.path(), kReadyTimeout);
  if (Status s = stack.start_broker(binaries.broker); !s.ok()) return s;
  if (Status s = stack.start_service("audit", binaries.audit, {"--db", dir.file("audit.db"), "--sync", "full"}); !s.ok()) {
    return s;
  }
  if (Status s = stack.start_service("router", binaries.router, {"--deployment", o.deployment_dir}); !s.ok()) return s;
  std::string relay_endpoint;
  if (Status s = stack.start_service("gw-watch", binaries.gw_watch,
                                     {"--deployment", o.deployment_dir, "--data-dir", dir.path(), "--listen",
                                      "tcp://127.0.0.1:0", "--log-level", "warn"},
                                     &relay_endpoint);
      !s.ok()) {
    return s;
  }

  // The units accept every order in their own thread.
  zmq::context_t context(1);
  std::vector<std::unique_ptr<PacedPeer>> units;
  for (const auto& [id, unit] : deployment.units) {
    units.push_back(std::make_unique<PacedPeer>(context, stack.endpoint(), router::unit_peer(id), "unit"));
    if (Status s = units.back()->connect(std::chrono::seconds(5)); !s.ok()) return s.with_context("unit " + id);
  }
  std::atomic<bool> stop_units{false};
  std::thread unit_thread([&] {
    std::vector<PacedPeer*> raw;
    for (auto& u : units) raw.push_back(u.get());
    PeerGroup group(raw);
    while (!stop_units.load()) {
      auto got = group.receive_until(Steady::now() + std::chrono::milliseconds(100));
      if (!got || got->second.command != v1::DispatchOrder::kCommand) continue;
      auto d = decode_body<v1::DispatchOrder>(got->second.body);
      if (!d.ok()) continue;
      units[got->first]->send(got->second.peer, v1::OrderAck::kCommand,
                              encode_body(v1::OrderAck{d->order_id, d->unit, true, std::nullopt}));
    }
  });
  struct StopUnits {
    std::atomic<bool>& flag;
    std::thread& thread;
    ~StopUnits() {
      flag = true;
      if (thread.joinable()) thread.join();
    }
  } stop_guard{stop_units, unit_thread};

  Relay relay(context, relay_endpoint);
  relay.send("HELLO", encode_body(Hello{"bench", households[o.first_household]->grid}));
  for (;;) {
    auto got = relay.receive_until(Steady::now() + std::chrono::seconds(5));
    if (!got) return Status(ErrorCode::kTimeout, "the watch gateway did not answer HELLO within 5 s");
    if (got->first == "WELCOME") break;
    if (got->first == "ERROR") return Status(ErrorCode::kIo, "the watch gateway refused HELLO");
  }

  const SystemClock wall;
  const std::size_t n = o.alarms;
  std::unordered_map<std::string, std::size_t> index_of;  // household id -> alarm
  std::vector<std::size_t> expected(n), alerted(n, 0);
  std::vector<Steady::time_point> base(n);               // scheduled (open) or sent (closed)
  std::vector<char> first_seen(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const router::Household& h = *households[o.first_household + i];
    index_of[h.id] = i;
    expected[i] = h.neighbours.size();
  }
  std::set<std::string> alerts_seen;
  LatencyRecorder last_alert, first_alert;
  std::size_t done = 0, next = 0;
  const bool closed = o.window > 0;
  const auto start = Steady::now() + std::chrono::milliseconds(20);
  const auto due = [&](std::size_t i) {
    return start + std::chrono::nanoseconds(std::llround(static_cast<double>(i) * 1e9 / o.rate_per_s));
  };
  auto last_progress = start;
  auto last_done = start;
  const auto send_alarm = [&](std::size_t i) {
    const router::Household& h = *households[o.first_household + i];
    base[i] = closed ? Steady::now() : due(i);
    relay.send("ALARM", encode_body(Alarm{"a" + std::to_string(i), h.phone, h.id, wall.wall_ms()}));
  };
  while (done < n) {
    if (stop_requested()) return Status(ErrorCode::kIo, "interrupted by a signal");
    if (closed) {
      for (; next < n && next - done < o.window; ++next) send_alarm(next);
    } else {
      for (; next < n && due(next) <= Steady::now(); ++next) send_alarm(next);
    }
    const auto wake = closed || next == n ? Steady::now() + std::chrono::milliseconds(100) : due(next);
    auto got = relay.receive_until(wake);
    const auto now = Steady::now();
    if (!got) {
      if (now - last_progress > o.drain_timeout) {
        return Status(ErrorCode::kTimeout, "fan-out: " + std::to_string(done) + " of " + std::to_string(next) +
                                               " alarms sent had all their neighbours alerted, then nothing for " +
                                               std::to_string(o.drain_timeout.count()) + " ms");
      }
      continue;
    }
    if (got->first == "ERROR") {
      auto e = decode_body<RelayError>(got->second);
      return Status(ErrorCode::kIo, "the watch gateway answered ERROR " + (e.ok() ? e->name + ": " + e->message : ""));
    }
    if (got->first != "NEIGHBOUR_ALERT") continue;
    auto a = decode_body<Alert>(got->second);
    if (!a.ok()) return a.status().with_context("NEIGHBOUR_ALERT");
    relay.send("ALERT_DELIVERED", encode_body(Delivered{a->alert_id}));
    if (!alerts_seen.insert(a->alert_id).second) continue;  // a re-send
    const auto it = index_of.find(a->from_household);
    if (it == index_of.end()) continue;
    const std::size_t i = it->second;
    last_progress = now;
    if (!first_seen[i]) {
      first_seen[i] = 1;
      first_alert.record_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(now - base[i]).count());
    }
    if (++alerted[i] == expected[i]) {
      ++done;
      last_done = now;
      last_alert.record_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(now - base[i]).count());
    }
  }
  FanoutResult r;
  r.options = o;
  r.alarms = n;
  r.alerts = alerts_seen.size();
  r.alerts_per_alarm = static_cast<double>(r.alerts) / static_cast<double>(n);
  r.seconds = std::chrono::duration<double>(last_done - start).count();
  r.alarms_per_s = r.seconds > 0 ? static_cast<double>(n) / r.seconds : 0;
  r.last_alert = last_alert.summarize();
  r.first_alert = first_alert.summarize();
  if (auto u = read_process_usage(stack.pid("gw-watch"))) r.gw_peak_rss_mb = u->peak_rss_mb;
  stop_units = true;
  unit_thread.join();
  for (auto& u : units) u->close();
  if (Status s = stack.stop(); !s.ok()) return s;
  return r;
}

}  // namespace liandong::bench
