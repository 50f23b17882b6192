// ferry/postfix/redis/cached_directory.hpp — a Redis cache in front of a recipient directory:
// a policy service answers most RCPT requests without touching its database.
//
// Each answer is cached under `prefix` + address ("policy:known@example.com") as the
// directory's answer (active, inactive or unknown), not as Postfix's action text, so changing
// the action texts never needs a cache flush. Accepting answers live `ok_ttl` (300 s),
// rejecting ones (unknown or inactive) `reject_ttl` (60 s). Whoever changes the directory
// calls forget() for each address it changed, so a change is seen at the next RCPT rather
// than after a TTL.
//
//   auto redis = std::make_shared<ferry::redis::client>("redis://cache:6379");
//   ferry::postfix::redis::cached_directory cached(sql_dir, redis, {.near_entries = 10000});
//   ferry::postfix::recipient_policy policy(cached);
//   ...
//   sql_dir->set_active("a@example.com", false);
//   cached.forget("a@example.com");  // every instance sees it at its next lookup
//
// With `near_entries` > 0 the cache keeps a bounded in-process copy of the answers it has read
// (ferry::cache's near cache), kept coherent by Redis CLIENT TRACKING: a forget() anywhere
// deletes the Redis key, and every process drops its copy within milliseconds. lookup_now()
// answers from that copy without blocking, so a policy_server answers such requests on its
// event loop.
//
// The rule a reader would get wrong: Redis being down or slow never fails a lookup. The cache
// answers from the directory, counts the error (stats().errors), and its circuit breaker
// leaves Redis alone for a cool-down. A directory failure does propagate (recipient_policy
// answers DEFER_IF_PERMIT), and a failed lookup is never cached as "unknown". Each Redis
// failure goes to the observer's error hook; a warning line ("Redis cache: ...; answering
// from the directory meanwhile") is logged at most once a minute. readiness_problem() names
// Redis failures (a wrong password, Redis unreachable) for a readiness probe.
//
// Thread safety: thread-safe if the inner directory is. Errors: the constructor throws
// std::invalid_argument for a null directory or client, or a non-positive TTL; lookup()
// propagates the inner directory's exceptions, never Redis failures; the rest never throw.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <ferry/cache/cache.hpp>
#include <ferry/core/failure_throttle.hpp>
#include <ferry/core/observer.hpp>
#include <ferry/export.hpp>
#include <ferry/postfix/recipient_policy.hpp>
#include <ferry/redis/client.hpp>

namespace ferry::postfix::redis {

struct cached_directory_options {
  /// Keys are the prefix followed by the normalised address.
  std::string prefix = "policy:";
  /// How long an accepting (known, active) answer stays cached.
  std::chrono::seconds ok_ttl{300};
  /// How long a rejecting (unknown or inactive) answer stays cached.
  std::chrono::seconds reject_ttl{60};
  /// Bound of the in-process near cache; 0 turns it off (no invalidation connection, no
  /// thread).
  std::size_t near_entries = 0;
  /// Redis failures: each to the error hook, a warning line at most once a minute.
  ferry::observer observer{};
};

class FERRY_API cached_directory final : public recipient_directory {
 public:
  /// `inner` answers what the cache does not hold; `redis` holds the cache.
  cached_directory(std::shared_ptr<recipient_directory> inner,
                   std::shared_ptr<ferry::redis::client> redis,
                   cached_directory_options options = {});

  /// The cached answer, else the inner directory's (then cached). May block.
  [[nodiscard]] std::optional<recipient_status> lookup(std::string_view address) override;
  /// The near cache's answer, never blocking; nullopt when it does not hold the address.
  [[nodiscard]] std::optional<known_answer> lookup_now(std::string_view address) override;
  /// PINGs Redis (logging in first if the pool has no connection), then asks the inner
  /// directory.
  [[nodiscard]] std::optional<std::string> readiness_problem() override;

  /// Deletes the cached answer for `address` (any form normalize_address accepts), here and,
  /// through Redis, in every other process's near cache. Call it after each change.
  void forget(std::string_view address);

  /// The cache's counters: hits (near_hits of them in process), misses, errors, ...
  [[nodiscard]] cache::cache_stats stats() const { return cache_.stats(); }
  [[nodiscard]] recipient_directory& inner() const noexcept { return *inner_; }

 private:
  cache::cache<std::string> make_cache();
  void failed(const std::exception& e);

  std::shared_ptr<recipient_directory> inner_;
  std::shared_ptr<ferry::redis::client> redis_;
  cached_directory_options options_;
  failure_throttle failures_{std::chrono::minutes(1)};
  cache::cache<std::string> cache_;
};

}  // namespace ferry::postfix::redis
