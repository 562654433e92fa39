#include "services/gw_110/feed_hub.hpp"

namespace liandong::gw110 {

std::vector<gateway::HistoryEntry> FeedSubscriber::take(Millis timeout_ms) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return !queue_.empty() || dropped_ || closed_; });
  std::vector<gateway::HistoryEntry> out(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
  queue_.clear();
  return out;
}

bool FeedSubscriber::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

bool FeedSubscriber::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

void FeedSubscriber::push(const gateway::HistoryEntry& entry) {
  {
    std::lock_guard lock(mutex_);
    if (dropped_ || closed_) return;
    if (queue_.size() >= capacity_) {
      dropped_ = true;
      queue_.clear();
    } else {
      queue_.push_back(entry);
    }
  }
  cv_.notify_all();
}

void FeedSubscriber::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  cv_.notify_all();
}

std::shared_ptr<FeedSubscriber> FeedHub::subscribe() {
  std::lock_guard lock(mutex_);
  if (closed_ || subscribers_.size() >= max_clients_) return nullptr;
  auto s = std::make_shared<FeedSubscriber>(per_client_);
  subscribers_.insert(s);
  return s;
}

void FeedHub::unsubscribe(const std::shared_ptr<FeedSubscriber>& s) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(s);
}

void FeedHub::publish(const std::vector<gateway::HistoryEntry>& entries) {
  if (entries.empty()) return;
  std::lock_guard lock(mutex_);
  for (auto it = subscribers_.begin(); it != subscribers_.end();) {
    for (const auto& e : entries) (*it)->push(e);
    if ((*it)->dropped()) {
      ++dropped_;
      it = subscribers_.erase(it);
    } else {
      ++it;
    }
  }
}

void FeedHub::close_all() {
  std::lock_guard lock(mutex_);
  closed_ = true;
  for (const auto& s : subscribers_) s->close();
  subscribers_.clear();
}

std::size_t FeedHub::clients() const {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

std::uint64_t FeedHub::dropped_clients() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

}  // namespace liandong::gw110
