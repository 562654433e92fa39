// libFuzzer target: every v1 body decoder of schemas/messages.hpp on the same input (the body
// frame as an endpoint receives it), with the checks of fuzz::check_decoder.
#include "schemas/messages.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace liandong;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace v1;
  fuzz::check_decoders<Register, Registered, Heartbeat, Disconnect, Error, Stats, PeerInfo, StatsReply, Location,
                       Caller, IncidentReport, ReportAck, DispatchOrder, OrderAck, StatusUpdate, Transfer,
                       AuditEvent, AuditAck, StoredEvent, AuditQuery, AuditEvents, AuditSubscribe, AuditStreamAck,
                       AuditUnsubscribe, AuditVerify, AuditVerifyReply, Receipt, NeighbourAck, Notice,
                       IncidentUnlink, OrderView, TimelineEntry, IncidentView, IncidentQuery, IncidentInfo,
                       IncidentsQuery, IncidentSummary, IncidentList>(body);
  return 0;
}
