// What every service's main() shares: a stop flag set by SIGINT/SIGTERM, so poll loops end
// cleanly and the process exits 0 when asked to stop.
#pragma once

#include <atomic>

namespace liandong {

// Installs SIGINT and SIGTERM handlers that set the flag returned by stop_requested().
void install_stop_handlers();
bool stop_requested();
// The flag itself, for poll loops that take a std::atomic<bool>.
const std::atomic<bool>& stop_flag();
// For tests and in-process servers.
void request_stop();

}  // namespace liandong
