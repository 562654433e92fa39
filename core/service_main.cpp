#include "core/service_main.hpp"

#include <csignal>

namespace liandong {

namespace {
std::atomic<bool> g_stop{false};
extern "C" void on_stop_signal(int) { g_stop.store(true); }
}  // namespace

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return g_stop.load(); }
const std::atomic<bool>& stop_flag() { return g_stop; }
void request_stop() { g_stop.store(true); }

}  // namespace liandong
