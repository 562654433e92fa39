#include "services/audit/audit_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/codec.hpp"
#include "services/audit/hash_chain.hpp"

namespace liandong::audit {

namespace {
constexpr std::int64_t kMaxPage = 10'000;
// Rough wire size of one stored event beyond its body: ids, type, actor, two hex hashes, keys.
constexpr std::size_t kEventOverheadBytes = 320;
}  // namespace

v1::StoredEvent to_wire(const EventRecord& record) {
  v1::StoredEvent e;
  e.seq = record.seq;
  e.event_id = record.event_id;
  e.incident_id = record.incident_id;
  e.type = record.type;
  e.actor = record.actor;
  e.at_ms = record.at_ms;
  e.body.bytes = record.body;
  e.prev_hash = to_hex(record.prev_hash);
  e.hash = to_hex(record.hash);
  return e;
}

AuditService::AuditService(EventStore& store, AuditOutbound& out, const Clock& clock, AuditServiceOptions options)
    : store_(store),
      out_(out),
      clock_(clock),
      options_(options),
      started_at_(clock.monotonic_ms()),
      reads_(options.max_waiting_reads) {
  for (const char* name : {"appends_received", "appends_acked", "appends_refused", "queries", "verifications",
                           "stream_pages", "stream_events", "reads_refused_busy"}) {
    counters_[name] = 0;
  }
}

void AuditService::send_error(const std::string& to, ErrorCode code, const std::string& message,
                              const std::string& reply_to, const std::string& command) {
  ++errors_[std::string(error_name(code))];
  out_.send(to, v1::Error::kCommand, encode_body(v1::make_error(code, message, reply_to, command)));
}

void AuditService::on_message(const Envelope& envelope) {
  const std::string& command = envelope.command;
  if (command == v1::AuditEvent::kCommand) return on_append(envelope);
  if (command == v1::AuditQuery::kCommand || command == v1::AuditVerify::kCommand) return on_read(envelope);
  if (command == v1::AuditSubscribe::kCommand) return on_subscribe(envelope);
  if (command == v1::Error::kCommand) return on_error(envelope);
  if (command == v1::AuditStreamAck::kCommand) {
    auto ack = decode_body<v1::AuditStreamAck>(envelope.body);
    if (!ack.ok()) return send_error(envelope.peer, ack.status().code(), ack.status().message(), envelope.message_id, command);
    auto it = subscriptions_.find(envelope.peer + "/" + ack->subscription_id);
    if (it == subscriptions_.end()) {
      return send_error(envelope.peer, ErrorCode::kUnknownId,
                        "no subscription '" + ack->subscription_id + "' from '" + envelope.peer + "'",
                        envelope.message_id, command);
    }
    it->second.acked_seq = std::max(it->second.acked_seq, std::min(ack->seq, it->second.next_seq - 1));
    return;
  }
  if (command == v1::AuditUnsubscribe::kCommand) {
    auto un = decode_body<v1::AuditUnsubscribe>(envelope.body);
    if (un.ok()) subscriptions_.erase(envelope.peer + "/" + un->subscription_id);
    return;
  }
  if (command == v1::Stats::kCommand) {
    out_.send(envelope.peer, v1::StatsReply::kCommand, encode_body(stats()));
    return;
  }
  send_error(envelope.peer, ErrorCode::kUnknownCommand,
             "the audit service handles AUDIT_EVENT, AUDIT_QUERY, AUDIT_SUBSCRIBE, AUDIT_STREAM_ACK, "
             "AUDIT_UNSUBSCRIBE, AUDIT_VERIFY and STATS, not '" + command + "'",
             envelope.message_id, command);
}

void AuditService::on_append(const Envelope& envelope) {
  count("appends_received");
  auto event = decode_body<v1::AuditEvent>(envelope.body);
  if (!event.ok()) {
    count("appends_refused");
    return send_error(envelope.peer, event.status().code(), event.status().message(), envelope.message_id,
                      envelope.command);
  }
  NewEvent e;
  e.event_id = std::move(event->event_id);
  e.incident_id = std::move(event->incident_id);
  e.type = std::move(event->type);
  e.actor = std::move(event->actor);
  e.at_ms = event->at_ms;
  e.body = std::move(event->body.bytes);
  pending_.push_back({envelope.peer, envelope.message_id, std::move(e)});
}

void AuditService::flush() {
  while (!pending_.empty()) {
    const std::size_t n = std::min(pending_.size(), options_.max_batch);
    std::vector<PendingAppend> batch(std::make_move_iterator(pending_.begin()),
                                     std::make_move_iterator(pending_.begin() + static_cast<std::ptrdiff_t>(n)));
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(n));
    commit(batch);
  }
  pump_subscriptions();
}

void AuditService::commit(std::vector<PendingAppend>& batch) {
  std::vector<NewEvent> events;
  events.reserve(batch.size());
  for (auto& p : batch) events.push_back(p.event);
  auto outcomes = store_.append(events);
  if (!outcomes.ok()) {
    // No acknowledgement for anything in the batch: the appenders retry (schemas/README.md §6).
    if (failing_since_ < 0) {
      failing_since_ = clock_.monotonic_ms();
      spdlog::error("appends failing, nothing acknowledged until this clears: {}", outcomes.status().message());
    }
    failure_reason_ = outcomes.status().message();
    count("appends_refused", batch.size());
    for (const auto& p : batch) {
      send_error(p.sender, ErrorCode::kUnavailable, "event '" + p.event.event_id + "' not stored: " + failure_reason_,
                 p.message_id, std::string(v1::AuditEvent::kCommand));
    }
    return;
  }
  if (failing_since_ >= 0) {
    spdlog::info("appends work again after {} ms", clock_.monotonic_ms() - failing_since_);
    failing_since_ = -1;
    failure_reason_.clear();
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    v1::AuditAck ack;
    ack.event_id = batch[i].event.event_id;
    ack.seq = (*outcomes)[i].seq;
    ack.duplicate = (*outcomes)[i].duplicate;
    out_.send(batch[i].sender, v1::AuditAck::kCommand, encode_body(ack));
  }
  count("appends_acked", batch.size());
}

std::size_t AuditService::fill_page(const std::vector<EventRecord>& records, v1::AuditEvents& page) const {
  std::size_t bytes = 0;
  std::size_t used = 0;
  for (const auto& r : records) {
    const std::size_t size = r.body.size() + r.event_id.size() + r.type.size() + kEventOverheadBytes;
    if (used > 0 && bytes + size > options_.max_page_bytes) break;
    bytes += size;
    page.events.push_back(to_wire(r));
    ++used;
  }
  return used;
}

void AuditService::on_read(const Envelope& envelope) {
  PendingRead read;
  read.peer = envelope.peer;
  read.message_id = envelope.message_id;
  read.command = envelope.command;
  Status decoded;
  if (envelope.command == v1::AuditQuery::kCommand) {
    count("queries");
    auto q = decode_body<v1::AuditQuery>(envelope.body);
    if (q.ok()) read.query = std::move(*q);
    decoded = q.status();
  } else {
    count("verifications");
    auto v = decode_body<v1::AuditVerify>(envelope.body);
    if (v.ok()) read.verify = std::move(*v);
    decoded = v.status();
  }
  if (!decoded.ok()) return send_error(envelope.peer, decoded.code(), decoded.message(), envelope.message_id, envelope.command);
  if (!reads_.push(std::move(read))) {
    count("reads_refused_busy");
    send_error(envelope.peer, ErrorCode::kBusy,
               "'" + envelope.peer + "' already has " + std::to_string(options_.max_waiting_reads) +
                   " reads waiting at the audit service; wait for their answers before asking again",
               envelope.message_id, envelope.command);
  }
}

void AuditService::serve_reads() {
  std::size_t spent = 0;
  while (!reads_.empty() && spent < options_.read_budget) {
    PendingRead& read = reads_.front();
    const bool done = read.query ? answer_query(read, spent) : verify_step(read, spent);
    reads_.end_turn(done);
  }
}

bool AuditService::answer_query(const PendingRead& read, std::size_t& spent) {
  const v1::AuditQuery& q = *read.query;
  // One answer reads at most read_slice records; a longer answer is paged (complete: false).
  const std::int64_t limit = std::min({q.limit.value_or(options_.default_page), kMaxPage,
                                       static_cast<std::int64_t>(std::max<std::size_t>(options_.read_slice, 1))});
  Result<std::vector<EventRecord>> records = std::vector<EventRecord>{};
  // Ask one more than the limit to know whether the answer is complete.
  // from_seq pages through an incident's trail or a time range: start at that sequence number.
  const std::int64_t after_seq = q.from_seq.value_or(1) - 1;
  if (q.incident_id) {
    records = store_.read_incident(*q.incident_id, after_seq, limit + 1);
  } else if (q.from_ms || q.to_ms) {
    records = store_.read_time_range(q.from_ms.value_or(0), q.to_ms.value_or(INT64_MAX), after_seq, limit + 1);
  } else {
    records = store_.read_range(q.from_seq.value_or(1), q.to_seq.value_or(INT64_MAX), limit + 1);
  }
  if (!records.ok()) {
    ++spent;
    send_error(read.peer, ErrorCode::kUnavailable, records.status().message(), read.message_id, read.command);
    return true;
  }
  spent += records->size() + 1;
  v1::AuditEvents page;
  page.query_id = q.query_id;
  page.last_seq = store_.last_seq();
  const std::size_t wanted = std::min<std::size_t>(records->size(), static_cast<std::size_t>(limit));
  std::vector<EventRecord> head(records->begin(), records->begin() + static_cast<std::ptrdiff_t>(wanted));
  const std::size_t used = fill_page(head, page);
  page.complete = used == records->size();
  if (!page.complete) page.next_seq = (*records)[used].seq;
  out_.send(read.peer, v1::AuditEvents::kCommand, encode_body(page));
  return true;
}

void AuditService::on_subscribe(const Envelope& envelope) {
  auto sub = decode_body<v1::AuditSubscribe>(envelope.body);
  if (!sub.ok()) {
    return send_error(envelope.peer, sub.status().code(), sub.status().message(), envelope.message_id, envelope.command);
  }
  Subscription s;
  s.subscriber = envelope.peer;
  s.id = sub->subscription_id;
  s.next_seq = sub->from_seq;
  s.acked_seq = sub->from_seq - 1;
  s.window = sub->window.value_or(options_.default_window);
  spdlog::info("'{}' subscribed to the log from seq {} (subscription {})", s.subscriber, s.next_seq, s.id);
  subscriptions_[envelope.peer + "/" + s.id] = s;  // subscribing again restarts the stream
  pump_subscriptions();
}

void AuditService::pump_subscriptions() {
  const std::int64_t last = store_.last_seq();
  for (auto& [key, s] : subscriptions_) {
    // Bounded work per call: at most a few pages per subscriber, so appends are never starved.
    for (int pages = 0; pages < 4 && s.next_seq <= last; ++pages) {
      const std::int64_t room = s.acked_seq + s.window - (s.next_seq - 1);
      if (room <= 0) break;
      auto records = store_.read_range(s.next_seq, last, std::min<std::int64_t>(room, options_.default_page));
      if (!records.ok() || records->empty()) break;
      v1::AuditEvents page;
      page.query_id = s.id;
      page.last_seq = last;
      const std::size_t used = fill_page(*records, page);
      s.next_seq = page.events.back().seq + 1;
      page.complete = s.next_seq > last;
      if (!page.complete) page.next_seq = s.next_seq;
      s.last_message_id = out_.send(s.subscriber, v1::AuditEvents::kCommand, encode_body(page));
      count("stream_pages");
      count("stream_events", used);
    }
  }
}

bool AuditService::verify_step(PendingRead& read, std::size_t& spent) {
  if (!read.started) {
    // The log as it is when the walk starts; events appended meanwhile are for the next verify.
    read.started = true;
    read.until_seq = store_.last_seq();
  }
  const auto slice = static_cast<std::int64_t>(std::max<std::size_t>(options_.read_slice, 1));
  auto records = store_.read_range(read.next_seq, read.until_seq, slice);
  if (!records.ok()) {
    ++spent;
    send_error(read.peer, ErrorCode::kUnavailable, records.status().message(), read.message_id, read.command);
    return true;
  }
  spent += records->size() + 1;
  bool intact = true;
  for (const auto& r : *records) {
    if (!(intact = read.verifier.add(r))) break;
  }
  const bool more = intact && static_cast<std::int64_t>(records->size()) == slice && records->back().seq < read.until_seq;
  if (more) {
    read.next_seq = records->back().seq + 1;
    return false;
  }
  read.verifier.expect_last_seq(read.until_seq);
  const VerifyReport& report = read.verifier.report();
  v1::AuditVerifyReply reply;
  reply.query_id = read.verify->query_id;
  reply.intact = report.intact;
  reply.events = report.events;
  reply.first_bad_seq = report.first_bad_seq;
  if (!report.problem.empty()) reply.problem = report.problem;
  reply.message = report.message;
  out_.send(read.peer, v1::AuditVerifyReply::kCommand, encode_body(reply));
  return true;
}

void AuditService::on_error(const Envelope& envelope) {
  // Only the broker reports a peer gone (an empty source frame); an UNROUTABLE from a peer is a
  // forgery that would end another subscriber's stream.
  if (!envelope.peer.empty()) return;
  auto err = decode_body<v1::Error>(envelope.body);
  if (!err.ok() || err->code != static_cast<std::uint32_t>(ErrorCode::kUnroutable) || !err->reply_to) return;
  // A stream page that could not be delivered: the subscriber is gone; it resubscribes from the
  // sequence number it needs when it comes back.
  for (auto it = subscriptions_.begin(); it != subscriptions_.end(); ++it) {
    if (it->second.last_message_id == *err->reply_to) {
      spdlog::info("subscriber '{}' is gone; subscription {} ended", it->second.subscriber, it->second.id);
      subscriptions_.erase(it);
      return;
    }
  }
}

v1::StatsReply AuditService::stats() const {
  v1::StatsReply reply;
  reply.service = "audit";
  reply.uptime_ms = clock_.monotonic_ms() - started_at_;
  reply.counters = counters_;
  const auto sc = store_.counters();
  reply.counters["transactions"] = sc.transactions;
  reply.counters["events_appended"] = sc.events_appended;
  reply.counters["duplicates"] = sc.duplicates;
  reply.counters["failed_transactions"] = sc.failed_transactions;
  reply.counters["last_seq"] = static_cast<std::uint64_t>(store_.last_seq());
  reply.counters["subscriptions"] = subscriptions_.size();
  reply.counters["appends_failing"] = appends_failing() ? 1 : 0;
  reply.counters["reads_waiting"] = reads_.size();
  reply.errors = errors_;
  return reply;
}

}  // namespace liandong::audit
