// ferry/ratelimit/rate_limiter.hpp — the interface shared by the Redis limiter and the
// in-process limiter, so code (and its tests) can take either.
//
//   void handle(ferry::ratelimit::rate_limiter& limiter, const request& r) {
//     if (auto d = limiter.acquire("api:" + r.user, r.cost); !d) return reject(d.retry_after);
//     ...
//   }
//
// Thread safety: implementations are thread-safe.
// Errors: acquire() throws std::invalid_argument for an empty key or cost < 1; store failures
// are handled per the limiter's failure_mode (see redis_limiter.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "ferry/export.hpp"
#include "ferry/ratelimit/rate_decision.hpp"

namespace ferry::ratelimit {

class FERRY_API rate_limiter {
 public:
  virtual ~rate_limiter() = default;

  /// Checks every limit for `key` and, only if all admit `cost` units, records them.
  [[nodiscard]] virtual rate_decision acquire(std::string_view key, std::int64_t cost = 1) = 0;

  /// The limits enforced on every key.
  [[nodiscard]] virtual std::span<const rate_limit> limits() const noexcept = 0;

 protected:
  rate_limiter() = default;
  rate_limiter(const rate_limiter&) = default;
  rate_limiter& operator=(const rate_limiter&) = default;
};

}  // namespace ferry::ratelimit
