// What the commands served by the router share (report, incident, incidents, unit, transfer):
// the bus options every one of them takes and one way to open a session and ask "router".
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "tools/cli/bus_conversation.hpp"

namespace liandong::cli {

inline constexpr const char* kRouterPeer = "router";
inline constexpr Millis kDefaultRouterTimeoutMs = 10'000;
// Requests that change state are sent again this often while a retry can help (§6 of the spec).
inline constexpr Millis kRouterRetryMs = 2000;

struct BusOptions {
  std::string data_dir;
  std::string broker;
  Millis timeout_ms = kDefaultRouterTimeoutMs;
};

// --data-dir, --broker and --timeout-ms; `timeout_help` says what the time limit covers.
void add_bus_options(CLI::App& command, BusOptions& options, const std::string& timeout_help);

// A session on the bus opened within `options.timeout_ms`, which it counts from its creation:
// remaining_ms() is what is left of that time for the answer.
class RouterSession {
 public:
  // Finds the broker (--broker or DATA_DIR/endpoints/broker) and registers as a fresh cli peer.
  // Also quiets the bus client's warnings on the terminal: the error line says it all.
  static Result<std::unique_ptr<RouterSession>> open(const BusOptions& options);

  BusConversation& bus() { return *bus_; }
  // Milliseconds left of the command's time limit (at least 1, so a last look is always taken).
  Millis remaining_ms() const;

  // Sends `message` to the router and waits for its answer `A`, resending after refusals that a
  // retry can fix (UNROUTABLE, BUSY, UNAVAILABLE) and, with `resend_on_silence`, every
  // kRouterRetryMs without an answer; use that only for requests the router treats as the same
  // request when repeated.
  template <class M, class A>
  Result<A> request(const M& message, bool resend_on_silence = false) {
    return bus_->ask_retrying_for<M, A>(kRouterPeer, message, remaining_ms(),
                                        RetryPolicy{kRouterRetryMs, resend_on_silence});
  }
  // Asks once (queries: nothing to repeat, an answer or a clear error).
  template <class M, class A>
  Result<A> query(const M& message) {
    return bus_->ask_for<M, A>(kRouterPeer, message, remaining_ms());
  }

 private:
  RouterSession(std::unique_ptr<BusConversation> bus, Millis deadline) : bus_(std::move(bus)), deadline_(deadline) {}

  std::unique_ptr<BusConversation> bus_;
  Millis deadline_;  // monotonic
  SystemClock clock_;
};

}  // namespace liandong::cli
