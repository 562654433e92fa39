// The broker's registration table: who is on the bus, under which name and role, reached by
// which ZeroMQ routing id, and when it was last heard from (schemas/README.md, "Sessions").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"

namespace liandong::broker {

struct Peer {
  std::string name;
  std::string role;
  std::string routing_id;  // ZeroMQ identity bytes the ROUTER socket gave the connection
  std::string key_label;   // the enrolled CurveZMQ key it connected with; empty in plain mode
  std::string public_key;  // that key (Z85): the session stands only while this key stays valid
  Millis registered_at = 0;
  Millis last_seen = 0;
};

class PeerTable {
 public:
  struct RegisterOutcome {
    std::optional<std::string> replaced_routing_id;  // an older connection that held the name
  };

  // Registers `name`; a name already held by another connection passes to this one (the newest
  // registration wins), and a connection registering a second name gives up its first.
  RegisterOutcome register_peer(const std::string& name, const std::string& role, const std::string& routing_id,
                                Millis now, const std::string& key_label = {}, const std::string& public_key = {});
  const Peer* by_name(const std::string& name) const;
  const Peer* by_routing_id(const std::string& routing_id) const;
  void touch(const std::string& routing_id, Millis now);
  // Returns the removed peer, if there was one.
  std::optional<Peer> remove_by_routing_id(const std::string& routing_id);
  std::optional<Peer> remove_by_name(const std::string& name);
  // Removes and returns every peer not heard from for more than `max_silence_ms`.
  std::vector<Peer> expire(Millis now, Millis max_silence_ms);

  std::size_t size() const { return by_name_.size(); }
  const std::map<std::string, Peer>& peers() const { return by_name_; }

 private:
  std::map<std::string, Peer> by_name_;  // ordered so listings are stable
  std::unordered_map<std::string, std::string> name_of_routing_id_;
};

}  // namespace liandong::broker
