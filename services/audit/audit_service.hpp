// The audit service's logic without sockets (issue #3; schemas/README.md, "Audit messages"):
// it buffers AUDIT_EVENT appends and commits them together (group commit), acknowledges each
// only after the commit, answers queries and verification in bounded steps after the commits
// (reads never hold up an append), and streams the log to subscribers with flow control.
// AuditServer moves the messages; tests drive this class directly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/envelope.hpp"
#include "schemas/messages.hpp"
#include "services/audit/event_store.hpp"
#include "services/audit/read_queue.hpp"

namespace liandong::audit {

// Where the service's messages go: the bus, or a recorder in tests. Returns the message id used.
class AuditOutbound {
 public:
  virtual ~AuditOutbound() = default;
  virtual std::string send(const std::string& to, std::string_view command, const std::string& body) = 0;
};

struct AuditServiceOptions {
  std::size_t max_batch = 1000;            // events per transaction at most
  std::int64_t default_page = 1000;        // events per AUDIT_EVENTS answer unless asked otherwise
  std::size_t max_page_bytes = 512 * 1024; // keep answers well under the broker's 1 MiB frame limit
  std::int64_t default_window = 10'000;    // events in flight to a subscriber
  // Reads (AUDIT_QUERY, AUDIT_VERIFY) wait in a queue per peer and are served by serve_reads()
  // after each commit, round robin between peers, so an append waits for at most one turn's reads.
  std::size_t read_slice = 1000;           // records one answer or one verification step reads
  std::size_t read_budget = 2000;          // records read for queries and verifications per turn
  std::size_t max_waiting_reads = 1000;    // per peer; a read beyond is answered BUSY
};

class AuditService {
 public:
  AuditService(EventStore& store, AuditOutbound& out, const Clock& clock, AuditServiceOptions options = {});

  // One message from the bus. Appends are buffered until flush(), reads until serve_reads();
  // everything else is answered now.
  void on_message(const Envelope& envelope);
  // Commits every buffered append (in transactions of at most max_batch) and acknowledges them, or
  // answers each with UNAVAILABLE when the store fails. Then feeds subscribers.
  void flush();
  bool has_pending_appends() const { return !pending_.empty(); }
  // Serves waiting reads, round robin between peers, until about read_budget records were read:
  // a query is answered with at most read_slice events, a verification checks read_slice more
  // records and keeps its place. The loop calls it after flush(), so appends go first each turn.
  void serve_reads();
  bool has_pending_reads() const { return !reads_.empty(); }
  // Sends subscribers the events they are missing, within their windows.
  void pump_subscriptions();

  v1::StatsReply stats() const;
  std::size_t subscriptions() const { return subscriptions_.size(); }
  bool appends_failing() const { return failing_since_ >= 0; }

 private:
  struct PendingAppend {
    std::string sender;
    std::string message_id;
    NewEvent event;
  };
  struct Subscription {
    std::string subscriber;     // peer name
    std::string id;
    std::int64_t next_seq = 1;  // first event not yet sent
    std::int64_t acked_seq = 0; // last event the subscriber confirmed
    std::int64_t window = 10'000;
    std::string last_message_id;
  };

  void on_append(const Envelope& envelope);
  void on_read(const Envelope& envelope);
  void on_subscribe(const Envelope& envelope);
  // One step of a read; returns whether it is finished (answered), adds the records read to `spent`.
  bool answer_query(const PendingRead& read, std::size_t& spent);
  bool verify_step(PendingRead& read, std::size_t& spent);
  void on_error(const Envelope& envelope);
  void commit(std::vector<PendingAppend>& batch);
  void send_error(const std::string& to, ErrorCode code, const std::string& message, const std::string& reply_to,
                  const std::string& command);
  // Builds a page of records, stopping at the byte budget; returns how many were used.
  std::size_t fill_page(const std::vector<EventRecord>& records, v1::AuditEvents& page) const;
  void count(const std::string& name, std::uint64_t n = 1) { counters_[name] += n; }

  EventStore& store_;
  AuditOutbound& out_;
  const Clock& clock_;
  AuditServiceOptions options_;
  Millis started_at_;
  std::vector<PendingAppend> pending_;
  ReadQueue reads_;
  std::map<std::string, Subscription> subscriptions_;  // by subscriber name + "/" + id
  std::map<std::string, std::uint64_t> counters_;
  std::map<std::string, std::uint64_t> errors_;
  Millis failing_since_ = -1;
  std::string failure_reason_;
};

// Converts a stored record to its wire form (hashes as lower-case hex).
v1::StoredEvent to_wire(const EventRecord& record);

}  // namespace liandong::audit
