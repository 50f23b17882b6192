// ferry/ratelimit/local_limiter.hpp — the same limiter in process memory, for a single
// process, for tests of code that takes a `rate_limiter&`, and as a first cheap tier before a
// shared Redis limiter.
//
//   ferry::ratelimit::local_limiter limiter{{.limits = {{10, std::chrono::seconds{1}}}}};
//   if (!limiter.acquire("user:7")) drop();
//
// Semantics match redis_limiter for each algorithm (same windows, same retry_after); the clock
// can be injected so tests need not sleep. State of idle keys is dropped once more than
// `max_keys` keys are tracked.
//
// Thread safety: thread-safe (one mutex).
// Errors: std::invalid_argument for bad limits (none, a count or window <= 0, two over one
// window), an empty key or cost < 1; never degraded.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/ratelimit/rate_limiter.hpp"

namespace ferry::ratelimit {

struct local_limiter_options {
  std::vector<rate_limit> limits{};
  algorithm algo = algorithm::sliding_log;
  /// The time source; default steady_clock::now.
  std::function<std::chrono::steady_clock::time_point()> clock{};
  /// Above this many tracked keys, idle ones are swept.
  std::size_t max_keys = 100000;
};

class FERRY_API local_limiter final : public rate_limiter {
 public:
  explicit local_limiter(local_limiter_options options);
  ~local_limiter() override;
  local_limiter(const local_limiter&) = delete;
  local_limiter& operator=(const local_limiter&) = delete;

  [[nodiscard]] rate_decision acquire(std::string_view key, std::int64_t cost = 1) override;
  [[nodiscard]] std::span<const rate_limit> limits() const noexcept override;
  /// Keys currently tracked.
  [[nodiscard]] std::size_t size() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::ratelimit
