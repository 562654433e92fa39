// The dispatch brain (issue #4), deterministic and without I/O: commands and clock ticks in,
// decisions out. A decision is the events to append to the audit log, the messages to send once
// those events are durable, and the messages (errors) to send at once. Every event is applied to
// the state through apply(), the same path the replay after a restart takes, so the state is
// always the fold of the log.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"
#include "services/router/deployment.hpp"
#include "services/router/grid_locator.hpp"
#include "services/router/incident.hpp"
#include "services/router/router_events.hpp"

namespace liandong::router {

struct Send {
  std::string to;
  std::string command;
  std::string body;
  std::string order_id;  // for DISPATCH_ORDER: lets an UNROUTABLE answer be traced to the order
};

struct Decision {
  std::vector<v1::AuditEvent> events;  // append in this order
  std::vector<Send> after_durable;     // send once every event above is acknowledged by the audit
  std::vector<Send> now;               // send at once (errors, answers needing no new event)
  bool empty() const { return events.empty() && after_durable.empty() && now.empty(); }
};

// The peer name a unit listens under: "unit:police.ps03".
std::string unit_peer(const std::string& unit_id);

class RouterCore {
 public:
  RouterCore(const Deployment& deployment, const Clock& clock, std::string name = "router");
  // Timelines point into the core's own order map: a copy would point into the original's.
  RouterCore(const RouterCore&) = delete;
  RouterCore& operator=(const RouterCore&) = delete;

  Decision on_report(const std::string& from, const std::string& message_id, const v1::IncidentReport& report);
  Decision on_order_ack(const std::string& from, const std::string& message_id, const v1::OrderAck& ack);
  Decision on_status(const std::string& from, const std::string& message_id, const v1::StatusUpdate& request);
  Decision on_transfer(const std::string& from, const std::string& message_id, const v1::Transfer& transfer);
  Decision on_unlink(const std::string& from, const std::string& message_id, const v1::IncidentUnlink& unlink);
  // An operator merges an incident into another open one (router_merge.cpp): recorded once per
  // request_id; the incident's open orders are closed and their units told. Answered by RECEIPT.
  Decision on_merge(const std::string& from, const std::string& message_id, const v1::IncidentMerge& merge);
  // A neighbour acknowledged a watch alarm: recorded once per ack_id, answered by RECEIPT.
  Decision on_neighbour_ack(const std::string& from, const std::string& message_id, const v1::NeighbourAck& ack);
  // A DISPATCH_ORDER could not be delivered: the unit is not connected. Escalates at once.
  Decision on_unreachable(const std::string& order_id);
  // An ERROR that reached the router (schemas/README.md §4, "Who raised an error"). `from` empty
  // is the broker: its UNROUTABLE for a DISPATCH_ORDER (whose message id is the order id) is
  // on_unreachable(). An ERROR from a peer answers only a message that peer received: an order's
  // own unit may refuse it (it could not read it: nothing changes, the order waits for its
  // deadline; a unit declines with ORDER_ACK). An ERROR from a peer naming an order sent to another
  // unit, or carrying a code only the broker raises, is a forgery: recorded as security.refused,
  // and not answered (an ERROR is never answered). Other errors change nothing (empty decision).
  Decision on_error(const std::string& from, const std::string& message_id, const v1::Error& error);
  // Escalates every order whose acknowledgement deadline has passed; records the workflow timers
  // and neighbour alerts that passed their deadline (once each) and tells the supervisor.
  Decision on_tick();
  // The earliest pending acknowledgement deadline (wall ms), if any. Workflow timers and
  // neighbour alerts are minutes to hours long: the server's regular tick is soon enough.
  std::optional<std::int64_t> next_deadline();
  // The router serves after its replay: a router.started event (no incident) records the
  // deployment version in force, so every later decision can be traced to its rules.
  Decision on_started(const RouterStarted& started);

  // Replay: applies one stored event. Unknown event types are skipped and Ok (written by a newer
  // version, or another service's). An event of a known type whose body cannot be read, or that
  // names an incident or order no earlier event created, is NOT applied (the state stays as it
  // was) and the Status says so, naming the sequence number, the type and what was wrong
  // ("event seq 42 (order.dispatched) not applied: field 'unit': ..."); `replay_errors` counts
  // them. What to do then is the caller's choice: RouterServer logs it loudly and goes on (see
  // its replay()), since refusing to start would leave every other incident without a router.
  // The deadline queues are not filled while replaying: they are rebuilt once from the state
  // when first needed, so the acknowledged orders of a long log leave nothing behind.
  Status apply_stored(const v1::StoredEvent& event);
  Status apply_stored(std::int64_t seq, std::string_view type, std::string_view body, std::int64_t at_ms);
  // After replay, live: applies an event another writer had committed after the replay read the
  // log (the killed router's last appends), as apply_stored() does, with the same errors; returns
  // the DISPATCH_ORDER of an order it dispatched that still awaits acceptance, to be sent (units
  // take a repeated order id as the same order). Decisions it leaves half done: resume().
  Result<std::vector<Send>> apply_followed(std::int64_t seq, std::string_view type, std::string_view body,
                                           std::int64_t at_ms);
  // After replay: the orders still waiting for acceptance, to send again (same order ids).
  std::vector<Send> resend_pending() const;
  // After replay: finishes decisions a crash cut in half. A kill between the appends of one
  // decision can leave an incident reported (or transferred, or unlinked) with no order, or an
  // order escalated with no successor; this routes or continues the ladder for each of them.
  Decision resume();

  std::optional<v1::IncidentView> view(const std::string& incident_id) const;
  v1::IncidentList list(const std::string& query_id, const std::optional<std::string>& state,
                        std::int64_t limit) const;
  const Incident* incident(const std::string& id) const;
  const Order* order(const std::string& id) const;
  std::size_t open_incidents() const;
  std::map<std::string, std::uint64_t> counters() const { return counters_; }

 private:
  template <class Body>
  void record(Decision& d, std::string_view type, const std::string& incident_id, const Body& body);
  // A security.refused event in the log (on the incident's trail; `incident_id` may be empty).
  void record_security(Decision& d, const std::string& from, const std::string& message_id, std::string_view command,
                       const std::string& incident_id, const std::string& why);
  // FORBIDDEN to `from` now, and a security.refused event in the log (on the incident's trail).
  void refuse_as_security(Decision& d, const std::string& from, const std::string& message_id, std::string_view command,
                          const std::string& incident_id, const std::string& why);
  // Folds one event into the state; an error (unreadable body, unknown incident or order) leaves
  // the state as it was.
  Status apply(std::string_view type, std::string_view body, std::int64_t at_ms);
  // apply() for the neighbour-watch and workflow-timer events (router_neighbours.cpp,
  // router_timers.cpp); nullopt when `type` is not theirs.
  std::optional<Status> apply_neighbour_event(std::string_view type, std::string_view body, std::int64_t at_ms);
  std::optional<Status> apply_timer_event(std::string_view type, std::string_view body, std::int64_t at_ms);
  std::optional<Status> apply_merge_event(std::string_view type, std::string_view body, std::int64_t at_ms);
  static Status unknown_incident(const std::string& id);
  static Status unknown_order(const std::string& id);
  // An order entered `order.state`: timers that stop there are disarmed; an order that ended
  // (escalated, declined, withdrawn, closed) has none left.
  void disarm_on_enter(Order& order, const Workflow& wf);
  // Timeline lines: a whole text, or one about an order whose text view() makes (render()).
  void timeline(Incident& incident, std::int64_t at_ms, std::string_view type, std::string text);
  void order_line(Incident& incident, std::int64_t at_ms, std::string_view type, const Order& order,
                  std::string detail = {}, std::int64_t number = 0);
  v1::TimelineEntry render(const Incident& incident, const TimelineLine& line) const;
  // Every unit ordered for the incident since it was reported or last transferred.
  std::set<std::string> tried_units(const Incident& incident) const;
  // Refills deadlines_ and timer_deadlines_ from the orders after a replay (see apply_stored).
  void rebuild_deadlines();

  // Routing of an incident whose IncidentReported is applied: dispatch per rule, or to triage.
  void route(Decision& d, Incident& incident);
  void dispatch(Decision& d, Incident& incident, const std::string& unit, std::int64_t chain, std::int64_t rung,
                Millis ack_deadline_ms, const DispatchBasis& basis, const std::string& reason);
  void escalate(Decision& d, const Order& order, const std::string& reason);
  // Dispatches the rung after `ended` (an escalated or declined order) of its chain.
  void next_rung(Decision& d, Incident& incident, const Order& ended, const std::string& reason);
  // What the order's escalation climbs: as recorded with it, or for an order of an older log,
  // what the deployment in force says for its incident and chain.
  DispatchBasis basis_of(const Order& order) const;
  DispatchBasis basis_from_deployment(const Incident& incident, std::int64_t chain) const;
  // How long the order's unit had to accept: as recorded, or (older logs) from the deployment.
  Millis ack_within(const Order& order) const;
  const DispatchBasis* intern(DispatchBasis basis);
  // Merging (router_merge.cpp, merge.toml). What a new report is to an open incident near it:
  // the same incident (merge: no dispatch) or possibly related (dispatched, and linked on the trail).
  struct MergeMatch {
    std::string incident_id;
    bool merge = true;
    std::string reason;
  };
  std::optional<MergeMatch> find_merge_target(const IncidentReported& candidate) const;
  std::optional<std::string> find_same_household(const IncidentReported& candidate) const;
  void index_for_merge(const Incident& incident);
  // Closes the open orders of an incident merged by hand and tells their units (on_merge, and
  // resume() after a crash between the merge and its closures).
  void withdraw_merged_orders(Decision& d, Incident& incident);

  // Neighbourhood watch: alert the household's neighbour group (once per incident), and tell the
  // watch supervisor about alerts that went unanswered.
  void alert_neighbours(Decision& d, Incident& incident);
  void tick_neighbours(Decision& d, std::int64_t now);
  // Workflow timers: arm those whose start state the order has just entered; record the ones past
  // their deadline.
  void arm_timers(Decision& d, const std::string& order_id);
  void tick_timers(Decision& d, std::int64_t now);
  std::int64_t timer_deadline(const WorkflowTimer& timer, const Incident& incident, std::int64_t from) const;
  Send notice(const std::string& platform, const std::string& notice_id, const std::string& incident_id,
              const std::optional<std::string>& order_id, const std::string& kind, const std::string& text) const;

  Send report_ack(const Incident& incident, const std::string& report_id, bool duplicate,
                  const std::string& to) const;
  Send dispatch_order(const Order& order) const;
  // The STATUS_UPDATE "withdrawn" that tells a unit its order ended without its doing.
  Send withdrawal(const Order& order, const std::string& note);
  Send receipt(const std::string& to, const std::string& key, const std::string& incident_id, const std::string& state,
               bool duplicate) const;
  Send error(const std::string& to, ErrorCode code, const std::string& message, const std::string& reply_to,
             std::string_view command) const;
  const Workflow& workflow(const std::string& platform) const;

  const Deployment& deployment_;
  GridLocator locator_;
  const Clock& clock_;
  std::string name_;
  IdGenerator ids_;
  std::map<std::string, Incident> incidents_;
  std::map<std::string, Order> orders_;
  std::set<DispatchBasis> bases_;  // what Order::basis points at
  std::map<std::string, const Incident*> incident_of_report_;  // source + "/" + report id -> incident
  // Merge candidates: family -> ~1 km cell -> recent incidents there. Time and place are kept in
  // the entry so most candidates are rejected without a lookup; entries older than the family's
  // window are dropped as new ones arrive, so the search stays flat as incidents accumulate.
  struct MergeEntry {
    std::string incident_id;
    std::int64_t reported_at_ms = 0;
    GeoPoint point;
  };
  std::map<std::string, std::map<std::pair<int, int>, std::vector<MergeEntry>>> merge_cells_;
  // family + "/" + household -> its recent incidents, for families merged by household.
  std::map<std::string, std::vector<MergeEntry>> merge_households_;
  // Armed workflow timers: (deadline ms, order id, timer name); entries disarmed or re-armed since
  // are recognised as stale against the order's timers and skipped.
  using TimerDue = std::tuple<std::int64_t, std::string, std::string>;
  std::priority_queue<TimerDue, std::vector<TimerDue>, std::greater<>> timer_deadlines_;
  std::set<std::pair<std::int64_t, std::string>> neighbour_deadlines_;  // (ack deadline, incident id)
  using Deadline = std::pair<std::int64_t, std::string>;  // wall ms, order id
  std::priority_queue<Deadline, std::vector<Deadline>, std::greater<>> deadlines_;
  std::map<std::string, std::uint64_t> counters_;
  bool replaying_ = false;         // inside apply_stored()
  bool deadlines_stale_ = false;   // events were replayed since the deadline queues were filled
};

}  // namespace liandong::router
