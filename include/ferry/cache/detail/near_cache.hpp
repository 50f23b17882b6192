// ferry/cache/detail/near_cache.hpp — the near cache's storage: a bounded LRU of decoded values
// in this process, and the bookkeeping that keeps an invalidation from being undone by a read
// that was already in flight. Internal to cache<T>; not part of the API (names may change).
//
// cache_core owns one (when options.near.enabled) and feeds it the invalidations its tracking
// connection receives; this class does no I/O and reads no clock (callers pass `now`), so it
// unit-tests alone. Keys are the cache's keys WITHOUT its namespace.
//
//   near_cache near{10000};
//   near.set_active(true);                       // subscribed to invalidations
//   auto ticket = near.begin("user:1");          // before the Redis read
//   ... GET ...
//   near.put(ticket, {value, load_time, expiry});  // dropped if "user:1" was invalidated since
//   auto hit = near.get("user:1", now);
//
// The rule a reader would otherwise get wrong: a fill must begin() BEFORE its read from Redis.
// An invalidation (erase, flush) that arrives between begin() and put() makes put() drop the
// value, which may be older than the write that caused the invalidation. While inactive (not
// subscribed) nothing is stored or found.
//
// Thread safety: thread-safe (one mutex; a hit copies out under it).
// Errors: nothing throws but std::bad_alloc (and what `copy` throws).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "ferry/cache/detail/envelope.hpp"
#include "ferry/export.hpp"

namespace ferry::cache::detail {

/// A near-cache entry: the decoded value (nullptr for the absent marker) and XFetch data.
struct near_value {
  std::shared_ptr<const void> value;
  std::chrono::milliseconds delta{0};
  std::optional<sys_time> expiry;
};

/// What a near-cache hit read by `near_cache::read` reports besides the value it copied out.
struct near_meta {
  bool absent = false;  ///< The entry is the "absent" marker (nothing was copied).
  std::chrono::milliseconds delta{0};
  std::optional<sys_time> expiry;
};
/// Copies the decoded value `value` (a const T*) into `out` (a std::optional<T>*); called with
/// the near cache's lock held, so a hit costs no reference-count traffic.
using near_copy_fn = void (*)(const void* value, void* out);

class near_cache;

/// Registers a near-cache fill before its Redis read, so an invalidation that arrives while
/// the read is in flight prevents storing the (possibly stale) value. Inert when the near
/// cache is off or inactive. Move-only; releases its registration when destroyed.
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
  friend class near_cache;
  near_cache* owner_ = nullptr;
  std::string key_;
  std::uint64_t invalidations_ = 0;
  std::uint64_t epoch_ = 0;
};

class FERRY_API near_cache {
 public:
  /// Holds at most `max_entries` (> 0) entries. Starts inactive.
  explicit near_cache(std::size_t max_entries);
  near_cache(const near_cache&) = delete;
  near_cache& operator=(const near_cache&) = delete;

  /// Whether get/read can hit at all (subscribed to invalidations).
  [[nodiscard]] bool active() const noexcept { return active_.load(std::memory_order_relaxed); }
  /// Empties the cache and turns it on or off (on: the subscription is (re)established, and
  /// anything cached before may have changed unseen; off: it is lost).
  void set_active(bool on);

  /// The live entry for `key`, or nullopt (an entry expired at `now` is dropped).
  [[nodiscard]] std::optional<near_value> get(std::string_view key, sys_time now);
  /// The hot path: on a hit copies a present value out through `copy` and returns its
  /// metadata; nullopt on a miss.
  [[nodiscard]] std::optional<near_meta> read(std::string_view key, sys_time now, near_copy_fn copy,
                                              void* out);

  /// Starts a fill of `key` (before reading it from Redis); inert when inactive.
  [[nodiscard]] near_ticket begin(std::string_view key);
  /// Stores `value` for the ticket's key unless it was invalidated (or everything was
  /// flushed, or the cache went inactive) since begin(); releases the ticket either way.
  void put(near_ticket& ticket, near_value value);

  /// Drops `key` and spoils fills of it in flight.
  void erase(std::string_view key);
  /// erase() for each key, under one lock.
  void erase(std::span<const std::string_view> keys);
  /// Drops everything and spoils every fill in flight.
  void flush();

  /// Entries held.
  [[nodiscard]] std::size_t size() const;
  [[nodiscard]] std::size_t max_entries() const noexcept { return max_entries_; }

 private:
  friend class near_ticket;

  struct entry {
    std::string key;
    near_value value;
    std::uint64_t stamp = 0;  // `moves_` when it last went to the front
  };
  using lru_list = std::list<entry>;
  struct inflight {
    std::size_t refs = 0;
    std::uint64_t invalidations = 0;
  };
  // Heterogeneous lookup: a hit is found by string_view, without building a std::string.
  struct key_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view k) const noexcept {
      return std::hash<std::string_view>{}(k);
    }
  };
  template <class V>
  using by_key = std::unordered_map<std::string, V, key_hash, std::equal_to<>>;

  void release(near_ticket& t) noexcept;
  void touch_locked(lru_list::iterator it);
  entry* find_live_locked(std::string_view key, sys_time now);
  void erase_locked(std::string_view key);
  void flush_locked();

  const std::size_t max_entries_;
  mutable std::mutex mu_;
  lru_list lru_;  // most recently used first
  by_key<lru_list::iterator> index_;
  by_key<inflight> reads_;           // Redis reads that may fill the cache
  std::uint64_t epoch_ = 0;          // bumped by every flush
  std::uint64_t moves_ = 0;          // entries moved to the front so far
  std::atomic<bool> active_{false};  // written under mu_
};

}  // namespace ferry::cache::detail
