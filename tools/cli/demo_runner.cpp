#include "tools/cli/demo_runner.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/bus_client.hpp"
#include "core/codec.hpp"
#include "core/log.hpp"
#include "schemas/messages.hpp"
#include "services/router/deployment_loader.hpp"
#include "tools/cli/demo_relay.hpp"

namespace liandong::cli {
namespace {

using Steady = std::chrono::steady_clock;
using json = nlohmann::json;

double ms_between(Steady::time_point from, Steady::time_point to) {
  return std::chrono::duration<double, std::milli>(to - from).count();
}

// What the input, relay and bus threads share.
struct Shared {
  std::mutex m;
  std::map<std::string, Steady::time_point> sent_by_report;    // report id -> when it was sent
  std::map<std::string, Steady::time_point> sent_by_incident;  // watch alarms: the relay's ack names the incident
  std::map<std::string, Steady::time_point> first_order;       // incident -> when a unit got its first order
  std::deque<std::string> lines;                               // printed by the bus thread
  std::map<std::string, std::pair<std::string, std::string>> refs;  // step name -> (platform, gateway's id)
  std::uint64_t sent = 0;
  std::uint64_t refused = 0;

  void say(std::string line) {
    std::lock_guard lock(m);
    lines.push_back(std::move(line));
  }
};

struct TimedStep {
  double at_s = 0;
  DemoStep step;
};

router::GeoPoint centre(const router::Grid& g) {
  router::GeoPoint c;
  for (const auto& p : g.polygon) {
    c.lat += p.lat;
    c.lon += p.lon;
  }
  if (!g.polygon.empty()) {
    c.lat /= static_cast<double>(g.polygon.size());
    c.lon /= static_cast<double>(g.polygon.size());
  }
  return c;
}

// The scripted steps plus the seeded background, in time order.
std::vector<TimedStep> timeline(const DemoScenario& sc, const router::Deployment& d) {
  std::vector<TimedStep> all;
  for (const DemoStep& s : sc.steps) all.push_back({s.at_s, s});
  const auto& bg = sc.background;
  const auto n = static_cast<std::size_t>(bg.reports_per_minute * sc.duration_s / 60.0);
  if (n > 0) {
    std::mt19937 rng(bg.seed);
    std::vector<const router::Grid*> grids;
    for (const auto& [id, g] : d.grids) grids.push_back(&g);
    std::vector<const router::Household*> households;
    for (const auto& [id, h] : d.households) households.push_back(&h);
    std::vector<std::pair<std::string, const std::vector<std::string>*>> platforms;
    if (!bg.categories_110.empty()) platforms.push_back({"110", &bg.categories_110});
    if (!bg.categories_96345.empty()) platforms.push_back({"96345", &bg.categories_96345});
    if (!bg.categories_citymgmt.empty()) platforms.push_back({"citymgmt", &bg.categories_citymgmt});
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double spacing = sc.duration_s / static_cast<double>(n);
    for (std::size_t i = 0; i < n; ++i) {
      DemoStep s;
      s.at_s = std::min(sc.duration_s, (static_cast<double>(i) + unit(rng)) * spacing);
      const bool watch = !households.empty() && unit(rng) < bg.watch_share;
      if (watch || platforms.empty()) {
        if (households.empty()) continue;
        s.platform = "watch";
        s.household = households[rng() % households.size()]->id;
        s.neighbour_acks = 2;
      } else {
        const auto& [platform, cats] = platforms[rng() % platforms.size()];
        s.platform = platform;
        s.category = (*cats)[rng() % cats->size()];
        const router::Grid* g = grids[rng() % grids.size()];
        const router::GeoPoint c = centre(*g);
        s.lat = c.lat;
        s.lon = c.lon;
        s.caller = "1380575" + std::to_string(1000 + rng() % 9000);
        s.text = "background report " + std::to_string(i + 1);
      }
      all.push_back({s.at_s, std::move(s)});
    }
  }
  std::stable_sort(all.begin(), all.end(), [](const TimedStep& a, const TimedStep& b) { return a.at_s < b.at_s; });
  return all;
}

// application/x-www-form-urlencoded value: unreserved bytes as they are, the rest %XX.
std::string form_encode(const std::string& value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string describe(const DemoStep& s) {
  std::string text = s.platform + " " + (s.category.empty() ? "alarm" : s.category);
  if (s.household) text += " household " + *s.household;
  if (s.grid) text += " grid " + *s.grid;
  return text;
}

// Sends reports and transfers through the gateways' HTTP interfaces and hands watch alarms to
// the simulated relay.
class Intake {
 public:
  Intake(const DemoEndpoints& ep, Shared& shared, DemoRelay& relay) : ep_(ep), shared_(shared), relay_(relay) {}

  void send(const DemoStep& s) {
    if (s.action == "transfer") return transfer(s);
    if (s.platform == "watch") {
      relay_.press(s, [shared = &shared_, name = s.name](const std::string& incident_id) {  // on the bus thread
        if (!name.empty()) {
          std::lock_guard lock(shared->m);
          shared->refs[name] = {"watch", incident_id};
        }
      });
      std::lock_guard lock(shared_.m);
      ++shared_.sent;
      return;
    }
    json body;
    std::string path;
    std::string form;
    if (s.platform == "citymgmt") {
      path = "/requests.json";
      form = "service_code=" + s.category;
      if (s.lat) form += "&lat=" + std::to_string(*s.lat) + "&long=" + std::to_string(*s.lon);
      if (s.address) form += "&address_string=" + form_encode(*s.address);
      if (s.text) form += "&description=" + form_encode(*s.text);
      if (s.caller) form += "&phone=" + *s.caller;
    } else {
      // Operators always note what was said and who called (the 96345 callback needs the number).
      path = s.platform == "110" ? "/incidents" : "/workorders";
      body["category"] = s.category;
      body["text"] = s.text.value_or("caller reports " + s.category);
      body["caller"] = {{"phone", s.caller.value_or("1390575" + std::to_string(1000 + sequence_++ % 9000))}};
      if (s.priority) body["priority"] = *s.priority;
      if (s.lat) body["location"] = {{"lat", *s.lat}, {"lon", *s.lon}};
      if (s.grid) body["grid"] = *s.grid;
      // The hotline writes an address on every work order; the demo makes one up when the step has none.
      body["address"] = s.address.value_or(s.grid ? "grid " + *s.grid : "the caller's location");
    }
    httplib::Client& c = client(s.platform);
    const auto sent_at = Steady::now();
    auto res = form.empty() ? c.Post(path.c_str(), body.dump(), "application/json")
                            : c.Post(path.c_str(), form, "application/x-www-form-urlencoded");
    if (!res || res->status >= 300) {
      refuse(s, res ? std::to_string(res->status) + " " + res->body.substr(0, 200) : httplib::to_string(res.error()));
      return;
    }
    auto answer = json::parse(res->body, nullptr, false);
    std::string report_id, ref;
    if (s.platform == "citymgmt") {
      if (answer.is_array() && !answer.empty() && answer[0].contains("service_request_id")) {
        ref = answer[0]["service_request_id"].get<std::string>();
        report_id = "citymgmt-" + ref;
      }
    } else if (answer.is_object()) {
      report_id = answer.value("report_id", "");
      ref = answer.value(s.platform == "110" ? "incident_ref" : "work_order_id", "");
    }
    std::lock_guard lock(shared_.m);
    ++shared_.sent;
    if (!report_id.empty()) shared_.sent_by_report[report_id] = sent_at;
    if (!s.name.empty()) shared_.refs[s.name] = {s.platform, ref};
  }

 private:
  httplib::Client& client(const std::string& platform) {
    auto it = clients_.find(platform);
    if (it == clients_.end()) {
      auto c = std::make_unique<httplib::Client>(ep_.gateways.at(platform));
      c->set_connection_timeout(2, 0);
      c->set_read_timeout(10, 0);
      c->set_keep_alive(true);
      it = clients_.emplace(platform, std::move(c)).first;
    }
    return *it->second;
  }

  void refuse(const DemoStep& s, const std::string& why) {
    std::lock_guard lock(shared_.m);
    ++shared_.refused;
    shared_.lines.push_back("  !! the " + s.platform + " gateway did not take '" + describe(s) + "': " + why);
  }

  void transfer(const DemoStep& s) {
    std::pair<std::string, std::string> ref;
    {
      std::lock_guard lock(shared_.m);
      auto it = shared_.refs.find(s.of);
      if (it == shared_.refs.end() || it->second.second.empty()) {
        shared_.lines.push_back("  !! transfer of '" + s.of + "' skipped: that report was not accepted");
        return;
      }
      ref = it->second;
    }
    const std::string path = ref.first == "110"     ? "/incidents/" + ref.second + "/transfer"
                             : ref.first == "96345" ? "/workorders/" + ref.second + "/transfer"
                                                    : "";
    if (path.empty()) {
      shared_.say("  !! transfer of '" + s.of + "' skipped: the demo transfers 110 and 96345 reports only");
      return;
    }
    json body = {{"to", s.to}, {"reason", s.reason.empty() ? "operator transfer" : s.reason}};
    auto res = client(ref.first).Post(path.c_str(), body.dump(), "application/json");
    if (!res || res->status >= 300) {
      shared_.say("  !! transfer of '" + s.of + "' refused: " +
                  (res ? std::to_string(res->status) + " " + res->body.substr(0, 200) : httplib::to_string(res.error())));
    }
  }

  const DemoEndpoints& ep_;
  Shared& shared_;
  DemoRelay& relay_;
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;
  std::uint64_t sequence_ = 0;
};

// Every unit of the deployment as a bus peer that accepts its orders after a delay.
class SimulatedUnits {
 public:
  SimulatedUnits(zmq::context_t& ctx, const Clock& clock, const std::string& broker,
                 const std::optional<CurveClientKeys>& keys, const router::Deployment& d, const DemoUnits& cfg,
                 Shared& shared)
      : cfg_(cfg), shared_(shared) {
    for (const auto& [id, unit] : d.units) {
      BusClientOptions o;
      o.endpoint = broker;
      o.name = "unit:" + id;
      o.role = "unit";
      o.software = "liandong demo (simulated unit)";
      o.curve = keys;
      auto c = std::make_unique<BusClient>(ctx, o, clock);
      units_.push_back({id, std::move(c)});
    }
  }

  Status connect() {
    for (auto& u : units_) {
      if (auto s = u.client->connect(); !s.ok()) return s.with_context("simulated unit " + u.id);
    }
    return Status::Ok();
  }

  void pump() {
    const auto now = Steady::now();
    for (auto& u : units_) {
      for (int i = 0; i < 100; ++i) {
        auto e = u.client->receive(0);
        if (!e) break;
        if (e->command == v1::DispatchOrder::kCommand) on_order(u, *e, now);
        if (e->command == v1::Notice::kCommand) {
          auto n = decode_body<v1::Notice>(e->body);
          if (n.ok()) shared_.say("           notice to " + u.id + ": " + n->text);
        }
      }
    }
    for (auto it = due_.begin(); it != due_.end();) {
      if (it->at > now) {
        ++it;
        continue;
      }
      v1::OrderAck ack;
      ack.order_id = it->order_id;
      ack.unit = it->unit->id;
      ack.accepted = true;
      it->unit->client->send_message("router", ack);
      acked_.insert(it->order_id);
      it = due_.erase(it);
    }
  }

 private:
  struct Unit {
    std::string id;
    std::unique_ptr<BusClient> client;
  };
  struct DueAck {
    Steady::time_point at;
    std::string order_id;
    Unit* unit;
  };

  void on_order(Unit& u, const Envelope& e, Steady::time_point now) {
    auto order = decode_body<v1::DispatchOrder>(e.body);
    if (!order.ok()) return;
    {
      std::lock_guard lock(shared_.m);
      shared_.first_order.try_emplace(order->incident_id, now);
    }
    if (std::find(cfg_.never_acknowledge.begin(), cfg_.never_acknowledge.end(), u.id) != cfg_.never_acknowledge.end()) {
      return;
    }
    const bool known = acked_.contains(order->order_id) ||
                       std::any_of(due_.begin(), due_.end(), [&](const DueAck& d) { return d.order_id == order->order_id; });
    if (known && !acked_.contains(order->order_id)) return;  // a re-send while our answer is pending
    const std::int64_t span = cfg_.accept_max_ms - cfg_.accept_min_ms + 1;
    const auto delay = known ? 0 : cfg_.accept_min_ms + static_cast<std::int64_t>(std::hash<std::string>{}(order->order_id) %
                                                                                    static_cast<std::size_t>(span));
    due_.push_back({now + std::chrono::milliseconds(delay), order->order_id, &u});
  }

  const DemoUnits& cfg_;
  Shared& shared_;
  std::vector<Unit> units_;
  std::vector<DueAck> due_;
  std::set<std::string> acked_;
};

}  // namespace

Result<DemoResult> run_demo(const DemoScenario& scenario, const DemoEndpoints& endpoints, std::ostream& out,
                            const std::atomic<bool>& stop) {
  auto deployment = router::load_deployment(endpoints.deployment);
  if (!deployment.ok()) return deployment.status();
  for (const char* p : {"110", "96345", "citymgmt", "watch"}) {
    if (!endpoints.gateways.contains(p)) return Status(ErrorCode::kConfig, std::string("the ") + p + " gateway is not running");
  }
  DemoResult result;
  Shared shared;
  SystemClock clock;
  zmq::context_t ctx(1);

  SimulatedUnits units(ctx, clock, endpoints.broker, endpoints.units_keys, *deployment, scenario.units, shared);
  if (auto s = units.connect(); !s.ok()) return s;

  BusClientOptions fo;
  fo.endpoint = endpoints.broker;
  fo.name = "cli-demo-" + std::to_string(::getpid());  // an operator key's names are cli-*
  fo.curve = endpoints.operator_keys;
  fo.role = "cli";
  fo.software = "liandong demo";
  BusClient follow(ctx, fo, clock);
  if (auto s = follow.connect(); !s.ok()) return s.with_context("the demo's view of the audit log");

  // Start following the log where it ends now: the demo shows what its own reports cause.
  v1::AuditQuery q;
  q.query_id = "demo-last";
  q.from_seq = 1;
  q.limit = 1;
  follow.send_message("audit", q);
  std::int64_t from_seq = 0;
  const auto asked = Steady::now();
  while (from_seq == 0 && Steady::now() - asked < std::chrono::seconds(10) && !stop) {
    auto e = follow.receive(100);
    if (e && e->command == v1::AuditEvents::kCommand) {
      auto page = decode_body<v1::AuditEvents>(e->body);
      if (page.ok()) from_seq = page->last_seq + 1;
    }
  }
  if (from_seq == 0) return Status(ErrorCode::kTimeout, "the audit service did not answer within 10 s");
  const std::string sub = "demo-follow-" + std::to_string(::getpid());
  follow.send_message("audit", v1::AuditSubscribe{sub, from_seq, 10'000});

  DemoRelay relay(ctx, endpoints.gateways.at("watch"), endpoints.relay_keys, *deployment, shared.m, shared.sent_by_report, shared.lines);
  if (auto s = relay.connect(); !s.ok()) return s;

  const auto start = Steady::now();
  const Millis start_wall = clock.wall_ms();
  const auto steps = timeline(scenario, *deployment);
  out << "replaying " << steps.size() << " reports and transfers over " << scenario.duration_s << " s from "
      << scenario.file << "\n";
  out << "    time  platform #incident  what happened\n" << std::flush;

  std::atomic<bool> input_done{false};
  std::thread input([&] {
    Intake intake(endpoints, shared, relay);
    for (const TimedStep& t : steps) {
      const auto due = start + std::chrono::milliseconds(static_cast<std::int64_t>(t.at_s * 1000));
      while (Steady::now() < due && !stop) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (stop) break;
      intake.send(t.step);
    }
    input_done = true;
  });

  const auto end = start + std::chrono::milliseconds(static_cast<std::int64_t>((scenario.duration_s + scenario.settle_s) * 1000));
  while (!stop && (Steady::now() < end || !input_done)) {
    units.pump();
    relay.pump();
    if (auto e = follow.receive(2)) {
      if (e->command == v1::AuditEvents::kCommand) {
        auto page = decode_body<v1::AuditEvents>(e->body);
        if (page.ok() && page->query_id == sub && !page->events.empty()) {
          for (const auto& ev : page->events) {
            if (auto line = result.tally.on_event(ev, start_wall)) out << *line << "\n";
          }
          follow.send_message("audit", v1::AuditStreamAck{sub, page->events.back().seq});
          out << std::flush;
        }
      }
    }
    std::deque<std::string> lines;
    {
      std::lock_guard lock(shared.m);
      lines.swap(shared.lines);
    }
    for (const auto& l : lines) out << l << "\n";
  }
  input.join();
  follow.send_message("audit", v1::AuditUnsubscribe{sub});

  {
    std::lock_guard lock(shared.m);
    result.reports_sent = shared.sent;
    result.reports_refused = shared.refused;
    for (const auto& [report, at] : shared.sent_by_report) {
      auto incident = result.tally.incident_of_report(report);
      if (!incident) continue;
      auto o = shared.first_order.find(*incident);
      if (o != shared.first_order.end() && o->second >= at) result.tally.add_latency(ms_between(at, o->second));
    }
    for (const auto& [incident, at] : shared.sent_by_incident) {
      auto o = shared.first_order.find(incident);
      if (o != shared.first_order.end() && o->second >= at) result.tally.add_latency(ms_between(at, o->second));
    }
  }

  follow.send_message("audit", v1::AuditVerify{"demo-verify"});
  const auto verify_start = Steady::now();
  bool answered = false;
  while (!answered && Steady::now() - verify_start < std::chrono::seconds(60)) {
    auto e = follow.receive(100);
    if (e && e->command == v1::AuditVerifyReply::kCommand) {
      auto r = decode_body<v1::AuditVerifyReply>(e->body);
      if (r.ok()) {
        answered = true;
        result.verified = r->intact;
        result.verify_message = r->message.empty() ? std::to_string(r->events) + " events checked" : r->message;
      }
    }
  }
  if (!answered) result.verify_message = "the audit service did not answer the verification within 60 s";
  return result;
}

}  // namespace liandong::cli
