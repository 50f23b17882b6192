// ferry/cache/stats.hpp — counters of one cache<T>, for health and admin endpoints.
//
// A snapshot: each counter is read atomically, but not all at one instant. Hits count every
// answer served from the cache (near or Redis, including cached "absent" markers); misses
// count lookups that found nothing usable (also while Redis is unreachable). `near_hits` is
// the part of `hits` that never reached Redis.
//
// Thread safety: value type; thread-compatible.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ferry::cache {

struct cache_stats {
  std::string name;              ///< The cache's namespace, e.g. "policy:".
  bool enabled = true;           ///< false = pass-through (CACHE_ENABLED=false).
  bool circuit_open = false;     ///< Redis calls are currently skipped after a failure.
  bool near_enabled = false;     ///< The near cache is configured...
  bool near_active = false;      ///< ...and currently subscribed to invalidations.
  std::size_t near_entries = 0;  ///< Entries held in the near cache now.

  std::uint64_t hits = 0;                ///< Lookups answered from the cache (near or Redis).
  std::uint64_t near_hits = 0;           ///< Of those, answered in-process.
  std::uint64_t misses = 0;              ///< Lookups that found nothing usable.
  std::uint64_t loads = 0;               ///< Loader runs (misses and early refreshes).
  std::uint64_t load_failures = 0;       ///< Loader runs that threw.
  std::uint64_t early_refreshes = 0;     ///< Loads started early by XFetch before expiry.
  std::uint64_t decode_failures = 0;     ///< Entries that no longer decoded (deleted, missed).
  std::uint64_t errors = 0;              ///< Redis failures (each also trips the circuit).
  std::uint64_t circuit_trips = 0;       ///< Times the circuit opened.
  std::uint64_t skipped = 0;             ///< Redis calls skipped because the circuit was open.
  std::uint64_t near_invalidations = 0;  ///< Keys dropped from the near cache by Redis.
  std::chrono::microseconds load_time_total{0};  ///< Time spent in loaders.

  /// hits / (hits + misses); 0 before the first lookup.
  [[nodiscard]] double hit_rate() const noexcept {
    auto total = hits + misses;
    return total == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(total);
  }
  /// Mean loader time; 0 before the first load.
  [[nodiscard]] std::chrono::microseconds load_time_avg() const noexcept {
    return loads == 0 ? std::chrono::microseconds{0}
                      : load_time_total / static_cast<std::int64_t>(loads);
  }
};

}  // namespace ferry::cache
