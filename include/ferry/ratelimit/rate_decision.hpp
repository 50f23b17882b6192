// ferry/ratelimit/rate_decision.hpp — the limits a limiter enforces and the answer it gives.
//
// A `rate_limit` is "count per window" (5 per 5 min). A limiter may enforce several on one key
// (5 per 5 min AND 100 per day): a request is admitted only if every limit admits it, and a
// denied request is recorded against none of them.
//
// A denial is not an error: it is a `rate_decision` with `allowed == false` and a
// `retry_after` hint, to send back as HTTP 429 + Retry-After.
//
//   if (auto d = limiter.acquire("login:" + ip); !d) reply_429(d.retry_after);
//
// Thread safety: value types; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace ferry::ratelimit {

/// At most `count` units per `window`. Both must be positive.
struct rate_limit {
  std::int64_t count = 0;
  std::chrono::milliseconds window{0};
};

/// Which bookkeeping a limiter uses; see docs/ratelimit.md for the trade-offs.
enum class algorithm {
  /// Exact: never more than `count` in ANY window of length `window`. Memory O(count) per key
  /// (a sorted set of admitted timestamps).
  sliding_log,
  /// Approximate, O(1) memory: the previous fixed window's count weighted by how much of it
  /// still overlaps the sliding window, plus the current window's count. Never more than
  /// `count` per aligned fixed window; in an arbitrary sliding window at most
  /// (1 + f) * count < 2 * count, where f is how far into the current fixed window it ends
  /// (reached only when traffic bursts at window edges; close to exact for spread traffic).
  sliding_window,
  /// A counter that starts at the first request and expires after `window` (INCR + PEXPIRE).
  /// Cheapest; allows up to 2 * count across the boundary of two consecutive windows.
  fixed_window,
};

/// What happens when the limiter's store (Redis) cannot be reached.
enum class failure_mode {
  open,    ///< Admit, marked `degraded` (availability over protection). The default.
  closed,  ///< Deny, marked `degraded` (protection over availability).
};

/// The answer to one acquire(). With several limits, `limit`, `remaining`, `count` and
/// `reset_after` describe the most constraining one.
struct rate_decision {
  bool allowed = false;
  /// The binding limit's `count`.
  std::int64_t limit = 0;
  /// Units still available in its window after this decision.
  std::int64_t remaining = 0;
  /// Units used in its window after this decision (the "current count"; an estimate
  /// for sliding_window).
  std::int64_t count = 0;
  /// When denied: how long until the same request could be admitted, if nothing else comes
  /// in; milliseconds::max() when it never can (cost larger than a limit). 0 when allowed.
  std::chrono::milliseconds retry_after{0};
  /// How long until the binding limit's window holds nothing again.
  std::chrono::milliseconds reset_after{0};
  /// True when the store failed and the decision comes from the failure_mode.
  bool degraded = false;
  /// The instant of the decision on the store's clock in microseconds since the Unix epoch
  /// (Redis TIME), when there was one; sliding_log records exactly this instant.
  std::optional<std::int64_t> decided_at_us{};

  explicit operator bool() const noexcept { return allowed; }
};

}  // namespace ferry::ratelimit
