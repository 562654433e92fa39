// The 96345 hotline gateway's logic: work orders in the gateway's own tables, each reported to
// the router through the outbox in the same transaction; the callback to the citizen and
// transfers as outbox items too; what happened to each work order learnt from the audit log
// (IncidentTracker). Answers are ApiReply values, so the HTTP layer (hotline_http.cpp) only moves
// them. Deadlines and overdue flags are the router's (order.deadline / order.overdue events): the
// gateway shows them and runs no timer of its own.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gateway/http_api.hpp"
#include "services/gateway/incident_tracker.hpp"
#include "services/gw_96345/hotline_request.hpp"

namespace liandong::gw96345 {

struct HotlineOptions {
  Millis answer_wait_ms = 2000;  // how long POST /workorders waits for the router's incident id
  std::int64_t list_limit = 200; // GET /workorders answers at most this many
};

class HotlineService {
 public:
  // Creates its tables; registers its delivery and event handlers on `link`.
  static Result<std::unique_ptr<HotlineService>> open(gateway::SqliteDb& db, gateway::Outbox& outbox,
                                                      gateway::GatewayLink& link, const Clock& clock,
                                                      Transitions transitions, HotlineOptions options);

  gateway::ApiReply create(const std::string& body);
  gateway::ApiReply get(const std::string& id);
  gateway::ApiReply list(const std::string& state, const std::string& limit);
  gateway::ApiReply callback(const std::string& id, const std::string& body);
  gateway::ApiReply transfer(const std::string& id, const std::string& body);
  // Bus thread, between rounds: after a storage fault left follow-ups unsettled (not queued after
  // their first step's answer, or not dropped after its refusal), settles them again, at most once
  // per kRetryIntervalMs, logging each failure.
  void retry_stalled();
  static constexpr Millis kRetryIntervalMs = 1000;

 private:
  HotlineService(gateway::SqliteDb& db, gateway::Outbox& outbox, gateway::GatewayLink& link, const Clock& clock,
                 Transitions transitions, HotlineOptions options)
      : db_(db), outbox_(outbox), link_(link), clock_(clock), ids_(clock), transitions_(std::move(transitions)),
        options_(options) {}

  struct WorkOrder;
  struct View;  // the work order's place in the workflow, from the tracker
  // Reads return an error (kUnavailable) on a storage fault, never "not found".
  Result<std::optional<WorkOrder>> find(const std::string& id);
  Result<View> view(const WorkOrder& w);
  Result<nlohmann::json> to_json(const WorkOrder& w, bool full);
  void delivered(const gateway::OutboxItem& item, const gateway::Delivery& d);
  Result<std::optional<std::string>> claim(const router::IncidentReported& ev);
  // Queues the follow-ups waiting for `after_key` (its item was delivered).
  Status promote_followups(const std::string& after_key);
  // Drops the follow-ups waiting for `item` (the router refused it) and notes the refusal.
  Status drop_followups(const gateway::OutboxItem& item, const std::string& refusal);
  // Promotes or drops every waiting follow-up whose first step has its answer.
  Status settle_followups();
  std::optional<gateway::Delivery> wait(const std::string& key);

  gateway::SqliteDb& db_;
  gateway::Outbox& outbox_;
  gateway::GatewayLink& link_;
  const Clock& clock_;
  IdGenerator ids_;
  Transitions transitions_;
  HotlineOptions options_;
  std::unique_ptr<gateway::IncidentTracker> tracker_;
  // Set when a wait for the router timed out, cleared by its next answer: while the router is
  // away, intake answers "accepted" at once instead of waiting for each item.
  std::atomic<bool> router_quiet_{false};
  bool followups_stalled_ = false;  // bus thread only
  Millis last_retry_ms_ = 0;        // bus thread only
};

}  // namespace liandong::gw96345
