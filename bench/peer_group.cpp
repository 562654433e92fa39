#include "bench/peer_group.hpp"

#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace liandong::bench {

namespace {
// Each peer is offered a HEARTBEAT this often; it sends one only after a second of silence.
constexpr auto kKeepAliveCheck = std::chrono::milliseconds(250);
}  // namespace

PeerGroup::PeerGroup(std::vector<PacedPeer*> peers)
    : peers_(std::move(peers)), timer_fd_(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
  for (PacedPeer* p : peers_) items_.push_back({static_cast<void*>(p->socket()), 0, ZMQ_POLLIN, 0});
  items_.push_back({nullptr, timer_fd_, ZMQ_POLLIN, 0});
}

PeerGroup::~PeerGroup() {
  if (timer_fd_ >= 0) ::close(timer_fd_);
}

void PeerGroup::collect(const std::vector<zmq::pollitem_t>& items) {
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if ((items[i].revents & ZMQ_POLLIN) == 0) continue;
    while (auto env = peers_[i]->receive_now()) ready_.emplace_back(i, std::move(*env));
  }
}

std::optional<std::pair<std::size_t, Envelope>> PeerGroup::receive_until(TimePoint deadline) {
  while (true) {
    if (!ready_.empty()) {
      auto next = std::move(ready_.front());
      ready_.pop_front();
      return next;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_keep_alive_) {
      for (PacedPeer* p : peers_) p->keep_alive();
      next_keep_alive_ = now + kKeepAliveCheck;
    }
    const bool late = now >= deadline;
    if (!late && timer_fd_ >= 0) {
      const auto at = std::min(deadline, next_keep_alive_);
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
      itimerspec spec{};
      spec.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
      spec.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
      if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 would disarm
      timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &spec, nullptr);
    }
    try {
      // Past the deadline: one look at what is queued, without waiting.
      zmq::poll(items_, std::chrono::milliseconds(late ? 0 : (timer_fd_ >= 0 ? -1 : 1)));
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return std::nullopt;  // SIGINT/SIGTERM: the caller checks its stop flag
      throw;
    }
    if ((items_.back().revents & ZMQ_POLLIN) != 0) {
      std::uint64_t expirations = 0;
      [[maybe_unused]] const auto n = ::read(timer_fd_, &expirations, sizeof expirations);
    }
    collect(items_);
    if (ready_.empty() && late) return std::nullopt;
  }
}

}  // namespace liandong::bench
