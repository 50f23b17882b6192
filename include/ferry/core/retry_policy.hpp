// ferry/core/retry_policy.hpp — how many times to try, and how long to wait between tries.
//
// A pure value type shared by the Redis queue and the AMQP consumer/publisher: it does no I/O
// and reads no clock, so it unit-tests without a server. Attempts are numbered from 1: attempt 1
// is the first try; `delay_for(n, rng)` is the wait *after* attempt n failed, before attempt n+1.
//
// Backoff is exponential from `base` (base * multiplier^(n-1)), capped at `cap`. Jitter spreads
// retries of many clients so they do not hit a recovering server at the same instant:
//   - jitter_mode::full  : uniform in [0, d]        (AWS "full jitter"; lowest load, may be ~0)
//   - jitter_mode::equal : uniform in [d/2, d]      (never shorter than half the nominal delay)
//   - jitter_mode::none  : exactly d
// where d is the capped nominal delay. The default is equal jitter.
//
//   ferry::retry_policy policy;            // 3 attempts, 60 s base, 1 h cap, equal jitter
//   std::mt19937_64 rng{std::random_device{}()};
//   if (policy.should_retry(attempt)) sleep_for(policy.delay_for(attempt, rng));
//
// Thread safety: value type; thread-compatible (the rng passed in is the caller's).
// Errors: none; `validate()` throws std::invalid_argument for nonsensical settings.
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

#include "ferry/export.hpp"

namespace ferry {

/// How a delay is randomised; see the file comment.
enum class jitter_mode { none, full, equal };

/// Attempts + exponential backoff + jitter. An aggregate: set only what you need.
struct FERRY_API retry_policy {
  /// Total tries including the first; 1 means "never retry". Must be >= 1.
  int max_attempts = 3;
  /// Nominal delay after the first failure.
  std::chrono::milliseconds base = std::chrono::seconds(60);
  /// Upper bound on any nominal delay.
  std::chrono::milliseconds cap = std::chrono::hours(1);
  /// Growth factor per attempt (>= 1.0).
  double multiplier = 2.0;
  /// How the nominal delay is randomised.
  jitter_mode jitter = jitter_mode::equal;

  /// Throws std::invalid_argument if a field is out of range.
  void validate() const;

  /// True if, after attempt `attempt` (1-based) failed, another attempt is allowed.
  [[nodiscard]] bool should_retry(int attempt) const noexcept { return attempt < max_attempts; }

  /// The capped delay after attempt `attempt` failed, without jitter (attempt < 1 counts as 1).
  /// Deterministic: the AMQP consumer uses it to name one TTL queue per delay.
  [[nodiscard]] std::chrono::milliseconds nominal_delay(int attempt) const noexcept;

  /// The jittered delay after attempt `attempt` failed, drawn from `rng`.
  [[nodiscard]] std::chrono::milliseconds delay_for(int attempt, std::mt19937_64& rng) const;
};

}  // namespace ferry
