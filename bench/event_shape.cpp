#include "bench/event_shape.hpp"

#include <msgpack.hpp>

#include <cassert>

namespace liandong::bench {

std::string event_body(std::size_t bytes) {
  assert(bytes >= 40 && bytes <= 263);
  // fixmap(1) + fixstr "note" (5) + str8 header (2), then 32..255 bytes of text.
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pk.pack_map(1);
  pk.pack(std::string_view("note"));
  pk.pack(std::string(bytes - 8, 'x'));
  assert(buffer.size() == bytes);
  return {buffer.data(), buffer.size()};
}

EventFactory::EventFactory(IdGenerator& ids) : ids_(ids), body_(event_body()) {}

v1::AuditEvent EventFactory::next(std::int64_t at_ms) {
  if (made_++ % kEventsPerIncident == 0) incident_ = ids_.next();
  v1::AuditEvent e;
  e.event_id = ids_.next();
  e.incident_id = incident_;
  e.type = kEventType;
  e.actor = kEventActor;
  e.at_ms = at_ms;
  e.body.bytes = body_;
  return e;
}

}  // namespace liandong::bench
