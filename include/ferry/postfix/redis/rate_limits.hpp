// ferry/postfix/redis/rate_limits.hpp — per-sender and per-client-address rate limits for a
// Postfix policy service, counted per accepted recipient, shared on Redis by every instance.
//
// Each list of limits ("5/300s,100/1d", ferry::ratelimit::parse_limit_list) is enforced
// together on one key (ferry::postfix::rate_keys_for: the normalised sender, or the client
// IP). With a Redis client, the counting is a ferry::ratelimit::redis_limiter (sliding log
// under `key_prefix`, shared by every instance on that Redis); without one, a local_limiter
// per process; tests may bring any rate_limiter.
//
//   ferry::postfix::redis::rate_limits limits(
//       {.sender = ferry::ratelimit::parse_limit_list("3/60s")}, redis);
//   ferry::postfix::recipient_policy policy(directory, {}, limits.as_rate_check());
//   limits.stats().limited_sender;  // for /metrics
//
// What is counted, and when: recipient_policy checks one unit per accepted recipient (RCPT),
// after the recipient check, so an unknown or inactive recipient never uses quota. The sender
// is checked first; a sender over its limit uses no client quota, but a request the client
// limit denies has already used one unit of its sender's quota. The null sender (bounces) has
// no sender limit; its client limit still applies.
//
// The rule a reader would get wrong: the limiter's store failing never defers mail (fail-open,
// by ferry::ratelimit::limit_gate). The request is admitted and counted in stats().errors;
// the failure that starts a cool-down is logged as a warning through the observer, then the
// store is not asked again for `cooldown` (each skipped check is admitted and counted too).
//
// Thread safety: thread-safe. Errors: the constructors throw std::invalid_argument for a null
// Redis client or bad limits (as the limiters do); check() never throws but std::bad_alloc.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/core/observer.hpp>
#include <ferry/export.hpp>
#include <ferry/postfix/recipient_policy.hpp>
#include <ferry/ratelimit/limit_gate.hpp>
#include <ferry/ratelimit/rate_limiter.hpp>
#include <ferry/redis/client.hpp>

namespace ferry::postfix::redis {

struct rate_limits_options {
  std::vector<ratelimit::rate_limit> sender;  ///< Per envelope sender (normalised).
  std::vector<ratelimit::rate_limit> client;  ///< Per client IP address.
  /// How long the store is left alone after a limiter failure (checks admitted meanwhile).
  std::chrono::milliseconds cooldown{std::chrono::seconds(5)};
  /// The Redis limiters' keys: "<key_prefix>:{sender:...}". Keep it outside a near cache's
  /// tracked prefix: counter writes would flood its invalidation connection.
  std::string key_prefix = "ferry:policy:rl";
  /// Where the warning for a failing store goes.
  ferry::observer observer{};

  [[nodiscard]] bool any() const noexcept { return !sender.empty() || !client.empty(); }
};

/// What the limits did, counted since construction.
struct rate_limits_stats {
  std::uint64_t limited_sender = 0;  ///< Requests a sender limit denied.
  std::uint64_t limited_client = 0;  ///< Requests a client limit denied.
  std::uint64_t errors = 0;          ///< Checks the store could not make (admitted).
};

class FERRY_API rate_limits {
 public:
  /// Builds the limiter of one non-empty list (sender, client).
  using limiter_factory = std::function<std::unique_ptr<ratelimit::rate_limiter>(
      const std::vector<ratelimit::rate_limit>& limits)>;

  /// Counted on `redis` (redis_limiter, sliding log, failure_mode::open).
  rate_limits(rate_limits_options options, std::shared_ptr<ferry::redis::client> redis);
  /// Counted in this process (local_limiter).
  explicit rate_limits(rate_limits_options options);
  /// Counted by what `make` builds.
  rate_limits(rate_limits_options options, const limiter_factory& make);
  ~rate_limits();
  rate_limits(const rate_limits&) = delete;
  rate_limits& operator=(const rate_limits&) = delete;

  /// Whether any limit is configured.
  [[nodiscard]] bool enabled() const noexcept { return gate_.size() > 0; }

  /// Counts one accepted recipient. nullopt: admitted; else how long until it would be
  /// (at least 1 s). May block for a store round trip per configured list.
  [[nodiscard]] std::optional<std::chrono::seconds> check(std::string_view sender,
                                                          std::string_view client_address);
  /// check() as a recipient_policy's rate check; empty when no limit is configured. The
  /// limits must outlive the policy.
  [[nodiscard]] rate_check as_rate_check();

  [[nodiscard]] rate_limits_stats stats() const noexcept;

 private:
  void add_limiters(const limiter_factory& make);
  std::optional<std::chrono::seconds> ask(std::size_t limiter, const std::string& key);

  std::shared_ptr<ferry::redis::client> redis_;  // destroyed after the limiters (declared first)
  rate_limits_options options_;
  ratelimit::limit_gate gate_;
  std::optional<std::size_t> sender_;  // the gate's index of each configured list
  std::optional<std::size_t> client_;
  std::atomic<std::uint64_t> limited_sender_{0};
  std::atomic<std::uint64_t> limited_client_{0};
  std::atomic<std::uint64_t> errors_{0};
};

}  // namespace ferry::postfix::redis
