// The 110 emergency gateway's logic: incidents the call-takers report, kept in the gateway's own
// table and reported to the router through the outbox in the same transaction; transfers to
// other platforms; what happened to 110's incidents (its own and those transferred to 110)
// learnt from the audit log (IncidentTracker), which also numbers the dispatchers' feed.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gateway/http_api.hpp"
#include "services/gateway/incident_tracker.hpp"
#include "services/gw_110/emergency_request.hpp"
#include "services/gw_110/feed_hub.hpp"

namespace liandong::gw110 {

struct EmergencyOptions {
  Millis answer_wait_ms = 2000;  // how long POST /incidents waits for the router's incident id
};

class EmergencyService {
 public:
  static Result<std::unique_ptr<EmergencyService>> open(gateway::SqliteDb& db, gateway::Outbox& outbox,
                                                        gateway::GatewayLink& link, const Clock& clock,
                                                        EmergencyOptions options);

  gateway::ApiReply report(const std::string& body);
  gateway::ApiReply get(const std::string& ref);
  gateway::ApiReply transfer(const std::string& ref, const std::string& body);
  gateway::ApiReply feed_json(const std::string& from_seq, const std::string& limit);

  // Feed entries after `after_seq` from the database (for a client resuming), at most `limit`.
  Result<std::vector<gateway::HistoryEntry>> feed(std::int64_t after_seq, std::int64_t limit) {
    return tracker_->feed(after_seq, limit);
  }
  FeedHub& hub() { return hub_; }
  // Bus thread, between rounds: hands newly recorded feed entries to the live clients.
  void publish_feed();

 private:
  EmergencyService(gateway::SqliteDb& db, gateway::Outbox& outbox, gateway::GatewayLink& link, const Clock& clock,
                   EmergencyOptions options)
      : db_(db), outbox_(outbox), link_(link), clock_(clock), ids_(clock), options_(options) {}
  struct Record;
  Result<std::optional<Record>> find(const std::string& ref);
  void delivered(const gateway::OutboxItem& item, const gateway::Delivery& d);
  Result<std::optional<std::string>> claim(const router::IncidentReported& ev);
  std::optional<gateway::Delivery> wait(const std::string& key);

  gateway::SqliteDb& db_;
  gateway::Outbox& outbox_;
  gateway::GatewayLink& link_;
  const Clock& clock_;
  IdGenerator ids_;
  EmergencyOptions options_;
  std::unique_ptr<gateway::IncidentTracker> tracker_;
  FeedHub hub_;
  std::int64_t published_seq_ = 0;  // bus thread only
  std::atomic<bool> router_quiet_{false};
};

}  // namespace liandong::gw110
