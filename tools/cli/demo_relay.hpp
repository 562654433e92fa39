// The demo's neighbourhood-watch phone relay: presses households' alarms on the watch gateway
// (relay protocol, schemas/relay.md), confirms the neighbour alerts it is asked to ring, and has
// some of the neighbours acknowledge. Socket work happens in pump(), on one thread; press() may
// be called from another.
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/curve_keys.hpp"
#include "core/status.hpp"
#include "services/router/deployment.hpp"
#include "tools/cli/demo_scenario.hpp"

namespace liandong::cli {

class DemoRelay {
 public:
  using Steady = std::chrono::steady_clock;
  // `sent_by_report` (report id -> when its alarm was pressed) and `lines` belong to the caller
  // and are guarded by `mutex`.
  // `keys`: CurveZMQ (its relay key; the server key is the watch gateway's), none when plain.
  DemoRelay(zmq::context_t& ctx, std::string endpoint, std::optional<CurveClientKeys> keys,
            const router::Deployment& deployment, std::mutex& mutex,
            std::map<std::string, Steady::time_point>& sent_by_report, std::deque<std::string>& lines);

  // Connects and introduces itself (HELLO -> WELCOME), waiting up to 5 s.
  Status connect();
  // Queues an alarm of the step's household (or caller number); `on_incident` gets the incident id
  // once the gateway has acknowledged the alarm.
  void press(const DemoStep& step, std::function<void(const std::string&)> on_incident);
  void pump();

 private:
  struct Press {
    DemoStep step;
    std::function<void(const std::string&)> on_incident;
    Steady::time_point queued;
  };
  struct SentAlarm {
    Steady::time_point queued;
    int neighbour_acks = 0;
    std::string household;
    std::function<void(const std::string&)> on_incident;
  };
  struct DueAck {
    Steady::time_point at;
    std::string alert_id, incident_id, household;
  };
  void send(std::string_view command, const std::string& body);
  void handle(const std::vector<std::string>& frames);

  zmq::context_t& ctx_;
  std::string endpoint_;
  std::optional<CurveClientKeys> keys_;
  const router::Deployment& deployment_;
  std::mutex& mutex_;
  std::map<std::string, Steady::time_point>& sent_by_report_;
  std::deque<std::string>& lines_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::deque<Press> queue_;                 // guarded by mutex_
  std::map<std::string, SentAlarm> sent_;   // alarm id -> what it was
  std::map<std::string, int> acks_wanted_;  // alarming household -> neighbours still to acknowledge
  std::vector<DueAck> due_;
  std::uint64_t next_id_ = 0;
  Steady::time_point last_sent_;
};

}  // namespace liandong::cli
