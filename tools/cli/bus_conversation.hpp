// A CLI command's session on the bus: register as a "cli" peer, then ask questions and wait for
// their answers, with every failure (no broker, refusal, silence) turned into a Status that names
// who did not answer and why.
#pragma once

#include <zmq.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/bus_client.hpp"
#include "core/clock.hpp"
#include "core/status.hpp"

namespace liandong::cli {

// How a request is sent again (schemas/README.md §6), always with the same message id and body,
// so the receiver's idempotency key makes a repeat harmless.
struct RetryPolicy {
  // Wait this long after a refusal a retry can fix (UNROUTABLE, BUSY, UNAVAILABLE) before
  // sending again; with `resend_on_silence`, also send again when no answer came this long.
  Millis retry_ms = 2000;
  bool resend_on_silence = false;
};

class BusConversation {
 public:
  // Connects to the broker at `endpoint` and registers as `peer_name` within `timeout_ms`.
  // `keys`: CurveZMQ keys (bus_session.hpp, cli_bus_keys); without them the connection is plain.
  static Result<std::unique_ptr<BusConversation>> open(const std::string& endpoint, const std::string& peer_name,
                                                       Millis timeout_ms,
                                                       std::optional<CurveClientKeys> keys = std::nullopt);

  // Sends `command` with `body` to `destination` ("" for the broker) and waits up to `timeout_ms`
  // for an answer `answer` from it. An ERROR from the destination or the broker comes back as
  // its code and message; silence as TIMEOUT naming the destination.
  Result<Envelope> ask(const std::string& destination, std::string_view command, const std::string& body,
                       std::string_view answer, Millis timeout_ms);

  // Like ask(), but keeps trying until `timeout_ms` as `retry` says; gives up at once only on a
  // refusal a retry cannot fix. After the time is up, the error names the last refusal, if any,
  // and how many times the request was sent.
  Result<Envelope> ask_retrying(const std::string& destination, std::string_view command, const std::string& body,
                                std::string_view answer, Millis timeout_ms, RetryPolicy retry);

  template <class M, class A>
  Result<A> ask_for(const std::string& destination, const M& message, Millis timeout_ms) {
    return decode_answer<A>(destination, ask(destination, M::kCommand, encode_body(message), A::kCommand, timeout_ms));
  }

  template <class M, class A>
  Result<A> ask_retrying_for(const std::string& destination, const M& message, Millis timeout_ms, RetryPolicy retry) {
    return decode_answer<A>(
        destination, ask_retrying(destination, M::kCommand, encode_body(message), A::kCommand, timeout_ms, retry));
  }

  const std::string& endpoint() const { return endpoint_; }
  const std::string& peer_name() const { return client_.name(); }

 private:
  BusConversation(std::string endpoint, const std::string& peer_name, Millis timeout_ms,
                  std::optional<CurveClientKeys> keys);
  std::string describe(const std::string& destination) const;
  Result<Envelope> converse(const std::string& destination, std::string_view command, const std::string& body,
                            std::string_view answer, Millis timeout_ms, std::optional<RetryPolicy> retry);

  template <class A>
  Result<A> decode_answer(const std::string& destination, Result<Envelope> env) const {
    if (!env.ok()) return env.status();
    auto decoded = decode_body<A>(env->body);
    if (!decoded.ok()) {
      return Status(decoded.status().code(), "'" + describe(destination) + "' sent a " + std::string(A::kCommand) +
                                                 " that cannot be read: " + decoded.status().message());
    }
    return decoded;
  }

  std::string endpoint_;
  SystemClock clock_;
  zmq::context_t context_{1};  // declared before the client, so the client closes first
  BusClient client_;
};

}  // namespace liandong::cli
