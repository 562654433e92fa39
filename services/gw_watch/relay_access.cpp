#include "services/gw_watch/relay_access.hpp"

#include <spdlog/spdlog.h>

#include "core/curve_keys.hpp"

namespace liandong::watch {

namespace {
constexpr int kRefusalLogLinesPerSecond = 5;  // a relay with a bad key retries every 100 ms
}

RelayAccess::RelayAccess(zmq::context_t& context, std::string keys_dir)
    : context_(context), keys_dir_(std::move(keys_dir)) {}

Status RelayAccess::start(RelayEndpoint& relays, const std::string& gateway_label) {
  auto own = read_secret_key(keys_dir_, gateway_label);
  if (!own.ok()) return own.status().with_context("the relay socket's key");
  allowlist_.emplace(KeyAllowlist::file_in(keys_dir_));
  if (auto s = allowlist_->load(); !s.ok()) return s;
  zap_ = std::make_unique<ZapHandler>(context_, [this](const std::string& key, const std::string& address) {
    return admit(key, address);
  });
  if (auto s = zap_->bind(); !s.ok()) return s;
  relays.require_curve(own->secret_key);
  spdlog::info("relays must connect with CurveZMQ (server key {}.pub) and an enrolled relay key", gateway_label);
  return Status::Ok();
}

void RelayAccess::handle_pending() {
  if (zap_) zap_->handle_pending();
}

std::optional<std::string> RelayAccess::admit(const std::string& public_key, const std::string& address) {
  if (!allowlist_) return std::nullopt;
  const EnrolledKey* key = allowlist_->list().find_valid_key(public_key);
  if (key == nullptr) {
    // Enrolled a moment ago? Look at the file before refusing.
    if (auto changed = allowlist_->reload_if_changed(); !changed.ok()) {
      spdlog::error("cannot re-read the allowlist; keeping the previous one: {}", changed.status().message());
    }
    key = allowlist_->list().find_valid_key(public_key);
  }
  if (key != nullptr && key->role == "relay") return key->label;
  const Millis now = clock_.monotonic_ms();
  if (now - log_window_start_ >= 1000) {
    log_window_start_ = now;
    logged_in_window_ = 0;
  }
  if (++logged_in_window_ <= kRefusalLogLinesPerSecond) {
    spdlog::warn("refused a relay connection from {}: {}", address,
                 key == nullptr ? "key " + public_key + " is not enrolled, or was revoked"
                                : "key '" + key->label + "' is enrolled for role '" + key->role + "', not relay");
  }
  return std::nullopt;
}

}  // namespace liandong::watch
