// A gateway's side of the bus: it delivers the outbox to the router until each item is answered,
// and follows the audit log (AUDIT_SUBSCRIBE from its last position, kept in the gateway's
// database) so the gateway learns what became of its platform's incidents — orders dispatched,
// accepted, answered, escalated, transferred — from the same durable record the router replays.
//
// Threads: submit(), wake() and wait_for() may be called from any thread (HTTP handlers);
// everything else, and every handler, runs on the thread that calls poll()/run().
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bus_client.hpp"
#include "core/clock.hpp"
#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/gateway/outbox.hpp"

namespace liandong::gateway {

// What the router answered to an outbox item.
struct Delivery {
  std::string key;
  std::string command;
  bool delivered = false;  // false: refused for good (reason in `refusal`)
  std::string incident_id;
  std::string state;
  bool duplicate = false;
  std::optional<std::string> merged_into;
  std::string refusal;     // "INVALID_TRANSITION: order ... allowed next: ..."
};

struct GatewayLinkOptions {
  std::string router = "router";
  std::string audit = "audit";
  bool follow_log = true;
  Millis retry_first_ms = 1000;     // first re-send of an unanswered item, doubling ...
  Millis retry_max_ms = 10'000;     // ... up to this
  Millis resubscribe_idle_ms = 5000;  // with no page from the audit this long, subscribe again
  std::int64_t window = 2000;       // events the audit may send beyond our last stream ack
  std::size_t max_sends_per_round = 500;
  Millis keep_finished_ms = 7LL * 24 * 3600 * 1000;  // answered outbox items kept this long
};

class GatewayLink {
 public:
  using DeliveryHandler = std::function<void(const OutboxItem&, const Delivery&)>;
  // Called for every event of the log in order, inside a transaction that also moves the
  // gateway's cursor: return an error to have the page read again later.
  using EventHandler = std::function<Status(const v1::StoredEvent&)>;
  // Any other message addressed to the gateway (NOTICE, DISPATCH_ORDER, ...).
  using MessageHandler = std::function<void(const Envelope&)>;
  using CountersHandler = std::function<void(std::map<std::string, std::uint64_t>&)>;

  GatewayLink(BusClient& bus, SqliteDb& db, Outbox& outbox, const Clock& clock, GatewayLinkOptions options);

  void on_delivery(DeliveryHandler h) { on_delivery_ = std::move(h); }
  void on_event(EventHandler h) { on_event_ = std::move(h); }
  void on_message(MessageHandler h) { on_message_ = std::move(h); }
  void on_counters(CountersHandler h) { on_counters_ = std::move(h); }

  // Loads what is still pending from the database and subscribes to the log. Call once, on the
  // bus thread, after BusClient::connect().
  Status start();

  // Durably queues a message to the router under `key` (its idempotency key and message id) and
  // has it sent soon. Returns false when the key was queued before (nothing new was written).
  template <class M>
  Result<bool> submit(const std::string& key, const M& message) {
    return submit_raw(make_item(key, std::string(M::kCommand), encode_body(message)));
  }
  Result<bool> submit_raw(OutboxItem item);
  OutboxItem make_item(const std::string& key, std::string command, std::string body) const;
  // For callers that wrote the item with Outbox::add() in their own transaction: send it soon.
  void wake(OutboxItem item);
  // Waits until the router has answered `key` (also answered in an earlier run), or the timeout.
  std::optional<Delivery> wait_for(const std::string& key, Millis timeout_ms);

  // One round on the bus thread: receive for up to `timeout_ms`, handle what came, send what is
  // due. run() loops until `stop`, calling `each_round` between rounds.
  void poll(Millis timeout_ms);
  void run(const std::atomic<bool>& stop, const std::function<void()>& each_round = {});

  // Sends a message that needs no outbox (a reply, a best-effort notice) from the bus thread.
  void send(std::string_view destination, std::string_view command, std::string_view body) {
    bus_.send(destination, command, body);
  }

  std::int64_t cursor() const { return cursor_; }
  std::size_t in_flight() const { return pending_.size(); }
  std::map<std::string, std::uint64_t> counters() const;

 private:
  struct Pending {
    OutboxItem item;
    int attempts = 0;
    Millis next_at = 0;
  };
  void take_woken();
  void send_due();
  void handle(const Envelope& e);
  void answered(const std::string& key, Delivery delivery);
  void handle_error(const Envelope& e);
  void handle_events(const Envelope& e);
  void subscribe();
  void publish(Delivery delivery);
  void answer_stats(const Envelope& e);

  BusClient& bus_;
  SqliteDb& db_;
  Outbox& outbox_;
  const Clock& clock_;
  GatewayLinkOptions options_;
  DeliveryHandler on_delivery_;
  EventHandler on_event_;
  MessageHandler on_message_;
  CountersHandler on_counters_;

  std::map<std::string, Pending> pending_;  // bus thread only
  std::mutex woken_mutex_;
  std::vector<OutboxItem> woken_;
  std::atomic<bool> has_woken_{false};

  std::mutex answers_mutex_;
  std::condition_variable answered_cv_;
  std::map<std::string, Delivery> answers_;  // recent answers, for wait_for()
  std::deque<std::string> answer_order_;

  std::string subscription_id_;
  std::int64_t cursor_ = 0;
  Millis last_stream_at_ = 0;
  Millis started_at_ = 0;
  std::map<std::string, std::uint64_t> counters_;
  std::map<std::string, std::uint64_t> errors_;
};

}  // namespace liandong::gateway
