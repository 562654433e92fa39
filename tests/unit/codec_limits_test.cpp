// The decode limits of schemas/README.md §5 (core/codec.hpp DecodeLimits, the per-field lengths of
// schemas/messages.hpp and the relay bodies): a body exactly at each limit decodes, one unit past
// it is refused with an error that names the limit.
#include <catch2/catch.hpp>

#include <msgpack.hpp>

#include <cstdint>
#include <functional>
#include <string>

#include "core/codec.hpp"
#include "schemas/messages.hpp"
#include "services/gw_watch/relay_protocol.hpp"

using namespace liandong;

namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

// An AUDIT_EVENT whose `body` (type any) is written by `write_body`: the one v1 field that takes
// any msgpack value, so every structural limit can be reached through a real message.
std::string audit_event_with(const std::function<void(Packer&)>& write_body) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(5);
  pk.pack(std::string("event_id"));
  pk.pack(std::string("e1"));
  pk.pack(std::string("type"));
  pk.pack(std::string("order.accepted"));
  pk.pack(std::string("actor"));
  pk.pack(std::string("router"));
  pk.pack(std::string("at_ms"));
  pk.pack(std::int64_t{1767225600000});
  pk.pack(std::string("body"));
  write_body(pk);
  return std::string(buf.data(), buf.size());
}

// `levels` nested one-element arrays around a nil.
void nested_arrays(Packer& pk, int levels) {
  for (int i = 0; i < levels; ++i) pk.pack_array(1);
  pk.pack_nil();
}

void refused(const std::string& body, ErrorCode code, const std::string& mention) {
  auto r = decode_body<v1::AuditEvent>(body);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == code);
  CHECK_THAT(r.status().message(), Catch::Contains(mention));
}

}  // namespace

TEST_CASE("the default decode limits are the ones the spec states", "[unit][codec][limits]") {
  const DecodeLimits limits;
  CHECK(limits.max_depth == 16);
  CHECK(limits.max_array == 10'000);
  CHECK(limits.max_map == 10'000);
  CHECK(limits.max_str == 65'536);
  CHECK(limits.max_bin == 65'536);
  CHECK(limits.max_ext == 65'536);
}

TEST_CASE("nesting depth: 16 levels decode, 17 are refused", "[unit][codec][limits]") {
  // The body map is level 1 and `body` is inside it: 15 arrays make 16 levels.
  CHECK(decode_body<v1::AuditEvent>(audit_event_with([](Packer& pk) { nested_arrays(pk, 15); })).ok());
  refused(audit_event_with([](Packer& pk) { nested_arrays(pk, 16); }), ErrorCode::kInvalidBody,
          "deeper than 16 levels (decode limit max_depth)");
}

TEST_CASE("array length: 10,000 items decode, 10,001 are refused", "[unit][codec][limits]") {
  auto array_of = [](std::uint32_t n) {
    return audit_event_with([n](Packer& pk) {
      pk.pack_array(n);
      for (std::uint32_t i = 0; i < n; ++i) pk.pack_nil();
    });
  };
  CHECK(decode_body<v1::AuditEvent>(array_of(10'000)).ok());
  refused(array_of(10'001), ErrorCode::kInvalidBody, "array longer than 10000 items (decode limit max_array)");
}

TEST_CASE("map size: 10,000 entries decode, 10,001 are refused", "[unit][codec][limits]") {
  auto map_of = [](std::uint32_t n) {
    return audit_event_with([n](Packer& pk) {
      pk.pack_map(n);
      for (std::uint32_t i = 0; i < n; ++i) {
        pk.pack(std::to_string(i));
        pk.pack_nil();
      }
    });
  };
  CHECK(decode_body<v1::AuditEvent>(map_of(10'000)).ok());
  refused(map_of(10'001), ErrorCode::kInvalidBody, "map longer than 10000 entries (decode limit max_map)");
}

TEST_CASE("string, binary and ext length: 64 KiB decode, one byte more is refused", "[unit][codec][limits]") {
  auto str_of = [](std::size_t n) { return audit_event_with([n](Packer& pk) { pk.pack(std::string(n, 'x')); }); };
  CHECK(decode_body<v1::AuditEvent>(str_of(65'536)).ok());
  refused(str_of(65'537), ErrorCode::kInvalidBody, "string longer than 65536 bytes (decode limit max_str)");

  auto bin_of = [](std::uint32_t n) {
    return audit_event_with([n](Packer& pk) {
      const std::string data(n, '\x01');
      pk.pack_bin(n);
      pk.pack_bin_body(data.data(), n);
    });
  };
  CHECK(decode_body<v1::AuditEvent>(bin_of(65'536)).ok());
  refused(bin_of(65'537), ErrorCode::kInvalidBody, "binary data longer than 65536 bytes (decode limit max_bin)");

  auto ext_of = [](std::uint32_t n) {
    return audit_event_with([n](Packer& pk) {
      const std::string data(n, '\x02');
      pk.pack_ext(n, 7);
      pk.pack_ext_body(data.data(), n);
    });
  };
  CHECK(decode_body<v1::AuditEvent>(ext_of(65'536)).ok());
  refused(ext_of(65'537), ErrorCode::kInvalidBody, "ext value longer than 65536 bytes (decode limit max_ext)");

  // Map keys are strings too: an unknown key of 64 KiB + 1 is refused before fields are read.
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_map(1);
  pk.pack(std::string(65'537, 'k'));
  pk.pack_nil();
  auto r = decode_body<v1::Heartbeat>(std::string_view(buf.data(), buf.size()));
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("decode limit max_str"));
}

TEST_CASE("limits are configurable per decoder", "[unit][codec][limits]") {
  DecodeLimits tight;
  tight.max_array = 3;
  const auto body = audit_event_with([](Packer& pk) {
    pk.pack_array(4);
    for (int i = 0; i < 4; ++i) pk.pack_nil();
  });
  CHECK(decode_body<v1::AuditEvent>(body).ok());
  auto r = decode_body<v1::AuditEvent>(body, tight);
  REQUIRE_FALSE(r.ok());
  CHECK_THAT(r.status().message(), Catch::Contains("longer than 3 items (decode limit max_array)"));
}

TEST_CASE("per-field lengths of edge messages: at the limit decodes, one byte more is refused",
          "[unit][codec][limits]") {
  auto report = [] {
    v1::IncidentReport r;
    r.report_id = "110-1";
    r.source = "110";
    r.category = "fire.building";
    r.reported_at_ms = 1767225600000;
    return r;
  };
  auto expect_refused = [](const auto& result, const std::string& field, std::size_t limit) {
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == ErrorCode::kInvalidValue);
    CHECK_THAT(result.status().message(),
               Catch::Contains("'" + field + "'") && Catch::Contains("limit of " + std::to_string(limit) + " bytes"));
  };

  SECTION("a report's text: 16 KiB") {
    auto r = report();
    r.text = std::string(v1::kMaxFreeTextBytes, 't');
    CHECK(decode_body<v1::IncidentReport>(encode_body(r)).ok());
    r.text->push_back('t');
    expect_refused(decode_body<v1::IncidentReport>(encode_body(r)), "text", 16'384);
  }
  SECTION("address and caller: 1 KiB; grid and household: 128 bytes") {
    auto r = report();
    r.address = std::string(1024, 'a');
    r.caller = v1::Caller{std::string(1024, '1'), std::string(1024, 'n')};
    r.grid = std::string(128, 'G');
    r.household = std::string(128, 'H');
    CHECK(decode_body<v1::IncidentReport>(encode_body(r)).ok());
    auto longer = r;
    longer.address->push_back('a');
    expect_refused(decode_body<v1::IncidentReport>(encode_body(longer)), "address", 1024);
    longer = r;
    longer.caller->name->push_back('n');
    expect_refused(decode_body<v1::IncidentReport>(encode_body(longer)), "caller.name", 1024);
    longer = r;
    longer.caller->phone->push_back('1');
    expect_refused(decode_body<v1::IncidentReport>(encode_body(longer)), "caller.phone", 1024);
    longer = r;
    longer.grid->push_back('G');
    expect_refused(decode_body<v1::IncidentReport>(encode_body(longer)), "grid", 128);
  }
  SECTION("status updates: state 128 bytes, note 16 KiB") {
    v1::StatusUpdate u{"u1", "i1", std::nullopt, std::nullopt, std::string(128, 's'),
                       std::string(v1::kMaxFreeTextBytes, 'n'), 1};
    CHECK(decode_body<v1::StatusUpdate>(encode_body(u)).ok());
    auto longer = u;
    longer.state.push_back('s');
    expect_refused(decode_body<v1::StatusUpdate>(encode_body(longer)), "state", 128);
    longer = u;
    longer.note->push_back('n');
    expect_refused(decode_body<v1::StatusUpdate>(encode_body(longer)), "note", 16'384);
  }
  SECTION("reasons and software: 1 KiB") {
    v1::Transfer t{"t1", "i1", "96345", std::string(1024, 'r')};
    CHECK(decode_body<v1::Transfer>(encode_body(t)).ok());
    t.reason->push_back('r');
    expect_refused(decode_body<v1::Transfer>(encode_body(t)), "reason", 1024);
    v1::OrderAck decline{"o1", "u1", false, std::string(1025, 'r')};
    expect_refused(decode_body<v1::OrderAck>(encode_body(decline)), "reason", 1024);
    v1::Disconnect bye{std::string(1025, 'r')};
    expect_refused(decode_body<v1::Disconnect>(encode_body(bye)), "reason", 1024);
    v1::Register reg{"gw-110", "gateway", std::nullopt, std::string(1024, 's')};
    CHECK(decode_body<v1::Register>(encode_body(reg)).ok());
    reg.software->push_back('s');
    expect_refused(decode_body<v1::Register>(encode_body(reg)), "software", 1024);
  }
  SECTION("relay bodies") {
    watch::Hello hello{"relay-7", "G00017", std::string(1024, 's')};
    CHECK(decode_body<watch::Hello>(encode_body(hello)).ok());
    hello.software->push_back('s');
    expect_refused(decode_body<watch::Hello>(encode_body(hello)), "software", 1024);
    watch::RelayNeighbourAck ack{"k1", std::nullopt, std::string(128, 'i'), std::string(128, 'h'), 1};
    CHECK(decode_body<watch::RelayNeighbourAck>(encode_body(ack)).ok());
    ack.household->push_back('h');
    expect_refused(decode_body<watch::RelayNeighbourAck>(encode_body(ack)), "household", 128);
    watch::AlertDelivered delivered{std::string(1025, 'a')};
    expect_refused(decode_body<watch::AlertDelivered>(encode_body(delivered)), "alert_id", 1024);
  }
}

TEST_CASE("strings must be UTF-8: other bytes are refused naming the field", "[unit][codec][limits]") {
  v1::IncidentReport report;
  report.report_id = "r-1";
  report.source = "110";
  report.category = "fire.building";
  report.reported_at_ms = 1;
  report.text = "起火了 — fire";  // multi-byte text is fine
  CHECK(decode_body<v1::IncidentReport>(encode_body(report)).ok());
  for (const std::string& bad : {std::string("\xff"), std::string("\xc0\xaf"), std::string("\xed\xa0\x80"),
                                std::string("\xe8\xb5"), std::string("ok\xf5\x80\x80\x80")}) {
    report.text = bad;
    auto decoded = decode_body<v1::IncidentReport>(encode_body(report));
    REQUIRE_FALSE(decoded.ok());
    CHECK(decoded.status().code() == ErrorCode::kInvalidValue);
    CHECK_THAT(decoded.status().message(), Catch::Contains("'text' is not valid UTF-8"));
  }
  v1::StatsReply stats;
  stats.service = "broker";
  stats.counters["ok\xff"] = 1;
  auto decoded = decode_body<v1::StatsReply>(encode_body(stats));
  REQUIRE_FALSE(decoded.ok());
  CHECK_THAT(decoded.status().message(), Catch::Contains("a key of map 'counters' is not valid UTF-8"));
}
