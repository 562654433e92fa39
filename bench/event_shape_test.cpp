// Unit tests for the benchmark's event shape: the body size the ceiling and the bus runs share.
#include <catch2/catch.hpp>

#include "bench/event_shape.hpp"
#include "core/clock.hpp"
#include "core/codec.hpp"

using namespace liandong;
using namespace liandong::bench;

TEST_CASE("event bodies have exactly the requested size and are msgpack maps", "[unit][bench]") {
  for (std::size_t bytes : {40u, 200u, 263u}) {
    const std::string body = event_body(bytes);
    CHECK(body.size() == bytes);
    const auto handle = msgpack::unpack(body.data(), body.size());
    CHECK(handle.get().type == msgpack::type::MAP);
  }
}

TEST_CASE("the event factory makes valid events with fresh ULIDs", "[unit][bench]") {
  SystemClock clock;
  IdGenerator ids(clock);
  EventFactory factory(ids);
  const v1::AuditEvent a = factory.next(1);
  const v1::AuditEvent b = factory.next(2);
  CHECK(a.validate().ok());
  CHECK(a.event_id != b.event_id);
  CHECK(looks_like_ulid(a.event_id));
  CHECK(a.incident_id == b.incident_id);  // several events per incident
  CHECK(a.body.bytes.size() == kEventBodyBytes);
  CHECK(decode_body<v1::AuditEvent>(encode_body(a)).ok());
}
