// The one client of the bus every Liandong peer uses (schemas/README.md, "Sessions"): a DEALER
// that registers under a name and role, heartbeats when idle, notices a silent broker and
// reconnects and re-registers by itself, and re-registers when the broker says NOT_REGISTERED
// (after a broker restart). Reconnect-and-resend lives here so broker failover can later be
// added in one place. Not thread-safe: one thread owns a client.
#pragma once

#include <zmq.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/codec.hpp"
#include "core/curve_keys.hpp"
#include "core/envelope.hpp"
#include "core/ids.hpp"
#include "core/status.hpp"

namespace liandong {

struct BusClientOptions {
  std::string endpoint;               // the broker, e.g. "tcp://127.0.0.1:5570"
  std::string name;                   // unique peer name on the bus
  std::string role;                   // one of the roles in schemas/README.md
  Millis heartbeat_ms = 1000;         // used until the broker's REGISTERED says otherwise
  std::int64_t liveness = 3;          // broker silent this many intervals -> reconnect
  Millis register_timeout_ms = 5000;  // how long connect() waits for REGISTERED
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::string software = "liandong " LIANDONG_VERSION;  // sent in REGISTER; name your program
  // CurveZMQ keys (docs/security.md); without them the client speaks plain ZMTP, which only a
  // broker started with --insecure-plain accepts.
  std::optional<CurveClientKeys> curve;
};

// What --keys means for every bus service (docs/security.md).
inline constexpr const char* kKeysOptionHelp =
    "CurveZMQ key directory: NAME.key (this peer's pair, NAME = its peer name) and broker.pub;\n"
    "without it the service connects in plain mode, which only a broker run --insecure-plain accepts";

// Loads DIR/<options.name>.key and DIR/broker.pub into options.curve; nothing when `keys_dir` is
// empty. Errors name the missing file and how to create it.
Status load_bus_keys(BusClientOptions& options, const std::string& keys_dir, const std::string& label = {});

class BusClient {
 public:
  BusClient(zmq::context_t& context, BusClientOptions options, const Clock& clock);
  ~BusClient();
  BusClient(const BusClient&) = delete;
  BusClient& operator=(const BusClient&) = delete;

  // Connects and registers; fails with TIMEOUT when the broker does not answer in time, with
  // FORBIDDEN when the broker refuses this client's key at the handshake, or with the broker's
  // error (INVALID_REGISTRATION, FORBIDDEN) when it refuses the registration.
  Status connect();

  // Queues a message to `destination` (empty: the broker itself) and returns its message id:
  // `message_id` when given (a retry keeps its id), a new time-ordered id otherwise.
  std::string send(std::string_view destination, std::string_view command, std::string_view body,
                   std::string message_id = {});
  template <class M>
  std::string send_message(std::string_view destination, const M& message, std::string message_id = {}) {
    return send(destination, M::kCommand, encode_body(message), std::move(message_id));
  }

  // Waits up to `timeout_ms` for the next message for the application, keeping the session alive
  // meanwhile. Session traffic (HEARTBEAT, REGISTERED) is consumed here; ERROR and DISCONNECT
  // from the broker are returned too, after the client has reacted to them. Returns nothing,
  // possibly before the timeout, when the wait ended without a message (or on a registration).
  std::optional<Envelope> receive(Millis timeout_ms);

  // Sends DISCONNECT so the broker forgets this peer at once (also done by the destructor).
  void close();

  // The socket's handle for zmq::poll, so a service can wait on the bus and its own sockets at once
  // (then call receive(0)). It changes when the client reconnects: ask again before every poll.
  void* poll_handle();

  bool registered() const { return registered_; }
  bool replaced() const { return replaced_; }
  const std::string& name() const { return options_.name; }
  std::uint64_t reconnects() const { return reconnects_; }

 private:
  void open_socket();
  // A failed CurveZMQ handshake reported by the socket monitor since the last look, if any.
  std::optional<Status> handshake_failure();
  void send_register();
  void send_frames(std::string_view destination, std::string_view command, std::string_view id,
                   std::string_view body);
  void keep_alive(Millis now);

  zmq::context_t& context_;
  BusClientOptions options_;
  const Clock& clock_;
  IdGenerator ids_;
  std::unique_ptr<zmq::socket_t> socket_;
  std::unique_ptr<zmq::socket_t> monitor_;  // PAIR receiving the socket's handshake events
  bool registered_ = false;
  bool replaced_ = false;
  bool closed_ = false;
  Millis heartbeat_ms_;
  Millis last_sent_ = 0;
  Millis last_heard_ = 0;
  std::uint64_t reconnects_ = 0;
};

}  // namespace liandong
