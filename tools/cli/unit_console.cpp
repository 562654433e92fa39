#include "tools/cli/unit_console.hpp"

#include <nlohmann/json.hpp>

#include "tools/cli/incident_format.hpp"

namespace liandong::cli {

namespace {
template <class M>
std::optional<M> read(const Envelope& message, ConsoleReaction& r) {
  auto decoded = decode_body<M>(message.body);
  if (decoded.ok()) return std::move(*decoded);
  r.errors.push_back("ignored an unreadable " + message.command + " from '" + message.peer +
                     "': " + decoded.status().message());
  return std::nullopt;
}
}  // namespace

UnitConsole::UnitConsole(std::string unit, bool json, bool ack) : unit_(std::move(unit)), json_(json), ack_(ack) {}

ConsoleReaction UnitConsole::on_message(const Envelope& message) {
  ConsoleReaction r;
  if (message.command == v1::DispatchOrder::kCommand) {
    auto order = read<v1::DispatchOrder>(message, r);
    if (!order) return r;
    const bool again = !order_ids_.insert(order->order_id).second;
    if (json_) r.out.push_back(to_json(*order).dump());
    else r.out.push_back(dispatch_order_line(*order) + (again ? " (sent again)" : ""));
    if (ack_) r.ack = v1::OrderAck{order->order_id, unit_, true, std::nullopt};
  } else if (message.command == v1::StatusUpdate::kCommand) {
    auto update = read<v1::StatusUpdate>(message, r);
    if (!update) return r;
    if (json_) r.out.push_back(nlohmann::ordered_json{{"status_update", to_json(*update)}}.dump());
    else r.out.push_back(status_update_line(*update));
  } else if (message.command == v1::Receipt::kCommand) {
    auto receipt = read<v1::Receipt>(message, r);
    if (receipt && json_) r.out.push_back(nlohmann::ordered_json{{"receipt", to_json(*receipt)}}.dump());
  } else if (message.command == v1::Error::kCommand) {
    auto err = read<v1::Error>(message, r);
    // NOT_REGISTERED is the bus client's business: it registers again by itself.
    if (!err || err->code == static_cast<std::uint32_t>(ErrorCode::kNotRegistered)) return r;
    const std::string who = message.peer.empty() ? "the broker" : "'" + message.peer + "'";
    r.errors.push_back(who + " refused " + err->command.value_or("a message") + ": " + err->message + " (" + err->name +
                       ")");
  }
  return r;
}

}  // namespace liandong::cli
