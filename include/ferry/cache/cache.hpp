// ferry/cache/cache.hpp — cache<T>: typed cache-aside over Redis, with single flight, early
// refresh, negative caching, graceful degradation and an optional coherent near cache.
//
// A cache<T> is bound to a redis::client and a namespace ("policy:", "user_by_email:"); every
// key it touches is that namespace followed by your key. Values go through codec<T>
// (ferry/codec.hpp; include ferry/codec_json.hpp for JSON types). The usual call is
// get_or_set(): return the cached value, or run the loader, cache its result and return it.
//
//   ferry::cache::cache<std::string> policy{redis, "policy:"};
//   auto verdict = policy.get_or_set(address, [&] { return db.check(address); },
//       [](const std::string& v) { return v == "OK" ? 300s : 60s; });   // TTL by value
//   policy.del(address);                                               // on change
//
// What happens on a miss, in order: the near cache (if on), then one Redis GET; on a miss
// the loader runs once per key per process however many threads ask (single flight: the
// others wait for its result, or its exception); its result is stored with the load time, so
// that readers in all processes recompute a hot key shortly *before* it expires, one at a
// time, instead of all at once after (XFetch). A loader returning std::optional<T> makes
// nullopt a cached answer too ("no such user"), kept for `negative_ttl`. If an early
// refresh's loader throws, the still-valid cached value is returned instead.
//
// The rule a reader would otherwise get wrong: by default the cache never throws because
// Redis is down or slow. A failed call counts an error, opens a circuit for
// `circuit_cooldown` during which Redis is not called at all, and the cache answers as if
// empty: get() misses, get_or_set() returns the loader's result. Stored entries carry a small
// header ("~f1:v:..."), so write them through a cache<T>, not raw SET; an entry that does not
// decode as T (written by another type or another program) is deleted and counted as a miss.
//
// Near cache (options.near.enabled): a bounded LRU of decoded values in this process, kept
// coherent by Redis server-assisted client-side caching. A dedicated connection and thread
// receive invalidations for the namespace (CLIENT TRACKING BCAST PREFIX), so a write from any
// process drops the local copy within milliseconds; if that connection is lost the near cache
// is emptied and bypassed until it is back. Writes made through this process also invalidate
// its own copies (they are refilled on the next read).
//
// Copies of a cache<T> share one cache (counters, near cache, in-flight loads).
// Thread safety: thread-safe. The redis::client must outlive the cache and its memoized
// functions.
// Errors: std::invalid_argument for an empty key, a non-positive TTL or bad options; a
// loader's exception propagates (to every caller waiting on that load); ferry::error from
// Redis only with `throw_on_error`; codec encode errors propagate from set().
#pragma once

#include <chrono>
#include <concepts>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "ferry/cache/detail/core.hpp"
#include "ferry/cache/memo_key.hpp"
#include "ferry/cache/options.hpp"
#include "ferry/cache/stats.hpp"
#include "ferry/core/codec.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/scan.hpp"

namespace ferry::cache {

namespace detail {
template <class X>
struct is_optional : std::false_type {};
template <class X>
struct is_optional<std::optional<X>> : std::true_type {};

inline std::chrono::milliseconds checked_ttl(std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) throw std::invalid_argument("cache TTL must be positive");
  return ttl;
}

/// A TTL argument: a duration, `forever`, or a callable (const T&) -> either of those.
/// Returns nullopt for "no expiry".
template <class T, class Ttl>
std::optional<std::chrono::milliseconds> ttl_for(const Ttl& ttl, const T& value) {
  if constexpr (std::is_same_v<Ttl, forever_t>) {
    return std::nullopt;
  } else if constexpr (std::is_convertible_v<Ttl, std::chrono::milliseconds>) {
    return checked_ttl(ttl);
  } else {
    static_assert(std::is_invocable_v<const Ttl&, const T&>,
                  "TTL must be a duration, ferry::cache::forever, or a callable taking const T&");
    return ttl_for<T>(std::invoke(ttl, value), value);
  }
}
}  // namespace detail

template <class T>
class cache {
  static_assert(has_codec<T>,
                "cache<T> needs a ferry::codec<T> (include ferry/codec_json.hpp "
                "for JSON types, or specialise ferry::codec)");

 public:
  using value_type = T;

  /// Binds the namespace `ns` (non-empty; include the separator: "policy:"). Connects
  /// nothing until the first call, except the near cache's invalidation connection.
  cache(redis::client& client, std::string ns, cache_options opts = {})
      : core_(std::make_shared<detail::cache_core>(client, std::move(ns), std::move(opts))) {}

  /// The value, or nullopt on a miss, a cached "absent", an undecodable entry or (unless
  /// throw_on_error) a Redis failure. One GET unless the near cache has it.
  [[nodiscard]] std::optional<T> get(std::string_view key) {
    if (!core_->enabled()) return std::nullopt;
    if (!key.empty()) {
      // The hot path: copied out under the near cache's lock, no key built, no refcounting.
      std::optional<T> out;
      if (core_->near_read(key, &copy_out, &out)) {
        core_->count_hit(true);
        return out;
      }
    }
    auto f = fetch(core_->full_key(key), false);
    if (!f.value) return std::nullopt;
    return *f.value;
  }

  /// Like get(), but shares the cached object instead of copying it: nullptr for a miss, a
  /// cached "absent" or (unless throw_on_error) a Redis failure. A near-cache hit then costs
  /// no allocation at all; worth it for large values read often. Never modify through it.
  [[nodiscard]] std::shared_ptr<const T> get_shared(std::string_view key) {
    if (!core_->enabled()) return nullptr;
    if (!key.empty()) {
      if (auto n = core_->near_get(key)) {
        core_->count_hit(true);
        return std::static_pointer_cast<const T>(std::move(n->value));
      }
    }
    return fetch(core_->full_key(key), false).value;
  }

  /// The near cache's copy of `key`, never asking Redis: for a caller that must not block
  /// (an event loop) and falls back to get()/get_or_set() elsewhere. nullopt when the near
  /// cache is off or not yet subscribed, does not hold the key, holds the "absent" marker, or
  /// XFetch says the entry is due for an early refresh (so the fallback refreshes it).
  /// A value returned counts as a near hit; nullopt counts nothing.
  [[nodiscard]] std::optional<T> get_if_near(std::string_view key) {
    if (!core_->enabled() || key.empty()) return std::nullopt;
    std::optional<T> out;
    auto meta = core_->near_read(key, &copy_out, &out);
    if (!meta || meta->absent || core_->refresh_early(meta->delta, meta->expiry)) {
      return std::nullopt;
    }
    core_->count_hit(true);
    return out;
  }

  /// Stores `value` for `default_ttl`. Returns false when Redis was unavailable.
  bool set(std::string_view key, const T& value) {
    return set(key, value, core_->opts().default_ttl);
  }
  /// Stores `value` for `ttl` (positive).
  bool set(std::string_view key, const T& value, std::chrono::milliseconds ttl) {
    return store(key, value, detail::checked_ttl(ttl));
  }
  /// Stores `value` with no expiry (removed only by del/del_pattern or eviction).
  bool set_forever(std::string_view key, const T& value) { return store(key, value, std::nullopt); }

  /// Removes the entry; true if it existed. While Redis is down this is lost (and counted).
  bool del(std::string_view key) {
    if (!core_->enabled()) return false;
    return core_->del(core_->full_key(key));
  }
  /// Whether Redis holds an entry for `key` (a cached "absent" counts).
  [[nodiscard]] bool exists(std::string_view key) {
    if (!core_->enabled()) return false;
    return core_->exists(core_->full_key(key));
  }
  /// Remaining lifetime; nullopt when there is no entry (or Redis is unavailable).
  [[nodiscard]] std::optional<entry_ttl> ttl(std::string_view key) {
    if (!core_->enabled()) return std::nullopt;
    return core_->ttl(core_->full_key(key));
  }

  /// One MGET for all keys (near-cache hits are not asked); results in the order of `keys`.
  [[nodiscard]] std::vector<std::optional<T>> get_many(const std::vector<std::string>& keys) {
    std::vector<std::optional<T>> out(keys.size());
    if (!core_->enabled()) return out;
    std::vector<std::string> full;
    std::vector<std::size_t> where;
    std::vector<detail::near_ticket> tickets;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (auto n = core_->near_get(keys[i])) {
        core_->count_hit(true);
        if (n->value) out[i] = *std::static_pointer_cast<const T>(n->value);
        continue;
      }
      std::string k = core_->full_key(keys[i]);
      tickets.push_back(core_->near_begin(k));
      full.push_back(std::move(k));
      where.push_back(i);
    }
    auto got = core_->get_many(full);
    for (std::size_t j = 0; j < got.size(); ++j) {
      if (auto v = accept(full[j], got[j], tickets[j])) out[where[j]] = **v;
    }
    return out;
  }

  /// Stores every item with `ttl` in one pipelined round trip. false when Redis was
  /// unavailable.
  bool set_many(const std::vector<std::pair<std::string, T>>& items,
                std::chrono::milliseconds ttl) {
    detail::checked_ttl(ttl);
    if (!core_->enabled()) return false;
    std::vector<std::pair<std::string, std::string>> raw;
    raw.reserve(items.size());
    auto expiry = core_->now() + ttl;
    for (const auto& [k, v] : items) {
      std::string payload = codec<T>::encode(v);
      raw.emplace_back(
          core_->full_key(k),
          detail::encode_envelope({false, std::chrono::milliseconds{0}, expiry, payload}));
    }
    return core_->set_many(raw, ttl);
  }

  /// Deletes every entry whose key (after the namespace) matches the Redis glob `pattern`,
  /// with SCAN + UNLINK in batches; returns how many were removed. The namespace is escaped
  /// for you; escape user text in `pattern` with redis::escape_glob():
  ///   graphs.del_pattern(ferry::redis::escape_glob(job_id) + ":*");
  std::size_t del_pattern(std::string_view pattern) {
    if (!core_->enabled()) return 0;
    if (pattern.empty()) throw std::invalid_argument("del_pattern needs a pattern");
    return core_->del_pattern(pattern);
  }
  /// Deletes every entry whose key (after the namespace) starts with `text`, taken literally
  /// (glob characters in it are escaped): graphs.del_prefix(job_id + ":").
  std::size_t del_prefix(std::string_view text) {
    if (!core_->enabled()) return 0;
    return core_->del_pattern(redis::escape_glob(text) + "*");
  }
  /// Deletes every entry of this namespace.
  std::size_t clear() { return enabled() ? core_->del_pattern("*") : 0; }

  /// The cached value, or the loader's result (then cached for `default_ttl`). If the loader
  /// returns std::optional<T>, nullopt is cached for `negative_ttl` and returned as nullopt.
  template <class Loader>
  auto get_or_set(std::string_view key, Loader&& loader) {
    return get_or_set(key, std::forward<Loader>(loader), core_->opts().default_ttl);
  }
  /// Same with a TTL: a duration, `ferry::cache::forever`, or a callable
  /// `(const T&) -> duration` so the TTL can depend on the value (OK 300 s, REJECT 60 s).
  template <class Loader, class Ttl>
  auto get_or_set(std::string_view key, Loader&& loader, const Ttl& ttl) {
    using R = std::invoke_result_t<Loader&>;
    constexpr bool optional_result = detail::is_optional<std::remove_cvref_t<R>>::value;
    if constexpr (optional_result) {
      static_assert(std::is_convertible_v<typename std::remove_cvref_t<R>::value_type, T>,
                    "the loader must return T or std::optional<T>");
      return load_through(key, loader, ttl, true);
    } else {
      static_assert(std::is_convertible_v<R, T>, "the loader must return T or std::optional<T>");
      return std::move(*load_through(key, loader, ttl, false));
    }
  }

  /// A function with fn's signature that caches its results here under
  /// "<namespace>memo:<name>:<hash of the arguments>" (see memo_key.hpp). `ttl` as for
  /// get_or_set. fn must return T or std::optional<T>; arguments need codecs.
  template <class Fn, class Ttl>
  [[nodiscard]] auto memoize(std::string name, const Ttl& ttl, Fn fn) {
    if (name.empty()) throw std::invalid_argument("memoize name must not be empty");
    return memoized(std::move(name), ttl, std::function{std::move(fn)});
  }

  /// Counters of this cache (see stats.hpp).
  [[nodiscard]] cache_stats stats() const { return core_->stats(); }
  /// The namespace.
  [[nodiscard]] const std::string& name() const noexcept { return core_->ns(); }
  [[nodiscard]] bool enabled() const noexcept { return core_->enabled(); }

 private:
  struct found {
    bool hit = false;                // the cache answered (value or "absent")
    std::shared_ptr<const T> value;  // nullptr for a miss or "absent"
    bool early = false;              // XFetch says: recompute now
  };

  template <class Ttl, class R, class... Args>
  std::function<R(Args...)> memoized(std::string name, Ttl ttl, std::function<R(Args...)> fn) {
    return
        [self = *this, name = std::move(name), ttl, fn = std::move(fn)](Args... args) mutable -> R {
          std::string key = memo_key(name, args...);
          return self.get_or_set(
              key, [&]() -> R { return fn(args...); }, ttl);
        };
  }

  bool store(std::string_view key, const T& value, std::optional<std::chrono::milliseconds> ttl) {
    if (!core_->enabled()) return false;
    std::string full = core_->full_key(key);
    std::string payload = codec<T>::encode(value);
    std::optional<detail::sys_time> expiry;
    if (ttl) expiry = core_->now() + *ttl;
    return core_->set(
        full, detail::encode_envelope({false, std::chrono::milliseconds{0}, expiry, payload}), ttl);
  }

  // Decodes one fetched entry; fills the near cache. nullopt = miss; a pointer to nullptr =
  // cached "absent".
  std::optional<std::shared_ptr<const T>> accept(const std::string& full,
                                                 const detail::cache_core::fetched& f,
                                                 detail::near_ticket& ticket,
                                                 found* out = nullptr) {
    if (f.status != detail::cache_core::fetch_status::hit) {
      core_->count_miss();
      return std::nullopt;
    }
    auto env = detail::decode_envelope(f.raw);
    std::shared_ptr<const T> value;
    if (env && !env->negative) {
      try {
        value = std::make_shared<const T>(codec<T>::decode(env->payload));
      } catch (const std::exception&) {
        env.reset();
      }
    }
    if (!env) {
      core_->decode_failed(full, f.raw);
      core_->count_miss();
      return std::nullopt;
    }
    core_->near_put(ticket, {value, env->delta, env->expiry});
    core_->count_hit(false);
    if (out != nullptr) *out = {true, value, core_->refresh_early(env->delta, env->expiry)};
    return value;
  }

  static void copy_out(const void* value, void* out) {
    static_cast<std::optional<T>*>(out)->emplace(*static_cast<const T*>(value));
  }

  found lookup(const std::string& full, bool xfetch) {
    if (auto n = core_->near_get(core_->local_key(full))) {
      core_->count_hit(true);
      return {true, std::static_pointer_cast<const T>(n->value),
              xfetch && core_->refresh_early(n->delta, n->expiry)};
    }
    return fetch(full, xfetch);
  }

  // lookup() past the near cache: one GET (the near cache is filled from it).
  found fetch(const std::string& full, bool xfetch) {
    auto ticket = core_->near_begin(full);
    auto f = core_->get(full);
    found out;
    accept(full, f, ticket, &out);
    if (!xfetch) out.early = false;
    return out;
  }

  template <class Loader, class Ttl>
  std::optional<T> load_through(std::string_view key, Loader& loader, const Ttl& ttl,
                                bool negative_allowed) {
    if (!core_->enabled()) {
      if constexpr (detail::is_optional<
                        std::remove_cvref_t<std::invoke_result_t<Loader&>>>::value) {
        return std::invoke(loader);
      } else {
        return std::optional<T>(std::invoke(loader));
      }
    }
    std::string full = core_->full_key(key);
    found f = lookup(full, true);
    bool usable = f.hit && (f.value || negative_allowed);
    if (usable && !f.early) return f.value ? std::optional<T>(*f.value) : std::nullopt;

    auto [fl, leader] = core_->join(full);
    if (!leader) {
      // Someone in this process is already recomputing; a still-valid value is good enough.
      if (usable) return f.value ? std::optional<T>(*f.value) : std::nullopt;
      auto r = std::static_pointer_cast<const std::optional<T>>(fl->wait());
      if (!*r && !negative_allowed) {
        throw std::logic_error("cache: a loader returning T met a cached std::nullopt");
      }
      return *r;
    }

    std::shared_ptr<const std::optional<T>> result;
    auto start = std::chrono::steady_clock::now();
    try {
      if constexpr (detail::is_optional<
                        std::remove_cvref_t<std::invoke_result_t<Loader&>>>::value) {
        result = std::make_shared<const std::optional<T>>(std::invoke(loader));
      } else {
        result = std::make_shared<const std::optional<T>>(std::in_place, std::invoke(loader));
      }
    } catch (...) {
      core_->count_load(std::chrono::steady_clock::now() - start, true, usable);
      core_->land(full, fl, nullptr, std::current_exception());
      // An early refresh that fails still has a valid value to serve.
      if (usable) return f.value ? std::optional<T>(*f.value) : std::nullopt;
      throw;
    }
    auto took = std::chrono::steady_clock::now() - start;
    core_->count_load(took, false, usable);
    std::string raw;
    std::optional<std::chrono::milliseconds> life;
    bool encoded = true;
    try {
      auto delta = std::chrono::duration_cast<std::chrono::milliseconds>(took);
      if (*result) {
        life = detail::ttl_for<T>(ttl, **result);
        std::string payload = codec<T>::encode(**result);
        std::optional<detail::sys_time> expiry;
        if (life) expiry = core_->now() + *life;
        raw = detail::encode_envelope({false, delta, expiry, payload});
      } else {
        life = core_->opts().negative_ttl;
        raw = detail::encode_envelope({true, delta, core_->now() + *life, {}});
      }
    } catch (const ferry::error& e) {
      core_->report_error(e);  // a value the codec cannot encode: served, not cached
      encoded = false;
    } catch (...) {
      core_->land(full, fl, nullptr, std::current_exception());
      throw;
    }
    if (encoded) {
      try {
        core_->set(full, raw, life);
      } catch (...) {  // throw_on_error: the waiters still get the value, this caller the error
        core_->land(full, fl, result, nullptr);
        throw;
      }
    }
    core_->land(full, fl, result, nullptr);
    return *result;
  }

  std::shared_ptr<detail::cache_core> core_;
};

}  // namespace ferry::cache
