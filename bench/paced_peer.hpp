// A bus peer for open-loop runs (schemas/README.md §2-3, the session part only). BusClient waits
// in whole milliseconds, which would shift a 1 ms send schedule by up to a millisecond and make the
// harness part of the latency it measures; this peer waits on a timerfd beside its socket, so it
// wakes at a microsecond deadline or at the first message, whichever comes first. It registers,
// answers a silent spell with HEARTBEAT and ignores the broker's heartbeats; it does not reconnect
// (a benchmark that loses its broker has failed). Not thread-safe: one thread owns it.
#pragma once

#include <zmq.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/curve_keys.hpp"
#include "core/envelope.hpp"
#include "core/ids.hpp"
#include "core/status.hpp"

namespace liandong::bench {

class PacedPeer {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  // `curve`: connect with these CurveZMQ keys (a broker run with --keys); plain without.
  PacedPeer(zmq::context_t& context, std::string endpoint, std::string name, std::string role = "cli",
            const std::optional<CurveClientKeys>& curve = std::nullopt);
  ~PacedPeer();  // close()s
  PacedPeer(const PacedPeer&) = delete;
  PacedPeer& operator=(const PacedPeer&) = delete;

  // Sends REGISTER and waits for REGISTERED; TIMEOUT or the broker's refusal otherwise.
  Status connect(std::chrono::milliseconds timeout);
  // Sends one message with a new message id and returns that id.
  std::string send(std::string_view destination, std::string_view command, std::string_view body);
  template <class M>
  std::string send_message(std::string_view destination, const M& message) {
    return send(destination, M::kCommand, encode_body(message));
  }
  // The next message for the application, or nothing once `deadline` has passed (or a signal
  // interrupted the wait). Broker HEARTBEATs are consumed here.
  std::optional<Envelope> receive_until(TimePoint deadline);
  // Sends DISCONNECT so the broker forgets this peer at once.
  void close();

  // For waiting on several peers at once (PeerGroup): the socket to poll, the next message for the
  // application without waiting (nothing when none is queued, or just after REGISTERED), and a
  // HEARTBEAT when the peer has been silent for a heartbeat interval (call it at least that often).
  zmq::socket_t& socket() { return socket_; }
  std::optional<Envelope> receive_now();
  void keep_alive();

 private:
  void arm_timer(TimePoint at);
  void send_frames(std::string_view destination, std::string_view command, std::string_view id,
                   std::string_view body);

  std::string endpoint_;
  std::string name_;
  std::string role_;
  SystemClock clock_;
  IdGenerator ids_;
  zmq::socket_t socket_;
  int timer_fd_ = -1;
  bool registered_ = false;
  TimePoint last_sent_;
};

}  // namespace liandong::bench
