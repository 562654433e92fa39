// The flooding peer of the read-flood step (issue #12, read_flood.hpp): it keeps `window` reads
// outstanding against the audit service (AUDIT_VERIFY of the whole log, AUDIT_QUERY of 200 events)
// and the router (INCIDENTS_QUERY of up to 1,000 incidents), sending the next one as soon as one
// is answered.
#pragma once

#include <zmq.hpp>

#include <atomic>
#include <cstddef>
#include <string>
#include <thread>

#include "core/status.hpp"

namespace liandong::bench {

struct ReadFloodCounts {
  std::size_t sent = 0;
  std::size_t verifications = 0;  // AUDIT_VERIFY_REPLY
  std::size_t queries = 0;        // AUDIT_EVENTS
  std::size_t listings = 0;       // INCIDENT_LIST
  std::size_t refused = 0;        // ERROR (BUSY from a service or the broker)
  double seconds = 0;
  std::size_t answered() const { return verifications + queries + listings + refused; }
};

// The flooding peer, on its own thread and bus connection (role cli). start() returns once it is
// registered and flooding; stop() ends it and returns what it got.
class ReadFlooder {
 public:
  ReadFlooder(zmq::context_t& context, std::string endpoint, std::size_t window);
  ~ReadFlooder();
  ReadFlooder(const ReadFlooder&) = delete;
  ReadFlooder& operator=(const ReadFlooder&) = delete;

  Status start();
  Result<ReadFloodCounts> stop();

 private:
  void run();

  zmq::context_t& context_;
  std::string endpoint_;
  std::size_t window_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> state_{0};  // 0 connecting, 1 flooding, -1 could not connect
  Status failure_;
  ReadFloodCounts counts_;
};

}  // namespace liandong::bench
