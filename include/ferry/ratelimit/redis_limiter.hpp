// ferry/ratelimit/redis_limiter.hpp — a rate limiter shared by every process that uses the
// same Redis: login throttling, API quotas, outbound-call budgets.
//
// Each acquire() is ONE Lua script run atomically with the server's clock (TIME), so
// concurrent callers in many processes never race and their clocks do not matter. All keys of
// one limited key share a {hash tag} (Cluster-safe): "<prefix>:{<key>}:<algo>:<window ms>".
//
//   ferry::redis::client redis{"redis://127.0.0.1:6379/0"};
//   ferry::ratelimit::redis_limiter login{redis, {.limits = {{5, std::chrono::minutes{5}},
//                                                            {100, std::chrono::hours{24}}}}};
//   auto d = login.acquire("login:" + ip);
//   if (!d) return http_429(d.retry_after);
//
// The rule a reader would otherwise get wrong: when Redis is unreachable the default is to
// ADMIT (failure_mode::open) with `degraded` set and errors() incremented; choose
// failure_mode::closed where letting traffic through unchecked is worse than refusing it.
//
// Thread safety: thread-safe; share one limiter (it uses the client's pool).
// Errors: std::invalid_argument for bad limits (none, a count or window <= 0, two over one
// window), an empty key, a key containing '{' or '}', or cost < 1; non-transient ferry::errors
// (auth_failed, server_error) are thrown, transient ones (connection_failed, timeout,
// pool_exhausted, busy) go through the failure_mode.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"
#include "ferry/ratelimit/rate_limiter.hpp"

namespace ferry::redis {
class client;
class reply;
}  // namespace ferry::redis

namespace ferry::ratelimit {

struct redis_limiter_options {
  /// Enforced together on every key; at least one.
  std::vector<rate_limit> limits{};
  algorithm algo = algorithm::sliding_log;
  std::string key_prefix = "ferry:rl";
  failure_mode on_failure = failure_mode::open;
  /// retry_after of a fail-closed denial.
  std::chrono::milliseconds closed_retry_after = std::chrono::seconds(1);
  /// Told each store error that was turned into a degraded decision (a ferry::error,
  /// component "ratelimit", operation "acquire").
  ferry::observer observer{};
};

/// One decision of a batch (redis_limiter::acquire_many).
struct rate_request {
  std::string_view key;
  std::int64_t cost = 1;
};

class FERRY_API redis_limiter final : public rate_limiter {
 public:
  /// `redis` must outlive the limiter.
  redis_limiter(redis::client& redis, redis_limiter_options options);

  /// One round trip (EVALSHA).
  [[nodiscard]] rate_decision acquire(std::string_view key, std::int64_t cost = 1) override;
  [[nodiscard]] std::span<const rate_limit> limits() const noexcept override;
  /// Decides `requests` in order, atomically, at one server instant, in ONE round trip (one
  /// script call): each request sees the ones before it, exactly as if they had been made one
  /// after another. With Redis Cluster every key must map to the same slot (one {hash tag}).
  /// A store error degrades every decision of the batch (failure_mode).
  [[nodiscard]] std::vector<rate_decision> acquire_many(std::span<const rate_request> requests);

  /// Store errors turned into degraded decisions so far.
  [[nodiscard]] std::uint64_t errors() const noexcept { return errors_.load(); }
  /// Deletes the recorded state of `key` (all its limits).
  void reset(std::string_view key);

 private:
  // Appends the Redis keys of `key`, one per limit.
  void append_keys(std::string_view key, std::vector<std::string>& out) const;
  // A sliding algorithm's reply to one request, at `e[at]`.
  [[nodiscard]] rate_decision decode(const std::vector<redis::reply>& e, std::size_t at) const;
  [[nodiscard]] rate_decision degraded(const ferry::error& err);

  redis::client& redis_;
  redis_limiter_options opts_;
  std::vector<std::string> window_args_;  // per limit: count, window ms
  std::vector<std::string> key_names_;    // per limit: "<algo tag>:<window ms>"
  std::atomic<std::uint64_t> errors_{0};
};

/// The familiar `check_rate_limit(api, limit, window)`: a fixed-window counter per `api`.
struct check_result {
  bool allowed = false;
  /// Requests counted in the current window, including this one if it was allowed.
  std::int64_t count = 0;
};
/// Fixed window of `window` starting at the first request; denied requests are not counted.
/// Throws like redis_limiter with failure_mode::closed would not: store errors propagate.
[[nodiscard]] FERRY_API check_result check_rate_limit(redis::client& redis, std::string_view api,
                                                      std::int64_t limit,
                                                      std::chrono::milliseconds window,
                                                      std::string_view key_prefix = "ferry:rl");

}  // namespace ferry::ratelimit
