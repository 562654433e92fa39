// The digital city-management gateway's logic (issue #5): Open311 GeoReport v2 requests in, cases
// kept in the gateway's SQLite database, INCIDENT_REPORT and STATUS_UPDATE out through the outbox,
// and each case's workflow step (受理 → 立案 → 派遣 → 处置 → 核查 → 结案) followed from the audit
// log. No sockets: the HTTP adapter calls handle() from its threads, the bus thread calls
// on_event()/on_delivery(); docs/gateways.md "## citymgmt (Open311)" documents the interface.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gateway/outbox.hpp"
#include "services/gateway/sqlite_db.hpp"
#include "services/gw_citymgmt/inspectors.hpp"
#include "services/gw_citymgmt/open311.hpp"
#include "services/gw_citymgmt/open311_xml.hpp"

namespace liandong::citymgmt {

struct HttpRequest {
  std::string method;        // "GET", "POST", ...
  std::string path;          // "/requests.json" or "/requests.xml", without the query string
  std::string content_type;
  std::string body;
  Params query;              // the query string's parameters
};

struct HttpReply {
  int status = 200;
  std::string body;          // JSON, or XML when the path ended in .xml
  std::string content_type = "application/json; charset=utf-8";
  std::string allow;         // for 405: the methods the resource has
  int retry_after_s = 0;     // > 0 (a 503 on a storage fault): sent as Retry-After
};

// An Open311 error in the format the path asks for (.xml: XML, otherwise JSON), for the errors
// the HTTP adapter makes itself (413, 500, ...).
HttpReply error_reply_for(std::string_view path, int status, const std::string& description);

struct CitymgmtOptions {
  std::string router = "router";
  Millis answer_wait_ms = 2000;     // how long a POST waits for the router before answering
  int utc_offset_minutes = 480;     // times in answers, and dates without a zone in queries
  std::int64_t list_limit = 1000;   // GET /requests.json answers at most this many
};

// What the gateway needs of its GatewayLink (thread-safe parts only), as functions so the logic
// runs in unit tests without a bus.
struct LinkHooks {
  std::function<void(gateway::OutboxItem)> wake;
  std::function<std::optional<gateway::Delivery>(const std::string& key, Millis timeout_ms)> wait_for;
};

class CitymgmtGateway {
 public:
  // Creates the gateway's tables in `db` if missing. The references must outlive the gateway.
  static Result<std::unique_ptr<CitymgmtGateway>> open(gateway::SqliteDb& db, gateway::Outbox& outbox,
                                                       const ServiceCatalog& catalog,
                                                       const InspectorRegistry& inspectors, const Clock& clock,
                                                       LinkHooks hooks, CitymgmtOptions options);

  // One HTTP request (any thread). Never throws; a bad request is an Open311 error reply. A path
  // ending in .xml is answered in GeoReport v2 XML (errors too), any other in JSON.
  HttpReply handle(const HttpRequest& request);

  // One event of the audit log (bus thread, inside the link's transaction): moves the step of the
  // cases whose incident it concerns; after a passed verification is recorded, queues "closed".
  Status on_event(const v1::StoredEvent& event);
  // The router answered an outbox item (bus thread).
  void on_delivery(const gateway::OutboxItem& item, const gateway::Delivery& delivery);

  // nullopt when there is no such case or it could not be read (logged); read_case_by_id tells
  // the two apart, for answers that must not take a storage fault for "unknown".
  std::optional<CaseRecord> find_case(std::int64_t id);
  Result<std::optional<CaseRecord>> read_case_by_id(std::int64_t id);
  std::map<std::string, std::uint64_t> counters() const;

  // An answer before it is rendered as JSON or XML: the Open311 array and its XML names.
  struct Answer {
    int status = 200;
    Open311Json doc;
    XmlList xml = kRequestsXml;
    std::string allow;
    int retry_after_s = 0;  // > 0 (a 503 on a storage fault): sent as Retry-After
  };

 private:
  CitymgmtGateway(gateway::SqliteDb& db, gateway::Outbox& outbox, const ServiceCatalog& catalog,
                  const InspectorRegistry& inspectors, const Clock& clock, LinkHooks hooks, CitymgmtOptions options)
      : db_(db), outbox_(outbox), catalog_(catalog), inspectors_(inspectors), clock_(clock), hooks_(std::move(hooks)),
        options_(std::move(options)) {}

  Answer route(const HttpRequest& request);
  Answer post_request(const HttpRequest& request);
  Answer get_request(const std::string& id);
  Answer list_requests(const Params& query);
  Answer verify(const std::string& id, const HttpRequest& request);

  Result<std::int64_t> insert_case(const CaseRecord& record);
  std::vector<std::int64_t> cases_of_incident(const std::string& incident_id);
  // Polls the case until `done` holds or `deadline_ms` (monotonic) passes.
  std::optional<CaseRecord> wait_case(std::int64_t id, Millis deadline_ms, const std::function<bool(const CaseRecord&)>& done);
  gateway::OutboxItem status_item(const std::string& key, const CaseRecord& record, const std::string& state,
                                  const std::string& note);
  Status queue_close(const std::string& verify_update_id);
  void count(const std::string& name);

  gateway::SqliteDb& db_;
  gateway::Outbox& outbox_;
  const ServiceCatalog& catalog_;
  const InspectorRegistry& inspectors_;
  const Clock& clock_;
  LinkHooks hooks_;
  CitymgmtOptions options_;
  mutable std::mutex counters_mutex_;
  std::map<std::string, std::uint64_t> counters_;
};

}  // namespace liandong::citymgmt
