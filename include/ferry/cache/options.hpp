// ferry/cache/options.hpp — settings of a cache<T>, as a plain aggregate with defaults.
//
// Every field has a default, so `cache_options{}` gives a 5-minute cache that never throws
// because Redis is down. `cache_options::from_env()` reads the variables the Python services
// used (CACHE_ENABLED, CACHE_DEFAULT_TTL) so a C++ port keeps their deployment knobs.
//
//   auto o = ferry::cache::cache_options::from_env();
//   o.negative_ttl = std::chrono::seconds{30};
//   o.near.enabled = true;                       // in-process LRU kept coherent by Redis
//   ferry::cache::cache<user> users{redis, "user_by_email:", o};
//
// The behaviour a reader would otherwise get wrong: with `throw_on_error = false` (default) a
// failed Redis call is counted and reported to the `observer`, and the cache answers as if the
// key were missing; that includes del(), so an invalidation can be lost while Redis is down.
//
// Thread safety: value type; thread-compatible.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <functional>

#include "ferry/core/error.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"

namespace ferry::cache {

/// Passed where a TTL goes to mean "no expiry" (templates, reference data).
struct forever_t {
  explicit constexpr forever_t() = default;
};
inline constexpr forever_t forever{};

/// The optional in-process LRU in front of Redis (see near cache in cache.hpp).
struct near_cache_options {
  /// Off by default: it costs one dedicated connection and one thread per cache.
  bool enabled = false;
  /// Upper bound on entries held in memory; the least recently used one is dropped first.
  std::size_t max_entries = 10000;
  /// How often the invalidation connection is checked with PING when it has been silent; a
  /// missing answer within the same interval counts as a lost connection.
  std::chrono::milliseconds health_interval{1000};
};

struct FERRY_API cache_options {
  /// false: every call is a pass-through (get misses, set does nothing, get_or_set just runs
  /// the loader), as CACHE_ENABLED=false did in the Python services.
  bool enabled = true;
  /// TTL of set() and get_or_set() without an explicit TTL. Must be positive.
  std::chrono::milliseconds default_ttl{std::chrono::minutes{5}};
  /// TTL of the "absent" marker stored when a loader returns std::nullopt. Must be positive.
  std::chrono::milliseconds negative_ttl{std::chrono::minutes{1}};
  /// false: Redis failures are counted and the cache degrades to the loader. true: they
  /// throw ferry::error (also while the circuit is open: errc::connection_failed).
  bool throw_on_error = false;
  /// After a connection-level failure the cache stops calling Redis for this long (circuit
  /// open), then lets one call through to probe it; so a dead or hung Redis costs at most one
  /// timeout per cool-down. Error replies (the server answered) and pool_exhausted (local
  /// contention) are counted but do not open it. Must be positive.
  std::chrono::milliseconds circuit_cooldown{std::chrono::seconds{5}};
  /// XFetch beta (probabilistic early recomputation): > 1 refreshes earlier, < 1 later,
  /// 0 never early. Must be >= 0.
  double early_refresh_beta = 1.0;
  /// The in-process near cache.
  near_cache_options near;
  /// Told (outside any lock) every Redis failure the cache absorbs or rethrows, as a
  /// ferry::error (component "cache", operation "redis"); for logs and metrics.
  ferry::observer observer{};
  /// Wall clock for entry expiry and early refresh; tests inject a fake one. Empty = system.
  /// Like `random`, called from any thread that uses the cache: must be thread-safe.
  std::function<std::chrono::system_clock::time_point()> clock;
  /// Uniform random numbers in (0, 1] for early refresh; tests inject fixed ones. Empty = a
  /// per-cache generator.
  std::function<double()> random;

  /// Reads CACHE_ENABLED (true/false, 1/0, yes/no, on/off; any case) and CACHE_DEFAULT_TTL
  /// (whole seconds > 0) through `getenv`; unset variables keep the defaults. Throws
  /// ferry::error(errc::config) naming the variable for a malformed value.
  [[nodiscard]] static cache_options from_env(
      const std::function<const char*(const char*)>& getenv = [](const char* name) {
        return std::getenv(name);
      });
};

}  // namespace ferry::cache
