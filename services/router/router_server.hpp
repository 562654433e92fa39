// The router's bus side: replays the audit log into the core at start, then one loop that
// drains the socket into the priority inbox, hands each message to the core, appends the core's
// events to the audit log and releases its messages once they are durable.
#pragma once

#include <atomic>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/bus_client.hpp"
#include "core/clock.hpp"
#include "core/status.hpp"
#include "services/router/audit_pipeline.hpp"
#include "services/router/router_core.hpp"
#include "services/router/router_inbox.hpp"

namespace liandong::router {

struct RouterServerOptions {
  std::string audit = "audit";         // the audit service's peer name
  Millis replay_timeout_ms = 60'000;   // give up starting when the log cannot be read for this long
  Millis audit_retry_ms = 1000;        // resend an unacknowledged event after this long
  std::size_t max_drain = 1000;        // messages taken from the socket per turn
  // Queries and STATS answered per turn, after all other work waiting: between two turns the
  // socket is read again, so a report or an AUDIT_ACK waits for at most this many answers.
  std::size_t max_reads_per_turn = 16;
  std::int64_t replay_page = 10'000;  // most events asked per AUDIT_QUERY (the audit allows 10,000)
  // A dispatch order not yet accepted is sent again (same order id) after this long, doubling up
  // to max_resend_ms: an order lost in transit (a reconnect, a broker restart) still arrives.
  Millis first_resend_ms = 2000;
  Millis max_resend_ms = 60'000;
  // After the replay the log is followed (AUDIT_SUBSCRIBE); with no page for this long the
  // router subscribes again (the audit forgets subscriptions when it restarts).
  Millis follow_idle_ms = 5000;
  std::int64_t follow_window = 10'000;
  // After an event of another writer, resume() waits until none has come for this long.
  Millis follow_settle_ms = 1000;
  std::string deployment_dir;  // recorded in router.started with the deployment's version  // events the audit may stream beyond our last AUDIT_STREAM_ACK
};

class RouterServer {
 public:
  RouterServer(BusClient& client, RouterCore& core, const Deployment& deployment, const Clock& clock,
               RouterServerOptions options = {});

  // Reads the whole audit log into the core, then re-sends orders still awaiting acceptance.
  // Messages arriving meanwhile are kept and handled once the loop runs.
  Status replay();
  // Runs until `stop`; false when another process took over the router's name.
  bool run(const std::atomic<bool>& stop);

  std::int64_t replayed_events() const { return replayed_; }
  // Events of the log that could not be applied (replay or follow): logged with their seq.
  std::int64_t replay_errors() const { return replay_errors_; }

 private:
  int priority_of(const Envelope& envelope) const;
  void handle(const Envelope& envelope);
  void handle_error(const Envelope& envelope);
  void emit(Decision decision);
  void send(const Send& message);
  void send_events(const std::vector<v1::AuditEvent>& events);
  void answer_stats(const Envelope& envelope);
  void replay_error(const Status& status);
  // Following the log after the replay (router_follow.cpp): subscribe from `from_seq`; apply each
  // streamed event this router did not write in this life; subscribe again when the stream has
  // been silent for a while (an audit restart ends subscriptions) or skipped a sequence number.
  void follow_from(std::int64_t from_seq);
  void handle_followed(const Envelope& envelope);
  void keep_following();
  void resume_if_settled();
  template <class M>
  bool decode_or_refuse(const Envelope& envelope, M& out);

  BusClient& client_;
  RouterCore& core_;
  const Deployment& deployment_;
  const Clock& clock_;
  RouterServerOptions options_;
  AuditPipeline pipeline_;
  RouterInbox inbox_;
  void resend_due_orders();

  struct Resend {
    Send message;
    Millis next_at = 0;
    Millis interval = 0;
  };
  std::map<std::string, Resend> resends_;  // by order id, while the order awaits acceptance
  Millis next_resend_check_ = 0;
  std::int64_t replayed_ = 0;
  static constexpr std::int64_t kLoggedReplayErrors = 20;
  std::int64_t replay_errors_ = 0;
  // The log as this router has folded it: every event up to log_seq_ is in the core's state.
  std::int64_t log_seq_ = 0;
  bool following_ = false;
  Millis last_stream_at_ = 0;      // the last page of the stream, or the last subscription
  std::set<std::string> written_;  // ids of the events this router appended, until the stream shows them
  std::int64_t stream_last_seq_ = 0;  // the newest seq the audit said the log had
  std::optional<Millis> resume_at_;   // resume() once no foreign event came since (follow_settle_ms)
  Millis started_at_;
  std::map<std::string, std::uint64_t> counters_;
};

}  // namespace liandong::router
