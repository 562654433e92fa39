#include "tools/cli/demo_relay.hpp"

#include <unistd.h>

#include "core/clock.hpp"
#include "core/codec.hpp"
#include "services/gw_watch/relay_protocol.hpp"

namespace liandong::cli {

DemoRelay::DemoRelay(zmq::context_t& ctx, std::string endpoint, std::optional<CurveClientKeys> keys,
                     const router::Deployment& deployment, std::mutex& mutex,
                     std::map<std::string, Steady::time_point>& sent_by_report, std::deque<std::string>& lines)
    : ctx_(ctx),
      endpoint_(std::move(endpoint)),
      keys_(std::move(keys)),
      deployment_(deployment),
      mutex_(mutex),
      sent_by_report_(sent_by_report),
      lines_(lines) {}

void DemoRelay::send(std::string_view command, const std::string& body) {
  const auto frames = watch::make_relay_frames(command, "m" + std::to_string(++next_id_), body);
  for (std::size_t i = 0; i < frames.size(); ++i) {
    socket_->send(zmq::buffer(frames[i]), i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  last_sent_ = Steady::now();
}

Status DemoRelay::connect() {
  socket_ = std::make_unique<zmq::socket_t>(ctx_, zmq::socket_type::dealer);
  socket_->set(zmq::sockopt::linger, 0);
  if (keys_) {
    socket_->set(zmq::sockopt::curve_serverkey, keys_->broker_public_key);
    socket_->set(zmq::sockopt::curve_publickey, keys_->public_key);
    socket_->set(zmq::sockopt::curve_secretkey, keys_->secret_key);
  }
  socket_->connect(endpoint_);
  watch::Hello hello;
  hello.relay_id = "demo-relay-" + std::to_string(::getpid() % 100000);
  hello.area = deployment_.grids.empty() ? "G00001" : deployment_.grids.begin()->first;
  hello.software = "liandong demo relay";
  send(watch::Hello::kCommand, encode_body(hello));
  const auto deadline = Steady::now() + std::chrono::seconds(5);
  while (Steady::now() < deadline) {
    zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (!(item.revents & ZMQ_POLLIN)) continue;
    std::vector<std::string> frames;
    zmq::message_t m;
    do {
      (void)socket_->recv(m);
      frames.emplace_back(static_cast<const char*>(m.data()), m.size());
    } while (m.more());
    if (frames.size() >= 2 && frames[1] == watch::Welcome::kCommand) return Status::Ok();
    if (frames.size() >= 4 && frames[1] == v1::Error::kCommand) {
      auto err = decode_body<v1::Error>(frames[3]);
      return Status(ErrorCode::kUnavailable,
                    "the watch gateway refused the demo relay: " + (err.ok() ? err->message : std::string("?")));
    }
  }
  return Status(ErrorCode::kTimeout, "the watch gateway at " + endpoint_ + " did not welcome the demo relay within 5 s");
}

void DemoRelay::press(const DemoStep& step, std::function<void(const std::string&)> on_incident) {
  std::lock_guard lock(mutex_);
  queue_.push_back({step, std::move(on_incident), Steady::now()});
}

void DemoRelay::pump() {
  std::deque<Press> presses;
  {
    std::lock_guard lock(mutex_);
    presses.swap(queue_);
  }
  const Millis wall = SystemClock().wall_ms();
  for (Press& p : presses) {
    watch::Alarm alarm;
    alarm.alarm_id = "demo-" + std::to_string(++next_id_);
    if (p.step.household) {
      auto h = deployment_.households.find(*p.step.household);
      alarm.household = p.step.household;
      alarm.caller_number = h != deployment_.households.end() ? h->second.phone : p.step.caller.value_or("0");
    } else {
      alarm.caller_number = p.step.caller.value_or("057500000000");
    }
    alarm.pressed_at_ms = wall;
    sent_[alarm.alarm_id] = {p.queued, p.step.neighbour_acks, p.step.household.value_or(""), std::move(p.on_incident)};
    // Counted now, not at ALARM_ACK: the neighbour alerts may arrive before the acknowledgement
    // (it waits for the incident id, the alerts come from the log).
    if (p.step.household) acks_wanted_[*p.step.household] += p.step.neighbour_acks;
    send(watch::Alarm::kCommand, encode_body(alarm));
  }
  for (int i = 0; i < 100; ++i) {
    zmq::pollitem_t item{socket_->handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(0));
    if (!(item.revents & ZMQ_POLLIN)) break;
    std::vector<std::string> frames;
    zmq::message_t m;
    do {
      (void)socket_->recv(m);
      frames.emplace_back(static_cast<const char*>(m.data()), m.size());
    } while (m.more());
    handle(frames);
  }
  const auto now = Steady::now();
  for (auto it = due_.begin(); it != due_.end();) {
    if (it->at > now) {
      ++it;
      continue;
    }
    watch::RelayNeighbourAck ack;
    ack.ack_id = "demo-ack-" + std::to_string(++next_id_);
    ack.alert_id = it->alert_id;
    ack.incident_id = it->incident_id;
    ack.household = it->household;
    ack.at_ms = SystemClock().wall_ms();
    send(watch::RelayNeighbourAck::kCommand, encode_body(ack));
    it = due_.erase(it);
  }
  if (now - last_sent_ > std::chrono::seconds(1)) send(watch::Ping::kCommand, encode_body(watch::Ping{}));
}

void DemoRelay::handle(const std::vector<std::string>& frames) {
  if (frames.size() != 4) return;
  const std::string& command = frames[1];
  const std::string& body = frames[3];
  if (command == watch::AlarmAck::kCommand) {
    auto ack = decode_body<watch::AlarmAck>(body);
    if (!ack.ok()) return;
    auto it = sent_.find(ack->alarm_id);
    if (it == sent_.end()) return;
    if (!ack->accepted) {
      std::lock_guard lock(mutex_);
      lines_.push_back("  !! the watch gateway did not take alarm " + ack->alarm_id);
      sent_.erase(it);
      return;
    }
    {
      std::lock_guard lock(mutex_);
      sent_by_report_.try_emplace(ack->report_id, it->second.queued);
    }
    if (it->second.on_incident && ack->incident_id) it->second.on_incident(*ack->incident_id);
    sent_.erase(it);  // a repeated ALARM_ACK changes nothing
    return;
  }
  if (command == watch::NeighbourAlert::kCommand) {
    auto alert = decode_body<watch::NeighbourAlert>(body);
    if (!alert.ok()) return;
    send(watch::AlertDelivered::kCommand, encode_body(watch::AlertDelivered{alert->alert_id}));
    auto& wanted = acks_wanted_[alert->from_household];
    if (wanted > 0) {
      --wanted;
      due_.push_back({Steady::now() + std::chrono::milliseconds(800 + 400 * static_cast<int>(due_.size() % 4)),
                      alert->alert_id, alert->incident_id, alert->household});
    }
    return;
  }
  if (command == watch::Ping::kCommand) send(watch::Pong::kCommand, encode_body(watch::Pong{}));
}

}  // namespace liandong::cli
