// Helpers for the HTTP gateways' integration tests (96345, 110): a JSON client on the endpoint
// from the ready file, and a bounded wait that keeps the test's own bus peers pumping.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <thread>
#include <vector>

#include "tests/integration/broker_fixture.hpp"

namespace liandong::testing {

inline std::unique_ptr<httplib::Client> http_client(const std::string& endpoint) {
  auto c = std::make_unique<httplib::Client>(endpoint);
  c->set_connection_timeout(5, 0);
  c->set_read_timeout(15, 0);
  c->set_write_timeout(5, 0);
  return c;
}

inline nlohmann::json json_of(const httplib::Result& r) {
  if (!r) return nullptr;
  auto j = nlohmann::json::parse(r->body, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

// Receives on every peer (keeping them alive, collecting what came into `inbox`) and checks `done`
// every ~50 ms until it is true or `timeout_ms` passed.
inline bool pump_until(std::vector<BusClient*> peers, std::vector<Envelope>& inbox, Millis timeout_ms,
                       const std::function<bool()>& done) {
  SystemClock clock;
  const Millis deadline = clock.monotonic_ms() + timeout_ms;
  while (clock.monotonic_ms() < deadline) {
    for (BusClient* p : peers) {
      for (int i = 0; i < 50; ++i) {
        auto e = p->receive(i == 0 ? 10 : 0);
        if (!e) break;
        inbox.push_back(*e);
      }
    }
    if (done()) return true;
    if (peers.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace liandong::testing
