// What `liandong unit listen` does with each message that reaches a unit (schemas/README.md,
// DISPATCH_ORDER, STATUS_UPDATE, RECEIPT): the lines to print and the ORDER_ACK to send, kept
// apart from the socket so it can be tested without a bus.
#pragma once

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/envelope.hpp"
#include "schemas/messages.hpp"

namespace liandong::cli {

struct ConsoleReaction {
  std::vector<std::string> out;     // lines for stdout
  std::vector<std::string> errors;  // one-line problems for stderr (the listener goes on)
  std::optional<v1::OrderAck> ack;  // to send back to the order's sender
};

class UnitConsole {
 public:
  // `unit` is the unit id (police.ps03); `json`: JSON lines instead of readable lines; `ack`:
  // accept every order received.
  UnitConsole(std::string unit, bool json, bool ack);

  // A DISPATCH_ORDER is printed (JSON: the order's fields; readable: one summary line, marked
  // "(sent again)" when its order id was seen before) and, with `ack`, answered with ORDER_ACK
  // accepted=true, repeats too, so a lost acceptance is made good. A STATUS_UPDATE is printed
  // (JSON: {"status_update": {...}}). A RECEIPT is printed only as JSON ({"receipt": {...}}).
  // An ERROR (a refused ORDER_ACK) is reported as a problem. Anything else is ignored.
  ConsoleReaction on_message(const Envelope& message);

  // Distinct orders received so far.
  std::size_t orders() const { return order_ids_.size(); }

 private:
  std::string unit_;
  bool json_;
  bool ack_;
  std::set<std::string> order_ids_;
};

}  // namespace liandong::cli
