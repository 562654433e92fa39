#include "broker/peer_table.hpp"

namespace liandong::broker {

PeerTable::RegisterOutcome PeerTable::register_peer(const std::string& name, const std::string& role,
                                                    const std::string& routing_id, Millis now,
                                                    const std::string& key_label, const std::string& public_key) {
  RegisterOutcome outcome;
  // The connection may have been registered under another name before.
  if (auto it = name_of_routing_id_.find(routing_id); it != name_of_routing_id_.end() && it->second != name) {
    by_name_.erase(it->second);
    name_of_routing_id_.erase(it);
  }
  if (auto it = by_name_.find(name); it != by_name_.end() && it->second.routing_id != routing_id) {
    outcome.replaced_routing_id = it->second.routing_id;
    name_of_routing_id_.erase(it->second.routing_id);
  }
  Peer& peer = by_name_[name];
  const bool same_connection = peer.routing_id == routing_id && !peer.name.empty();
  peer.name = name;
  peer.role = role;
  peer.routing_id = routing_id;
  peer.key_label = key_label;
  peer.public_key = public_key;
  if (!same_connection) peer.registered_at = now;
  peer.last_seen = now;
  name_of_routing_id_[routing_id] = name;
  return outcome;
}

const Peer* PeerTable::by_name(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &it->second;
}

const Peer* PeerTable::by_routing_id(const std::string& routing_id) const {
  auto it = name_of_routing_id_.find(routing_id);
  return it == name_of_routing_id_.end() ? nullptr : by_name(it->second);
}

void PeerTable::touch(const std::string& routing_id, Millis now) {
  auto it = name_of_routing_id_.find(routing_id);
  if (it == name_of_routing_id_.end()) return;
  by_name_[it->second].last_seen = now;
}

std::optional<Peer> PeerTable::remove_by_routing_id(const std::string& routing_id) {
  auto it = name_of_routing_id_.find(routing_id);
  if (it == name_of_routing_id_.end()) return std::nullopt;
  return remove_by_name(it->second);
}

std::optional<Peer> PeerTable::remove_by_name(const std::string& name) {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  Peer peer = std::move(it->second);
  by_name_.erase(it);
  name_of_routing_id_.erase(peer.routing_id);
  return peer;
}

std::vector<Peer> PeerTable::expire(Millis now, Millis max_silence_ms) {
  std::vector<Peer> expired;
  for (auto it = by_name_.begin(); it != by_name_.end();) {
    if (now - it->second.last_seen > max_silence_ms) {
      name_of_routing_id_.erase(it->second.routing_id);
      expired.push_back(std::move(it->second));
      it = by_name_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

}  // namespace liandong::broker
