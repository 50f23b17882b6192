// caching_directory.hpp — puts the Redis cache in front of a recipient directory, the way the
// policy design note asks: key `policy:{address}`, accepting answers cached for 300 s,
// rejecting ones (unknown or inactive) for 60 s, and every admin write deleting the keys it
// makes stale, so a change is seen at the next RCPT rather than after a TTL.
//
// With `near_entries` > 0 (ferry-policyd's default) the cache keeps a bounded in-process copy
// of the answers it has read (ferry::cache's near cache), kept coherent by Redis CLIENT
// TRACKING: an admin write anywhere deletes the Redis key, and every ferry-policyd drops its
// copy within milliseconds. `lookup_now` answers from that copy without blocking, so the
// server answers such requests on its event loop.
//
// Redis being down or slow never fails a lookup: ferry::cache answers from the directory,
// counts the error, and its circuit breaker stops trying Redis for a cool-down. A directory
// failure does propagate (the policy engine answers DEFER_IF_PERMIT). Redis failures are
// logged too (with `report_to`), at most one line a minute, and `readiness_problem` names
// them (a wrong password, Redis unreachable) for the readiness probe.
//
// Thread safety: thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <ferry/cache/cache.hpp>
#include <ferry/redis/client.hpp>
#include <memory>
#include <string>

#include <ferry/core/failure_throttle.hpp>
#include "backend.hpp"
#include "log.hpp"
#include "metrics.hpp"

namespace ferry::apps::policy {

struct caching_options {
  std::chrono::seconds ok_ttl{300};
  std::chrono::seconds reject_ttl{60};
  /// Bound of the in-process near cache; 0 turns it off (no invalidation connection).
  std::size_t near_entries = 0;
};

class caching_directory final : public recipient_directory, public recipient_admin {
 public:
  caching_directory(directory_backend inner, const std::string& redis_url, caching_options options);

  [[nodiscard]] std::optional<recipient_status> lookup(std::string_view address) override;
  [[nodiscard]] std::optional<known_answer> lookup_now(std::string_view address) override;

  void init_schema() override { inner_.admin->init_schema(); }
  void add_address(std::string_view address, bool active, std::string_view customer) override;
  bool remove_address(std::string_view address) override;
  bool set_active(std::string_view address, bool active) override;
  std::optional<std::vector<std::string>> set_customer_tier(std::string_view customer,
                                                            std::string_view tier) override;

  /// Counts hits, misses and cache errors into `m` from now on (the server's metrics).
  void observe(metrics& m) noexcept { metrics_.store(&m); }
  /// Logs Redis failures to `log` from now on (the first at once, then one line a minute).
  void report_to(logger& log) noexcept { log_.store(&log); }

  /// PINGs Redis (logging in first if the pool has no connection), then asks the directory.
  [[nodiscard]] std::optional<std::string> readiness_problem() override;
  [[nodiscard]] cache::cache_stats stats() const { return cache_.stats(); }

 private:
  void forget(std::string_view address);

  directory_backend inner_;
  caching_options options_;
  std::atomic<metrics*> metrics_{nullptr};
  std::atomic<logger*> log_{nullptr};
  failure_throttle failures_{std::chrono::minutes(1)};
  redis::client redis_;
  cache::cache<std::string> cache_;
};

}  // namespace ferry::apps::policy
