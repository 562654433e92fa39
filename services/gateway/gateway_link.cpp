#include "services/gateway/gateway_link.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/error_codes.hpp"

namespace liandong::gateway {
namespace {

// Errors after which sending the same bytes again cannot succeed: the item is refused for good
// and the gateway tells its platform. Everything else (UNROUTABLE, BUSY, UNAVAILABLE, INTERNAL)
// is a passing trouble and the item is sent again.
bool is_final(std::uint32_t code) {
  switch (static_cast<ErrorCode>(code)) {
    case ErrorCode::kMalformed:
    case ErrorCode::kUnsupportedVersion:
    case ErrorCode::kTooLarge:
    case ErrorCode::kUnknownCommand:
    case ErrorCode::kForbidden:
    case ErrorCode::kInvalidBody:
    case ErrorCode::kMissingField:
    case ErrorCode::kWrongType:
    case ErrorCode::kInvalidValue:
    case ErrorCode::kUnknownId:
    case ErrorCode::kInvalidTransition:
      return true;
    default:
      return false;
  }
}

constexpr std::size_t kRememberedAnswers = 10'000;

}  // namespace

GatewayLink::GatewayLink(BusClient& bus, SqliteDb& db, Outbox& outbox, const Clock& clock, GatewayLinkOptions options)
    : bus_(bus), db_(db), outbox_(outbox), clock_(clock), options_(std::move(options)) {
  subscription_id_ = bus_.name() + ".log";
}

Status GatewayLink::start() {
  started_at_ = clock_.monotonic_ms();
  if (auto pruned = outbox_.prune(clock_.wall_ms() - options_.keep_finished_ms); pruned.ok() && *pruned > 0) {
    spdlog::info("outbox: removed {} items answered more than {} days ago", *pruned,
                 options_.keep_finished_ms / (24 * 3600 * 1000));
  }
  auto pending = outbox_.pending();
  if (!pending.ok()) return pending.status();  // never start as if nothing were waiting
  for (OutboxItem& item : *pending) {
    const std::string key = item.key;
    pending_[key] = Pending{std::move(item), 0, 0};
  }
  if (!pending_.empty()) spdlog::info("outbox: {} items still waiting for the router; sending them again", pending_.size());
  auto cursor = outbox_.cursor(subscription_id_);
  if (!cursor.ok()) return cursor.status();
  cursor_ = *cursor;
  if (options_.follow_log) subscribe();
  send_due();
  return Status::Ok();
}

OutboxItem GatewayLink::make_item(const std::string& key, std::string command, std::string body) const {
  OutboxItem item;
  item.key = key;
  item.command = std::move(command);
  item.destination = options_.router;
  item.body = std::move(body);
  item.accepted_at_ms = clock_.wall_ms();
  return item;
}

Result<bool> GatewayLink::submit_raw(OutboxItem item) {
  Transaction t(db_);
  if (!t.begun().ok()) return t.begun();
  auto added = outbox_.add(item);
  if (!added.ok()) return added.status();
  if (auto s = t.commit(); !s.ok()) return s;
  if (*added) wake(std::move(item));
  return *added;
}

void GatewayLink::wake(OutboxItem item) {
  std::lock_guard lock(woken_mutex_);
  woken_.push_back(std::move(item));
  has_woken_ = true;
}

std::optional<Delivery> GatewayLink::wait_for(const std::string& key, Millis timeout_ms) {
  if (auto item = outbox_.find(key); item && item->state != OutboxState::kPending) {
    Delivery d;
    d.key = key;
    d.command = item->command;
    d.delivered = item->state == OutboxState::kDelivered;
    d.incident_id = item->incident_id.value_or("");
    d.state = d.delivered ? item->result.value_or("") : "";
    d.refusal = d.delivered ? "" : item->result.value_or("");
    d.duplicate = true;
    return d;
  }
  std::unique_lock lock(answers_mutex_);
  const bool got = answered_cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                                         [&] { return answers_.contains(key); });
  if (!got) return std::nullopt;
  return answers_.at(key);
}

void GatewayLink::take_woken() {
  if (!has_woken_.exchange(false)) return;
  std::vector<OutboxItem> items;
  {
    std::lock_guard lock(woken_mutex_);
    items.swap(woken_);
  }
  for (OutboxItem& item : items) {
    ++counters_["accepted"];
    const std::string key = item.key;
    pending_.try_emplace(key, Pending{std::move(item), 0, 0});
  }
}

void GatewayLink::send_due() {
  const Millis now = clock_.monotonic_ms();
  std::size_t sent = 0;
  for (auto& [key, p] : pending_) {
    if (sent >= options_.max_sends_per_round) break;
    if (p.next_at > now) continue;
    bus_.send(p.item.destination, p.item.command, p.item.body, key);
    ++counters_[p.attempts == 0 ? "sent" : "resent"];
    const Millis backoff = std::min(options_.retry_max_ms, options_.retry_first_ms << std::min(p.attempts, 20));
    ++p.attempts;
    p.next_at = now + backoff;
    ++sent;
  }
}

void GatewayLink::poll(Millis timeout_ms) {
  take_woken();
  send_due();
  if (has_woken_) timeout_ms = 0;
  if (auto e = bus_.receive(timeout_ms)) handle(*e);
  // Drain what else is waiting without blocking, so a burst is answered in one round.
  for (int i = 0; i < 1000; ++i) {
    auto more = bus_.receive(0);
    if (!more) break;
    handle(*more);
  }
  take_woken();
  send_due();
  if (options_.follow_log && clock_.monotonic_ms() - last_stream_at_ >= options_.resubscribe_idle_ms) subscribe();
}

void GatewayLink::run(const std::atomic<bool>& stop, const std::function<void()>& each_round) {
  while (!stop) {
    poll(5);
    if (each_round) each_round();
  }
}

void GatewayLink::subscribe() {
  last_stream_at_ = clock_.monotonic_ms();
  v1::AuditSubscribe sub;
  sub.subscription_id = subscription_id_;
  sub.from_seq = cursor_ + 1;
  sub.window = options_.window;
  bus_.send_message(options_.audit, sub);
}

void GatewayLink::handle(const Envelope& e) {
  if (e.command == v1::ReportAck::kCommand) {
    auto ack = decode_body<v1::ReportAck>(e.body);
    if (!ack.ok()) {
      spdlog::warn("undecodable REPORT_ACK from {}: {}", e.peer, ack.status().message());
      return;
    }
    Delivery d;
    d.delivered = true;
    d.incident_id = ack->incident_id;
    d.state = ack->state;
    d.duplicate = ack->duplicate;
    d.merged_into = ack->merged_into;
    answered(ack->report_id, std::move(d));
    return;
  }
  if (e.command == v1::Receipt::kCommand) {
    auto r = decode_body<v1::Receipt>(e.body);
    if (!r.ok()) {
      spdlog::warn("undecodable RECEIPT from {}: {}", e.peer, r.status().message());
      return;
    }
    Delivery d;
    d.delivered = true;
    d.incident_id = r->incident_id;
    d.state = r->state;
    d.duplicate = r->duplicate;
    answered(r->key, std::move(d));
    return;
  }
  if (e.command == v1::Error::kCommand) return handle_error(e);
  if (e.command == v1::AuditEvents::kCommand) return handle_events(e);
  if (e.command == v1::Stats::kCommand) return answer_stats(e);
  if (e.command == v1::AuditAck::kCommand || e.command == v1::Disconnect::kCommand) return;
  if (on_message_) return on_message_(e);
  bus_.send_message(e.peer,
                    v1::make_error(ErrorCode::kUnknownCommand, bus_.name() + " does not handle '" + e.command + "'",
                                   e.message_id, e.command));
}

void GatewayLink::answered(const std::string& key, Delivery delivery) {
  auto it = pending_.find(key);
  if (it == pending_.end()) return;  // an answer to a re-send already answered
  const Millis now = clock_.wall_ms();
  Status s = delivery.delivered ? outbox_.mark_delivered(key, delivery.incident_id, delivery.state, now)
                                : outbox_.mark_refused(key, delivery.refusal, now);
  if (!s.ok()) {
    // Keep it pending: it is sent again and the router answers again (idempotent key).
    spdlog::error("outbox: cannot record the router's answer to {}: {}", key, s.message());
    return;
  }
  delivery.key = key;
  delivery.command = it->second.item.command;
  ++counters_[delivery.delivered ? "delivered" : "refused"];
  const OutboxItem item = std::move(it->second.item);
  pending_.erase(it);
  if (on_delivery_) on_delivery_(item, delivery);
  publish(std::move(delivery));
}

void GatewayLink::publish(Delivery delivery) {
  {
    std::lock_guard lock(answers_mutex_);
    const std::string key = delivery.key;
    if (answers_.insert_or_assign(key, std::move(delivery)).second) answer_order_.push_back(key);
    while (answer_order_.size() > kRememberedAnswers) {
      answers_.erase(answer_order_.front());
      answer_order_.pop_front();
    }
  }
  answered_cv_.notify_all();
}

void GatewayLink::handle_error(const Envelope& e) {
  auto err = decode_body<v1::Error>(e.body);
  if (!err.ok()) return;
  // Counted by the code's own name: a peer's free text must not grow the table.
  const auto code = error_code_from_number(err->code);
  ++errors_[std::string(code ? error_name(*code) : "UNKNOWN")];
  const std::string about = err->reply_to.value_or("");
  auto it = pending_.find(about);
  if (it != pending_.end()) {
    // Only the broker (empty source) or the peer the item went to can refuse it, and a peer never
    // with a code only the broker raises (schemas/README.md §4): anyone else's ERROR naming it is
    // a forgery that would make the gateway give up a report it still holds.
    if (!e.peer.empty() && (e.peer != it->second.item.destination || raised_by_broker_only(err->code))) {
      ++counters_["forged_errors"];
      spdlog::warn("ignored an ERROR {} from '{}' about {} {}: it was sent to '{}', and only the broker or that "
                   "peer may refuse it",
                   code ? error_name(*code) : "UNKNOWN", e.peer, it->second.item.command, about,
                   it->second.item.destination);
      return;
    }
    if (is_final(err->code)) {
      spdlog::warn("{} {} refused by {}: {} {}", it->second.item.command, about, e.peer.empty() ? "the broker" : e.peer,
                   err->name, err->message);
      Delivery d;
      d.delivered = false;
      d.refusal = err->name + ": " + err->message;
      answered(about, std::move(d));
    } else {
      spdlog::debug("{} {} not delivered yet ({}): sent again in {} ms", it->second.item.command, about, err->name,
                    it->second.next_at - clock_.monotonic_ms());
    }
    return;
  }
  if (err->command && *err->command == v1::AuditSubscribe::kCommand) {
    spdlog::warn("cannot follow the audit log yet ({}): trying again in {} ms", err->name, options_.resubscribe_idle_ms);
    return;
  }
  spdlog::warn("error from {}: {} {}", e.peer.empty() ? "the broker" : e.peer, err->name, err->message);
}

void GatewayLink::handle_events(const Envelope& e) {
  auto page = decode_body<v1::AuditEvents>(e.body);
  if (!page.ok()) {
    spdlog::warn("undecodable AUDIT_EVENTS from {}: {}", e.peer, page.status().message());
    return;
  }
  if (page->query_id != subscription_id_) return;
  last_stream_at_ = clock_.monotonic_ms();
  std::int64_t last = cursor_;
  {
    Transaction t(db_);
    if (!t.begun().ok()) {
      spdlog::error("cannot record the log's events: {}", t.begun().message());
      return;
    }
    for (const v1::StoredEvent& ev : page->events) {
      if (ev.seq <= last) continue;  // seen before (a re-subscription overlaps)
      if (on_event_) {
        if (auto s = on_event_(ev); !s.ok()) {
          spdlog::error("event {} ({}) not applied: {}; reading it again later", ev.seq, ev.type, s.message());
          return;  // rolls back the page; the next subscription starts at the cursor
        }
      }
      last = ev.seq;
    }
    if (last == cursor_) return;
    if (auto s = outbox_.set_cursor(subscription_id_, last); !s.ok()) {
      spdlog::error("cannot move the log cursor: {}", s.message());
      return;
    }
    if (auto s = t.commit(); !s.ok()) {
      spdlog::error("cannot commit the log's events: {}", s.message());
      return;
    }
  }
  counters_["events_followed"] += static_cast<std::uint64_t>(last - cursor_);
  cursor_ = last;
  bus_.send_message(options_.audit, v1::AuditStreamAck{subscription_id_, cursor_});
}

std::map<std::string, std::uint64_t> GatewayLink::counters() const {
  auto c = counters_;
  c["outbox_pending"] = pending_.size();
  c["log_position"] = static_cast<std::uint64_t>(cursor_);
  return c;
}

void GatewayLink::answer_stats(const Envelope& e) {
  v1::StatsReply reply;
  reply.service = bus_.name();
  reply.uptime_ms = clock_.monotonic_ms() - started_at_;
  reply.counters = counters();
  if (on_counters_) on_counters_(reply.counters);
  reply.errors = errors_;
  bus_.send_message(e.peer, reply, e.message_id);
}

}  // namespace liandong::gateway
