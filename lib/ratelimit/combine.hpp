// Shared by the Redis and in-process limiters: per-limit outcomes -> one rate_decision.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ferry/ratelimit/rate_decision.hpp"

namespace ferry::ratelimit::detail {

/// One limit's view of a request. retry_ms < 0 means "can never be admitted".
struct limit_outcome {
  std::int64_t count = 0;  // used after the decision
  std::int64_t retry_ms = 0;
  std::int64_t reset_ms = 0;
};

inline void validate_limits(std::span<const rate_limit> limits) {
  if (limits.empty()) throw std::invalid_argument("rate limiter: no limits");
  for (const auto& l : limits) {
    if (l.count <= 0) throw std::invalid_argument("rate limiter: limit count must be > 0");
    if (l.window.count() <= 0) throw std::invalid_argument("rate limiter: window must be > 0");
  }
  // Each window has one counter (in Redis, one key named by the window), and only the smaller
  // count of two limits over one window can ever bind.
  for (std::size_t i = 0; i < limits.size(); ++i)
    for (std::size_t j = i + 1; j < limits.size(); ++j)
      if (limits[i].window == limits[j].window)
        throw std::invalid_argument("rate limiter: two limits over the same window (" +
                                    std::to_string(limits[i].window.count()) +
                                    " ms); keep the one with the smaller count");
}

inline void validate_request(std::string_view key, std::int64_t cost) {
  if (key.empty()) throw std::invalid_argument("rate limiter: empty key");
  if (cost < 1) throw std::invalid_argument("rate limiter: cost must be >= 1");
}

inline rate_decision combine(bool allowed, std::span<const rate_limit> limits,
                             std::span<const limit_outcome> out) {
  rate_decision d;
  d.allowed = allowed;
  std::size_t bind = 0;
  std::int64_t best_remaining = INT64_MAX;
  for (std::size_t i = 0; i < limits.size(); ++i) {
    const auto remaining = std::max<std::int64_t>(limits[i].count - out[i].count, 0);
    // The binding limit: least remaining, then the longest wait.
    if (remaining < best_remaining ||
        (remaining == best_remaining && out[i].reset_ms > out[bind].reset_ms)) {
      best_remaining = remaining;
      bind = i;
    }
    if (!allowed) {
      if (out[i].retry_ms < 0) {
        d.retry_after = std::chrono::milliseconds::max();
      } else if (d.retry_after != std::chrono::milliseconds::max()) {
        d.retry_after = std::max(d.retry_after, std::chrono::milliseconds{out[i].retry_ms});
      }
    }
  }
  d.limit = limits[bind].count;
  d.remaining = best_remaining;
  d.count = out[bind].count;
  d.reset_after = std::chrono::milliseconds{std::max<std::int64_t>(out[bind].reset_ms, 0)};
  return d;
}

}  // namespace ferry::ratelimit::detail
