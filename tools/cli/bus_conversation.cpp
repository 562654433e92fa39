#include "tools/cli/bus_conversation.hpp"

#include <algorithm>
#include <cstdint>

#include "schemas/messages.hpp"

namespace liandong::cli {

namespace {
BusClientOptions client_options(const std::string& endpoint, const std::string& peer_name, Millis timeout_ms,
                                std::optional<CurveClientKeys> keys) {
  BusClientOptions options;
  options.curve = std::move(keys);
  options.endpoint = endpoint;
  options.name = peer_name;
  options.role = "cli";
  options.register_timeout_ms = timeout_ms;
  options.software = "liandong-cli " LIANDONG_VERSION;
  return options;
}
}  // namespace

BusConversation::BusConversation(std::string endpoint, const std::string& peer_name, Millis timeout_ms,
                                 std::optional<CurveClientKeys> keys)
    : endpoint_(std::move(endpoint)),
      client_(context_, client_options(endpoint_, peer_name, timeout_ms, std::move(keys)), clock_) {}

std::string BusConversation::describe(const std::string& destination) const {
  return destination.empty() ? "broker at " + endpoint_ : destination;
}

Result<std::unique_ptr<BusConversation>> BusConversation::open(const std::string& endpoint,
                                                               const std::string& peer_name, Millis timeout_ms,
                                                               std::optional<CurveClientKeys> keys) {
  try {
    std::unique_ptr<BusConversation> c(new BusConversation(endpoint, peer_name, timeout_ms, std::move(keys)));
    if (Status s = c->client_.connect(); !s.ok()) {
      if (s.code() == ErrorCode::kTimeout) {
        return Status(ErrorCode::kTimeout, "no answer from broker at " + endpoint + " within " +
                                               std::to_string(timeout_ms) + " ms (is the system running?)");
      }
      return s;
    }
    return c;
  } catch (const zmq::error_t& e) {
    return Status(ErrorCode::kIo, "cannot talk to broker at " + endpoint + ": " + e.what());
  }
}

Result<Envelope> BusConversation::ask(const std::string& destination, std::string_view command,
                                      const std::string& body, std::string_view answer, Millis timeout_ms) {
  return converse(destination, command, body, answer, timeout_ms, std::nullopt);
}

Result<Envelope> BusConversation::ask_retrying(const std::string& destination, std::string_view command,
                                               const std::string& body, std::string_view answer, Millis timeout_ms,
                                               RetryPolicy retry) {
  return converse(destination, command, body, answer, timeout_ms, retry);
}

Result<Envelope> BusConversation::converse(const std::string& destination, std::string_view command,
                                           const std::string& body, std::string_view answer, Millis timeout_ms,
                                           std::optional<RetryPolicy> retry) {
  constexpr Millis kNever = INT64_MAX;
  try {
    const Millis deadline = clock_.monotonic_ms() + timeout_ms;
    // Every send carries the same message id, so an ERROR about any of them is recognised.
    const std::string id = client_.send(destination, command, body);
    int sends = 1;
    auto resend_due = [&](Millis now) {
      return retry && retry->resend_on_silence ? now + retry->retry_ms : kNever;
    };
    Millis next_send = resend_due(clock_.monotonic_ms());
    std::optional<Status> last_refusal;  // the latest refusal a retry might fix
    while (true) {
      Millis now = clock_.monotonic_ms();
      if (now >= deadline) {
        if (last_refusal) {
          return Status(last_refusal->code(), last_refusal->message() + "; still so after " + std::to_string(sends) +
                                                  " attempts in " + std::to_string(timeout_ms) + " ms");
        }
        std::string text = "no answer from " + describe(destination) + " within " + std::to_string(timeout_ms) + " ms";
        if (sends > 1) text += " (" + std::string(command) + " sent " + std::to_string(sends) + " times)";
        return Status(ErrorCode::kTimeout, text);
      }
      if (now >= next_send) {
        client_.send(destination, command, body, id);
        ++sends;
        next_send = resend_due(now);
      }
      auto env = client_.receive(std::min(deadline, next_send) - now);
      if (!env) continue;
      if (env->peer == destination && env->command == answer) return std::move(*env);
      if (env->command == v1::Disconnect::kCommand && env->peer.empty()) {
        return Status(ErrorCode::kUnavailable, "broker at " + endpoint_ + " ended this session");
      }
      if (env->command != v1::Error::kCommand) continue;
      auto err = decode_body<v1::Error>(env->body);
      if (!err.ok() || (err->reply_to && *err->reply_to != id)) continue;
      if (err->code == static_cast<std::uint32_t>(ErrorCode::kNotRegistered)) {
        // The broker restarted under us; the client registered again: ask again.
        client_.send(destination, command, body, id);
        ++sends;
        continue;
      }
      const std::string who = env->peer.empty() ? "broker at " + endpoint_ : env->peer;
      std::string text = who + " refused " + std::string(command) + ": " + err->message;
      if (err->code == static_cast<std::uint32_t>(ErrorCode::kUnroutable) && !destination.empty()) {
        text = "'" + destination + "' is not connected to the broker at " + endpoint_ + " (is it running?)";
      }
      Status refusal(error_code_from_number(err->code).value_or(ErrorCode::kInternal), text);
      const bool retryable = refusal.code() == ErrorCode::kUnroutable || refusal.code() == ErrorCode::kBusy ||
                             refusal.code() == ErrorCode::kUnavailable;
      if (!retry || !retryable) return refusal;
      last_refusal = refusal;
      next_send = clock_.monotonic_ms() + retry->retry_ms;
    }
  } catch (const zmq::error_t& e) {
    return Status(ErrorCode::kIo, "talking to broker at " + endpoint_ + ": " + e.what());
  }
}

}  // namespace liandong::cli
