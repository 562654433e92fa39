// The router follows the audit log after its replay (AUDIT_SUBSCRIBE, schemas/README.md §7): an
// event the killed router before it sent, but the audit committed only after this router had read
// the log, is applied here instead of waiting for the next restart (architecture.md, "The router").
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/codec.hpp"
#include "services/router/router_events.hpp"
#include "services/router/router_server.hpp"

namespace liandong::router {

namespace {
constexpr std::string_view kSubscription = "router-follow";

// What the router reads of a streamed event: the replay's fields and the event id, by which it
// recognises its own appends.
struct FollowedEvent {
  std::int64_t seq = 0;
  std::string event_id;
  std::string type;
  std::int64_t at_ms = 0;
  RawMsgpack body;
  template <class V>
  void fields(V& v) {
    v.required("seq", seq);
    v.required("event_id", event_id);
    v.required("type", type);
    v.required("at_ms", at_ms);
    v.required("body", body);
  }
};

struct FollowedPage {
  std::string query_id;
  std::vector<FollowedEvent> events;
  std::int64_t last_seq = 0;
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("events", events);
    v.required("last_seq", last_seq);
  }
};
}  // namespace

void RouterServer::follow_from(std::int64_t from_seq) {
  following_ = true;
  last_stream_at_ = clock_.monotonic_ms();
  v1::AuditSubscribe sub;
  sub.subscription_id = std::string(kSubscription);
  sub.from_seq = from_seq;
  sub.window = options_.follow_window;
  client_.send_message(options_.audit, sub);
}

void RouterServer::keep_following() {
  // A silent stream is normal when nothing happens, but also what an audit restart looks like (it
  // forgets its subscriptions): subscribing again from where we are costs one empty read.
  if (following_ && clock_.monotonic_ms() - last_stream_at_ >= options_.follow_idle_ms) follow_from(log_seq_ + 1);
  resume_if_settled();
}

void RouterServer::handle_followed(const Envelope& envelope) {
  if (!following_ || envelope.peer != options_.audit) return;
  auto page = decode_body<FollowedPage>(envelope.body);
  if (!page.ok()) {
    spdlog::warn("undecodable AUDIT_EVENTS from {}: {}", envelope.peer, page.status().message());
    return;
  }
  if (page->query_id != kSubscription) return;  // a late answer to a replay query
  last_stream_at_ = clock_.monotonic_ms();
  bool foreign = false;
  for (const auto& e : page->events) {
    if (e.seq <= log_seq_) continue;  // seen before: a new subscription overlaps the old one
    if (e.seq != log_seq_ + 1) {
      // A page of a stream we replaced, or one lost: never fold past a hole in the log.
      spdlog::warn("the log stream skipped from seq {} to {}: following again from {}", log_seq_, e.seq, log_seq_ + 1);
      follow_from(log_seq_ + 1);
      return;
    }
    log_seq_ = e.seq;
    if (written_.erase(e.event_id) > 0) continue;  // ours: applied when it was decided
    // Written by someone else: the router killed before this one (same name, its last appends),
    // or another service (types the core does not know, skipped).
    auto sends = core_.apply_followed(e.seq, e.type, e.body.bytes, e.at_ms);
    if (!sends.ok()) {
      replay_error(sends.status());
      continue;
    }
    foreign = true;
    ++counters_["followed_events"];
    for (const auto& m : *sends) send(m);
  }
  client_.send_message(options_.audit, v1::AuditStreamAck{std::string(kSubscription), log_seq_});
  stream_last_seq_ = std::max(stream_last_seq_, page->last_seq);
  // Decisions the killed router left half done (its incident.reported committed late, its
  // order.dispatched never) are completed once its appends have stopped coming (keep_following),
  // so that the rest of them, committed a moment later, are not decided a second time.
  if (foreign) resume_at_ = clock_.monotonic_ms() + options_.follow_settle_ms;
}

void RouterServer::resume_if_settled() {
  if (!resume_at_ || clock_.monotonic_ms() < *resume_at_ || log_seq_ < stream_last_seq_) return;
  resume_at_.reset();
  ++counters_["follow_resumes"];
  auto repaired = core_.resume();
  if (!repaired.events.empty()) {
    spdlog::warn("completed {} decisions left half done by the router before this one", repaired.events.size());
  }
  emit(std::move(repaired));
}

}  // namespace liandong::router
