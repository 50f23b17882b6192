// ferry/cache/detail/core.hpp — the untyped engine behind cache<T>: Redis I/O behind a circuit
// breaker, single flight, the near cache and its invalidation thread, XFetch, counters.
// cache<T> only adds codecs on top. Internal; not part of the API (names here may change).
//
// The parts live in their own files (ferry/core/circuit_breaker.hpp, single_flight.hpp,
// near_cache.hpp, envelope.hpp); this class composes them behind a pimpl, so its header shows
// only what cache<T> calls.
//
// Thread safety: thread-safe.
// Errors: the constructor throws std::invalid_argument for bad options or an empty
// namespace; Redis operations throw ferry::error only with `throw_on_error`.
#pragma once

#include <chrono>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/cache/detail/envelope.hpp"
#include "ferry/cache/detail/near_cache.hpp"
#include "ferry/cache/detail/single_flight.hpp"
#include "ferry/cache/options.hpp"
#include "ferry/cache/stats.hpp"
#include "ferry/export.hpp"

namespace ferry::redis {
class client;
}  // namespace ferry::redis

namespace ferry::cache {

/// Remaining lifetime of an entry, as ttl() reports it.
struct entry_ttl {
  /// True when the entry never expires (set_forever); `remaining` is then zero.
  bool forever = false;
  std::chrono::milliseconds remaining{0};
};

namespace detail {

class FERRY_API cache_core {
 public:
  cache_core(redis::client& client, std::string ns, cache_options opts);
  ~cache_core();
  cache_core(const cache_core&) = delete;
  cache_core& operator=(const cache_core&) = delete;

  [[nodiscard]] const std::string& ns() const noexcept { return ns_; }
  [[nodiscard]] const cache_options& opts() const noexcept { return opts_; }
  [[nodiscard]] bool enabled() const noexcept { return opts_.enabled; }
  /// ns + key; std::invalid_argument for an empty key.
  [[nodiscard]] std::string full_key(std::string_view key) const;
  [[nodiscard]] sys_time now() const;
  /// Whether a hit with this load time and expiry should be recomputed now (XFetch).
  [[nodiscard]] bool refresh_early(std::chrono::milliseconds delta,
                                   const std::optional<sys_time>& expiry);

  // --- Redis, behind the circuit breaker ------------------------------------------------------
  // With throw_on_error=false these never throw ferry::error: unavailable = nullopt/false.

  enum class fetch_status { hit, miss, unavailable };
  struct fetched {
    fetch_status status = fetch_status::miss;
    std::string raw;
  };
  fetched get(const std::string& key);
  std::vector<fetched> get_many(const std::vector<std::string>& keys);
  /// SET with PX ttl, or without expiry for nullopt. false when Redis was unavailable.
  bool set(const std::string& key, const std::string& raw,
           std::optional<std::chrono::milliseconds> ttl);
  bool set_many(const std::vector<std::pair<std::string, std::string>>& items,
                std::optional<std::chrono::milliseconds> ttl);
  bool del(const std::string& key);
  bool exists(const std::string& key);
  std::optional<entry_ttl> ttl(const std::string& key);
  /// SCAN + UNLINK of ns-escaped + `glob`; also empties the near cache.
  std::size_t del_pattern(std::string_view glob);
  /// Counts the failure and deletes `key` if it still holds `raw` (a concurrent writer's new
  /// value is left alone).
  void decode_failed(const std::string& key, const std::string& raw);
  /// Counts an error that is not Redis' fault (a value that does not encode) and reports it.
  void report_error(const ferry::error& e);

  // --- near cache ------------------------------------------------------------------------------
  // Entries are indexed by the key without the namespace (every key of a cache shares it), so
  // a hit needs neither the full key nor an allocation.
  /// The entry for `key` (WITHOUT the namespace), or nullopt.
  [[nodiscard]] std::optional<near_value> near_get(std::string_view key);
  /// `full` without the namespace (as the near cache indexes it).
  [[nodiscard]] std::string_view local_key(std::string_view full) const noexcept;
  /// The hot path of get(): on a hit for `key` (without the namespace) copies a present value
  /// out through `copy` and returns its metadata; nullopt on a miss. Does not count.
  [[nodiscard]] std::optional<near_meta> near_read(std::string_view key, near_copy_fn copy,
                                                   void* out);
  /// Starts a near-cache fill of `key` (the full key), before its Redis read.
  [[nodiscard]] near_ticket near_begin(const std::string& key);
  void near_put(near_ticket& ticket, near_value value);
  /// Drops `key` (the full key) from the near cache.
  void near_erase(const std::string& key);

  // --- single flight ---------------------------------------------------------------------------
  /// The flight for `key` and whether the caller leads it (runs the loader).
  std::pair<std::shared_ptr<flight>, bool> join(const std::string& key);
  /// Removes the flight (so later callers read the stored value) and wakes its waiters.
  void land(const std::string& key, const std::shared_ptr<flight>& f,
            std::shared_ptr<const void> result, std::exception_ptr error);

  // --- counters --------------------------------------------------------------------------------
  void count_hit(bool near) noexcept;
  void count_miss() noexcept;
  void count_load(std::chrono::steady_clock::duration took, bool failed, bool early) noexcept;
  [[nodiscard]] cache_stats stats() const;

 private:
  struct impl;

  std::string ns_;
  cache_options opts_;
  std::unique_ptr<impl> impl_;
};

}  // namespace detail
}  // namespace ferry::cache
