// The broker's settings: defaults in code, overridden by the [broker] table of a TOML file and
// then by command-line flags.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/clock.hpp"
#include "core/envelope.hpp"
#include "broker/rate_limiter.hpp"
#include "core/status.hpp"

namespace liandong::broker {

struct BrokerConfig {
  std::string endpoint = "tcp://127.0.0.1:5570";  // tcp://HOST:PORT (port 0 or * picks one) or ipc://PATH
  Millis heartbeat_ms = 1000;
  std::int64_t liveness = 3;  // a peer silent for liveness x heartbeat_ms is dropped
  std::int64_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::string log_level = "info";
  // CurveZMQ (docs/security.md): the directory holding broker.key and enrolled.toml. Required
  // unless `insecure_plain` is set explicitly.
  std::string keys_dir;
  bool insecure_plain = false;  // no authentication, roles self-declared: local development only
  // Per-role token buckets ([broker.rate_limits]); `rate_limits_enabled = false` is for benchmarks.
  bool rate_limits_enabled = true;
  std::map<std::string, RateLimit> rate_limits = default_rate_limits();

  Millis max_silence_ms() const { return heartbeat_ms * liveness; }
  // Frames past the limit but under this are refused with TOO_LARGE; beyond it libzmq drops
  // the connection before the frame is read into memory at all.
  std::int64_t hard_frame_cap() const { return max_frame_bytes * 8 + 4096; }
};

// Reads the [broker] table of `path` over the defaults.
Result<BrokerConfig> load_broker_config(const std::string& path);
// `require_security_choice`: keys or insecure_plain must be set (false while flags are still to come).
Status validate(const BrokerConfig& config, bool require_security_choice = true);

}  // namespace liandong::broker
