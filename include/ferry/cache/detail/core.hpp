// ferry/cache/detail/core.hpp — the untyped engine behind cache<T>: Redis I/O with a circuit
// breaker, the stored-entry format, XFetch, single flight, the near cache and its
// invalidation thread, counters. cache<T> only adds codecs on top. Internal; not part of the
// API (names here may change).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ferry/cache/options.hpp"
#include "ferry/cache/stats.hpp"
#include "ferry/export.hpp"
#include "ferry/redis/client.hpp"

namespace ferry::cache {

/// Remaining lifetime of an entry, as ttl() reports it.
struct entry_ttl {
  /// True when the entry never expires (set_forever); `remaining` is then zero.
  bool forever = false;
  std::chrono::milliseconds remaining{0};
};

namespace detail {

using sys_time = std::chrono::system_clock::time_point;

/// What is stored in Redis for one key: a small text header, then the codec's bytes.
///   "~f1:v:<load ms>:<expiry unix ms or ->:<payload>"   a value
///   "~f1:n:<load ms>:<expiry unix ms or ->:"            the "absent" marker
/// The kind is in the header, so no payload can be mistaken for the absent marker; the load
/// time and expiry are what XFetch needs to decide on an early refresh.
struct envelope {
  bool negative = false;
  std::chrono::milliseconds delta{0};  ///< How long the loader took.
  std::optional<sys_time> expiry;      ///< nullopt: never expires.
  std::string_view payload;            ///< Codec bytes (empty for the absent marker).
};
[[nodiscard]] FERRY_API std::string encode_envelope(const envelope& e);
/// nullopt when `raw` is not an entry ferry wrote.
[[nodiscard]] FERRY_API std::optional<envelope> decode_envelope(std::string_view raw);

/// XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): refresh early when
/// now - delta * beta * ln(u) >= expiry, u uniform in (0, 1].
[[nodiscard]] FERRY_API bool xfetch_due(sys_time now, std::chrono::milliseconds delta, double beta,
                                        double u, std::optional<sys_time> expiry) noexcept;

/// One in-process load that concurrent callers of the same key wait for.
class FERRY_API flight {
 public:
  /// Blocks until the leader finishes; returns its result or rethrows its exception.
  std::shared_ptr<const void> wait();
  void finish(std::shared_ptr<const void> result, std::exception_ptr error);

 private:
  std::mutex mu_;
  std::condition_variable done_cv_;
  bool done_ = false;
  std::shared_ptr<const void> result_;
  std::exception_ptr error_;
};

class cache_core;

/// Registers a near-cache fill before its Redis read, so an invalidation that arrives while
/// the read is in flight prevents storing the (possibly stale) value. Inert when the near
/// cache is off.
class FERRY_API near_ticket {
 public:
  near_ticket() = default;
  near_ticket(near_ticket&& o) noexcept
      : owner_(std::exchange(o.owner_, nullptr)),
        key_(std::move(o.key_)),
        invalidations_(o.invalidations_),
        epoch_(o.epoch_) {}
  near_ticket& operator=(near_ticket&&) = delete;
  near_ticket(const near_ticket&) = delete;
  near_ticket& operator=(const near_ticket&) = delete;
  ~near_ticket();

 private:
  friend class cache_core;
  cache_core* owner_ = nullptr;
  std::string key_;
  std::uint64_t invalidations_ = 0;
  std::uint64_t epoch_ = 0;
};

/// A near-cache entry: the decoded value (nullptr for the absent marker) and XFetch data.
struct near_value {
  std::shared_ptr<const void> value;
  std::chrono::milliseconds delta{0};
  std::optional<sys_time> expiry;
};

/// What a near-cache hit read by `near_read` reports besides the value it copied out.
struct near_meta {
  bool absent = false;  ///< The entry is the "absent" marker (nothing was copied).
  std::chrono::milliseconds delta{0};
  std::optional<sys_time> expiry;
};
/// Copies the decoded value `value` (a const T*) into `out` (a std::optional<T>*); called with
/// the near cache's lock held, so a hit costs no reference-count traffic.
using near_copy_fn = void (*)(const void* value, void* out);

struct near_state;

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
  [[nodiscard]] near_ticket near_begin(const std::string& key);
  void near_put(near_ticket& ticket, near_value value);
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
  friend class near_ticket;
  friend struct near_state;

  template <class F>
  auto guarded(F&& f) -> std::optional<decltype(f())>;
  bool circuit_allows();
  void circuit_success() noexcept;
  void circuit_failure(const ferry::error& e);
  void near_release(near_ticket& t) noexcept;
  // Whether near_read/near_get can hit at all (on, and subscribed to invalidations).
  [[nodiscard]] bool near_active() const noexcept;
  // The time near-cache expiry is checked against: opts_.clock, else a coarse clock.
  [[nodiscard]] sys_time near_now() const;
  void tracker_loop();

  redis::client& client_;
  std::string ns_;
  cache_options opts_;

  // Circuit breaker: closed when open_until_ == 0 (steady_clock ticks otherwise).
  std::atomic<std::int64_t> open_until_{0};
  std::atomic<bool> probing_{false};

  std::mutex flights_mu_;
  std::unordered_map<std::string, std::shared_ptr<flight>> flights_;

  std::unique_ptr<near_state> near_;

  struct counters {
    std::atomic<std::uint64_t> hits{0}, near_hits{0}, misses{0}, loads{0}, load_failures{0},
        early_refreshes{0}, decode_failures{0}, errors{0}, circuit_trips{0}, skipped{0},
        near_invalidations{0}, load_time_us{0};
  } n_;
};

}  // namespace detail
}  // namespace ferry::cache
