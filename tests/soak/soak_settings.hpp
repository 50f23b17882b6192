// Settings the soak driver and ferry-soak-worker must agree on (tests/soak/README.md).
#pragma once

#include <chrono>
#include <string>

#include <ferry/queue/options.hpp>
#include <ferry/redis/options.hpp>
#include <ferry/redis/url.hpp>

namespace soak {

/// The Redis queue the soak's jobs go through.
inline constexpr const char* queue_name = "soak";
/// A dead worker's jobs come back after this (stale recovery by the retry worker's scheduler or
/// a waiting worker). Short, so the soak drains in seconds after the last kill.
inline constexpr std::chrono::milliseconds queue_lease{5000};
/// Attempts per job: a job's first attempt may fail on purpose and every SIGKILL of its worker
/// costs one attempt (an expired lease counts), so the soak allows many before the DLQ.
inline constexpr int max_attempts = 25;

/// A client that notices a restarted Redis quickly (the soak restarts it often).
inline ferry::redis::options redis_options(const std::string& url) {
  auto o = ferry::redis::parse_url(url);
  o.pool.reconnect_backoff_base = std::chrono::milliseconds(20);
  o.pool.reconnect_backoff_max = std::chrono::milliseconds(500);
  o.command_timeout = std::chrono::seconds(3);
  o.connect_timeout = std::chrono::seconds(1);
  return o;
}

inline ferry::queue::queue_options queue_options() {
  ferry::queue::queue_options o;
  o.retry.max_attempts = max_attempts;
  o.retry.base = std::chrono::milliseconds(200);
  o.retry.cap = std::chrono::seconds(2);
  o.retry.jitter = ferry::jitter_mode::equal;
  o.lease = queue_lease;
  return o;
}

}  // namespace soak
