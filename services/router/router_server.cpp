#include "services/router/router_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/codec.hpp"

namespace liandong::router {

namespace {
// What the replay reads of an AUDIT_EVENTS page (schemas/README.md): the codec skips the fields
// left out here (event id, incident id, actor, the two hashes), which were most of the decoding.
struct ReplayEvent {
  std::int64_t seq = 0;
  std::string type;
  std::int64_t at_ms = 0;
  RawMsgpack body;
  template <class V>
  void fields(V& v) {
    v.required("seq", seq);
    v.required("type", type);
    v.required("at_ms", at_ms);
    v.required("body", body);
  }
};

struct ReplayPage {
  std::string query_id;
  std::vector<ReplayEvent> events;
  bool complete = true;
  std::optional<std::int64_t> next_seq;
  template <class V>
  void fields(V& v) {
    v.required("query_id", query_id);
    v.required("events", events);
    v.required("complete", complete);
    v.optional("next_seq", next_seq);
  }
};
}  // namespace

RouterServer::RouterServer(BusClient& client, RouterCore& core, const Deployment& deployment, const Clock& clock,
                           RouterServerOptions options)
    : client_(client),
      core_(core),
      deployment_(deployment),
      clock_(clock),
      options_(std::move(options)),
      pipeline_(options_.audit_retry_ms),
      inbox_([this](const Envelope& e) { return priority_of(e); }),
      started_at_(clock.monotonic_ms()) {}

int RouterServer::priority_of(const Envelope& e) const {
  // Reads last: a flood of queries must not hold up one report or acknowledgement.
  if (e.command == v1::IncidentQuery::kCommand || e.command == v1::IncidentsQuery::kCommand ||
      e.command == v1::Stats::kCommand) {
    return RouterInbox::kReadLane;
  }
  // Audit acknowledgements and errors first: they release work already decided.
  // The log's stream too: what another writer committed is state the next command may need.
  if (e.command == v1::AuditAck::kCommand || e.command == v1::Error::kCommand || e.command == v1::AuditEvents::kCommand) {
    return 0;
  }
  if (e.command == v1::IncidentReport::kCommand) {
    auto r = decode_body<v1::IncidentReport>(e.body);
    if (!r.ok()) return 1;  // refuse it quickly
    if (r->priority) return static_cast<int>(*r->priority);
    auto c = deployment_.categories.find(r->category);
    return c == deployment_.categories.end() ? 2 : c->second.default_priority;
  }
  if (e.command == v1::OrderAck::kCommand) {
    auto a = decode_body<v1::OrderAck>(e.body);
    if (!a.ok()) return 1;
    if (const Order* o = core_.order(a->order_id)) return static_cast<int>(core_.incident(o->incident_id)->priority);
    return 1;
  }
  if (e.command == v1::StatusUpdate::kCommand) {
    auto u = decode_body<v1::StatusUpdate>(e.body);
    if (u.ok()) {
      if (const Incident* i = core_.incident(u->incident_id)) return static_cast<int>(i->priority);
    }
    return 1;
  }
  if (e.command == v1::NeighbourAck::kCommand) {
    // The alarm's priority: a neighbour's answer decides whether the supervisor is called.
    auto a = decode_body<v1::NeighbourAck>(e.body);
    if (a.ok()) {
      if (const Incident* i = core_.incident(a->incident_id)) return static_cast<int>(i->priority);
    }
    return 1;
  }
  return 5;
}

template <class M>
bool RouterServer::decode_or_refuse(const Envelope& envelope, M& out) {
  auto decoded = decode_body<M>(envelope.body);
  if (decoded.ok()) {
    out = std::move(*decoded);
    return true;
  }
  ++counters_["bad_messages"];
  client_.send_message(envelope.peer, v1::make_error(decoded.status().code(), decoded.status().message(),
                                                     envelope.message_id, envelope.command));
  return false;
}

void RouterServer::send(const Send& message) {
  // A dispatch order's message id is its order id, so an UNROUTABLE answer names the order.
  client_.send(message.to, message.command, message.body, message.order_id);
  if (!message.order_id.empty() && message.command == v1::DispatchOrder::kCommand &&
      !resends_.contains(message.order_id)) {
    resends_[message.order_id] = {message, clock_.monotonic_ms() + options_.first_resend_ms, options_.first_resend_ms};
  }
}

void RouterServer::resend_due_orders() {
  const Millis now = clock_.monotonic_ms();
  if (now < next_resend_check_) return;
  next_resend_check_ = now + 250;
  for (auto it = resends_.begin(); it != resends_.end();) {
    const Order* order = core_.order(it->first);
    if (order == nullptr || !order->awaiting_ack) {
      it = resends_.erase(it);
      continue;
    }
    Resend& r = it->second;
    if (now >= r.next_at) {
      ++counters_["orders_resent"];
      client_.send(r.message.to, r.message.command, r.message.body, r.message.order_id);
      r.interval = std::min(r.interval * 2, options_.max_resend_ms);
      r.next_at = now + r.interval;
    }
    ++it;
  }
}

void RouterServer::send_events(const std::vector<v1::AuditEvent>& events) {
  // The message id is the event id: an ERROR for it then names the event to retry.
  for (const auto& e : events) client_.send_message(options_.audit, e, e.event_id);
}

void RouterServer::emit(Decision decision) {
  for (const auto& m : decision.now) send(m);
  // Known before the audit can stream them back, so they are not applied a second time.
  for (const auto& e : decision.events) written_.insert(e.event_id);
  auto out = pipeline_.submit(std::move(decision), clock_.monotonic_ms());
  send_events(out.append);
  for (const auto& m : out.release) send(m);
}

Status RouterServer::replay() {
  std::int64_t from = 1;
  int page = 0;
  // The audit reads limit + 1 rows for each answer but sends only what fits in its page bytes
  // (~1,000 router events): asking for 10,000 made it read ten times what it sent. The limit
  // follows what the last answer could carry.
  std::int64_t limit = std::min<std::int64_t>(1000, options_.replay_page);
  Millis deadline = clock_.monotonic_ms() + options_.replay_timeout_ms;
  Millis last_warning = 0;
  std::string query_id;  // the query in flight; empty when the next one is still to be sent
  const auto ask = [&] {
    query_id = "replay-" + std::to_string(++page);
    v1::AuditQuery q;
    q.query_id = query_id;
    q.from_seq = from;
    q.limit = limit;
    client_.send_message(options_.audit, q);
  };
  while (true) {
    if (query_id.empty()) ask();
    const Millis asked = clock_.monotonic_ms();
    bool answered = false;
    bool complete = false;
    Millis patience = 2000;  // shortened to a pause before asking again when the audit is not there
    while (!answered && clock_.monotonic_ms() - asked < patience) {
      auto env = client_.receive(100);
      if (!env) continue;
      if (env->command == v1::AuditEvents::kCommand && env->peer == options_.audit) {
        auto events = decode_body<ReplayPage>(env->body);
        if (!events.ok() || events->query_id != query_id) continue;
        answered = true;
        complete = events->complete;
        query_id.clear();
        if (!complete) {
          // Ask for the next page before applying this one, so the audit reads it meanwhile.
          const auto got = static_cast<std::int64_t>(events->events.size());
          if (got < limit) {
            limit = std::max<std::int64_t>(16, got + got / 8 + 1);
          } else {
            limit = std::min<std::int64_t>(limit * 2, options_.replay_page);
          }
          limit = std::min<std::int64_t>(limit, options_.replay_page);
          if (!events->events.empty()) from = events->events.back().seq + 1;
          if (events->next_seq) from = *events->next_seq;
          ask();
        }
        for (const auto& e : events->events) {
          if (auto s = core_.apply_stored(e.seq, e.type, e.body.bytes, e.at_ms); !s.ok()) replay_error(s);
          log_seq_ = e.seq;
          ++replayed_;
        }
      } else if (env->command == v1::Error::kCommand) {
        auto err = decode_body<v1::Error>(env->body);
        if (err.ok() && err->command == v1::AuditQuery::kCommand) {
          patience = std::min<Millis>(patience, clock_.monotonic_ms() - asked + 200);  // not there yet
          continue;
        }
        inbox_.push(std::move(*env));
      } else {
        inbox_.push(std::move(*env));  // work that arrived during replay is kept for the loop
      }
    }
    if (answered) {
      deadline = clock_.monotonic_ms() + options_.replay_timeout_ms;  // progress: the clock restarts
      if (complete) break;
      continue;
    }
    query_id.clear();  // unanswered: ask again (an answer to the old query is ignored)
    if (clock_.monotonic_ms() >= deadline) {
      return {ErrorCode::kUnavailable, "the audit service '" + options_.audit + "' did not answer for " +
                                           std::to_string(options_.replay_timeout_ms / 1000) +
                                           " s; the router cannot start without the log"};
    }
    if (clock_.monotonic_ms() - last_warning > 5000) {
      spdlog::warn("waiting for the audit service '{}' to replay the log from seq {}", options_.audit, from);
      last_warning = clock_.monotonic_ms();
    }
  }
  const auto resend = core_.resend_pending();
  spdlog::info("replayed {} events up to seq {}: {} open incidents, {} orders re-sent", replayed_, log_seq_,
               core_.open_incidents(), resend.size());
  if (replay_errors_ > 0) {
    spdlog::error("{} events of the log could not be applied (each logged above with its seq); the router runs "
                  "without them: look at their incidents' trails",
                  replay_errors_);
  }
  // From here on the log is followed: what another writer (the killed router before this one)
  // gets committed after the pages above is applied too (router_follow.cpp).
  follow_from(log_seq_ + 1);
  for (const auto& m : resend) send(m);
  // Decisions a crash cut in half (reported but not dispatched, escalated without a successor).
  auto repaired = core_.resume();
  if (!repaired.events.empty()) {
    spdlog::warn("completed {} decisions interrupted by the last stop", repaired.events.size());
  }
  emit(std::move(repaired));
  // Every decision from here on is made under this deployment: the log says which one.
  RouterStarted started;
  started.router = client_.name();
  started.software = "liandong-router " LIANDONG_VERSION;
  started.deployment = options_.deployment_dir;
  started.deployment_version = deployment_.version;
  started.log_seq = log_seq_;
  started.replay_errors = replay_errors_;
  emit(core_.on_started(started));
  spdlog::info("deployment version {}", deployment_.version.empty() ? "(built in code)" : deployment_.version);
  return Status::Ok();
}

void RouterServer::replay_error(const Status& status) {
  // Loud, and on: refusing to start would leave every incident without a router, and the bad
  // event stays in the log, so it would refuse again at every start. The event's change is missing
  // from the state; resume() then completes what that leaves half done (an incident without an
  // order is routed again).
  ++replay_errors_;
  if (replay_errors_ <= kLoggedReplayErrors) spdlog::error("REPLAY ERROR: {}", status.message());
  if (replay_errors_ == kLoggedReplayErrors) spdlog::error("further replay errors are only counted (replay_errors)");
}

void RouterServer::handle_error(const Envelope& envelope) {
  auto err = decode_body<v1::Error>(envelope.body);
  if (!err.ok()) return;
  const std::string command = err->command.value_or("");
  const std::string reply_to = err->reply_to.value_or("");
  const std::string source = envelope.peer.empty() ? "the broker" : "'" + envelope.peer + "'";
  // Events go to the audit service only: a refusal of one counts from it or the broker, never
  // from another peer (schemas/README.md §4, "Who raised an error").
  if (command == v1::AuditEvent::kCommand && (envelope.peer.empty() || envelope.peer == options_.audit)) {
    ++counters_["audit_refusals"];
    spdlog::warn("{} did not store event {}: {} {} (will retry)", source, reply_to, err->name, err->message);
    pipeline_.refused(reply_to, clock_.monotonic_ms());
    return;
  }
  Decision decision = core_.on_error(envelope.peer, envelope.message_id, *err);
  if (!envelope.peer.empty()) {
    if (decision.events.empty()) {
      spdlog::warn("{} refused {} {}: {} {}", source, command, reply_to, err->name, err->message);
    } else {
      spdlog::warn("{} sent an ERROR {} about {} {} that it cannot raise; refused (security event)", source,
                   err->name, command, reply_to);
    }
  } else if (decision.empty()) {
    spdlog::warn("{} refused {} {}: {} {}", source, command, reply_to, err->name, err->message);
  }
  emit(std::move(decision));
}

void RouterServer::answer_stats(const Envelope& envelope) {
  v1::StatsReply reply;
  reply.service = "router";
  reply.uptime_ms = clock_.monotonic_ms() - started_at_;
  reply.counters = core_.counters();
  for (const auto& [k, v] : counters_) reply.counters[k] = v;
  reply.counters["open_incidents"] = core_.open_incidents();
  reply.counters["replayed_events"] = static_cast<std::uint64_t>(replayed_);
  reply.counters["log_seq"] = static_cast<std::uint64_t>(log_seq_);
  reply.counters["events_awaiting_audit"] = pipeline_.unacknowledged();
  reply.counters["decisions_held"] = pipeline_.held_decisions();
  client_.send_message(envelope.peer, reply);
}

void RouterServer::handle(const Envelope& e) {
  const std::string& c = e.command;
  if (c == v1::AuditAck::kCommand) {
    auto ack = decode_body<v1::AuditAck>(e.body);
    if (!ack.ok()) return;
    auto out = pipeline_.acknowledged(ack->event_id);
    for (const auto& m : out.release) send(m);
    return;
  }
  if (c == v1::Error::kCommand) return handle_error(e);
  if (c == v1::IncidentReport::kCommand) {
    v1::IncidentReport r;
    if (decode_or_refuse(e, r)) emit(core_.on_report(e.peer, e.message_id, r));
    return;
  }
  if (c == v1::OrderAck::kCommand) {
    v1::OrderAck a;
    if (decode_or_refuse(e, a)) emit(core_.on_order_ack(e.peer, e.message_id, a));
    return;
  }
  if (c == v1::StatusUpdate::kCommand) {
    v1::StatusUpdate u;
    if (decode_or_refuse(e, u)) emit(core_.on_status(e.peer, e.message_id, u));
    return;
  }
  if (c == v1::Transfer::kCommand) {
    v1::Transfer t;
    if (decode_or_refuse(e, t)) emit(core_.on_transfer(e.peer, e.message_id, t));
    return;
  }
  if (c == v1::IncidentUnlink::kCommand) {
    v1::IncidentUnlink u;
    if (decode_or_refuse(e, u)) emit(core_.on_unlink(e.peer, e.message_id, u));
    return;
  }
  if (c == v1::IncidentMerge::kCommand) {
    v1::IncidentMerge m;
    if (decode_or_refuse(e, m)) emit(core_.on_merge(e.peer, e.message_id, m));
    return;
  }
  if (c == v1::NeighbourAck::kCommand) {
    v1::NeighbourAck a;
    if (decode_or_refuse(e, a)) emit(core_.on_neighbour_ack(e.peer, e.message_id, a));
    return;
  }
  if (c == v1::IncidentQuery::kCommand) {
    v1::IncidentQuery q;
    if (!decode_or_refuse(e, q)) return;
    if (auto view = core_.view(q.incident_id)) {
      client_.send_message(e.peer, v1::IncidentInfo{q.query_id, *view});
    } else {
      client_.send_message(e.peer, v1::make_error(ErrorCode::kUnknownId, "no incident '" + q.incident_id + "'",
                                                  e.message_id, c));
    }
    return;
  }
  if (c == v1::IncidentsQuery::kCommand) {
    v1::IncidentsQuery q;
    if (!decode_or_refuse(e, q)) return;
    const std::int64_t limit = std::clamp<std::int64_t>(q.limit.value_or(100), 1, 1000);
    client_.send_message(e.peer, core_.list(q.query_id, q.state, limit));
    return;
  }
  if (c == v1::Stats::kCommand) return answer_stats(e);
  if (c == v1::AuditEvents::kCommand) return handle_followed(e);
  if (c == v1::ReportAck::kCommand || c == v1::Receipt::kCommand) return;
  client_.send_message(e.peer, v1::make_error(ErrorCode::kUnknownCommand, "the router does not handle '" + c + "'",
                                              e.message_id, c));
}

bool RouterServer::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    // Sleep no longer than the next acknowledgement deadline.
    Millis wait = inbox_.empty() ? 50 : 0;
    if (auto due = core_.next_deadline()) wait = std::clamp<Millis>(*due - clock_.wall_ms(), 0, wait);
    auto env = client_.receive(wait);
    for (std::size_t n = 0; env && n < options_.max_drain; ++n) {
      if (env->command == v1::Disconnect::kCommand && env->peer.empty()) {
        spdlog::error("another process registered as '{}'; this one stops", client_.name());
        return false;
      }
      inbox_.push(std::move(*env));
      env = client_.receive(0);
    }
    if (env) inbox_.push(std::move(*env));
    // Everything but reads, then a few reads; the rest of the reads wait for the next turn, after
    // whatever arrived meanwhile (the wait above is 0 while the inbox holds them).
    std::size_t reads = 0;
    while (!inbox_.empty() && (!inbox_.next_is_read() || reads++ < options_.max_reads_per_turn)) {
      handle(inbox_.pop());
    }
    emit(core_.on_tick());
    send_events(pipeline_.due(clock_.monotonic_ms()));
    resend_due_orders();
    keep_following();
  }
  return true;
}

}  // namespace liandong::router
