// rate_limits.hpp — per-sender and per-client-address rate limits for accepted recipients.
//
// Configured as lists of "COUNT/WINDOW" (POLICY_SENDER_LIMITS="5/300s,100/1d"); every limit of
// a list is enforced together on one key (ferry::postfix::rate_keys_for: the normalised
// sender, or the client IP). The counting is done by a ferry::ratelimit limiter: redis_limiter
// (sliding log, shared by every ferry-policyd on the same Redis) in production, any rate_limiter in
// tests.
//
//   rate_limit_config limits;
//   limits.sender = parse_limit_list("3/60s");
//   auto gate = open_rate_gate(limits, redis_url, log);  // redis_limiter on that Redis
//   if (auto wait = gate->check("a@b.example", "192.0.2.1")) defer(*wait);  // over a limit
//
// What is counted, and when: one unit per accepted recipient (RCPT), after the recipient
// check, so an unknown or inactive recipient never uses quota. The sender is checked first; a
// sender over its limit uses no client quota, but a request the client limit denies has
// already used one unit of its sender's quota. The null sender (bounces) has no sender limit;
// its client limit still applies.
//
// The one behaviour to know: the limiter's store failing never defers mail (fail-open, by
// ferry::ratelimit::limit_gate). The request is admitted and counted in `errors`; the first
// failure logs a warning, then Redis is not asked again for `cooldown` (each skipped check is
// admitted and counted too).
//
// Thread safety: thread-safe. Errors: parse_limit_list throws std::invalid_argument naming
// the bad item; check() never throws.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ferry/postfix/recipient_policy.hpp>
#include <ferry/ratelimit/limit_gate.hpp>
#include <ferry/ratelimit/limit_list.hpp>
#include <ferry/ratelimit/rate_limiter.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "log.hpp"
#include "metrics.hpp"

namespace ferry::apps::policy {

/// The limit lists of POLICY_SENDER_LIMITS and POLICY_CLIENT_LIMITS
/// (ferry/ratelimit/limit_list.hpp).
using ratelimit::format_limit_list;
using ratelimit::parse_limit_list;

struct rate_limit_config {
  std::vector<ratelimit::rate_limit> sender;  ///< Per envelope sender (lower-cased).
  std::vector<ratelimit::rate_limit> client;  ///< Per client IP address.
  /// How long Redis is left alone after a limiter failure (checks admitted meanwhile).
  std::chrono::milliseconds cooldown{std::chrono::seconds(5)};

  [[nodiscard]] bool any() const noexcept { return !sender.empty() || !client.empty(); }
};

/// The gate ferry-policyd uses: with `redis_url`, redis_limiter sliding logs under
/// "ferry:policy:rl:{sender:...}" shared by every instance on that Redis (fail-open); without
/// it, a local_limiter per process. nullptr when no limit is configured.
class rate_gate;
[[nodiscard]] std::unique_ptr<rate_gate> open_rate_gate(const rate_limit_config& config,
                                                        const std::string& redis_url, logger& log);

/// The gate as a recipient_policy's rate check; empty (no limits) for nullptr or a gate
/// without limits. The gate must outlive the policy.
[[nodiscard]] postfix::rate_check rate_check_for(rate_gate* gate);

class rate_gate {
 public:
  /// What a limiter is built from: one per non-empty list (sender, client).
  using limiter_factory = std::function<std::unique_ptr<ratelimit::rate_limiter>(
      const std::vector<ratelimit::rate_limit>& limits)>;

  /// `keep` is held for the gate's life (what the limiters use, e.g. their Redis client).
  rate_gate(rate_limit_config config, const limiter_factory& make, logger& log,
            std::shared_ptr<void> keep = {});
  ~rate_gate();
  rate_gate(const rate_gate&) = delete;
  rate_gate& operator=(const rate_gate&) = delete;

  /// Counts rate-limited answers and limiter errors into `m` from now on.
  void observe(metrics& m) noexcept { metrics_.store(&m); }

  /// Whether any limit is configured.
  [[nodiscard]] bool enabled() const noexcept { return gate_.size() > 0; }

  /// Counts one accepted recipient. nullopt: admitted; else how long until it would be
  /// (at least 1 s). May block for a Redis round trip per configured list.
  [[nodiscard]] std::optional<std::chrono::seconds> check(std::string_view sender,
                                                          std::string_view client_address);

 private:
  std::optional<std::chrono::seconds> ask(std::size_t limiter, const std::string& key);

  std::shared_ptr<void> keep_;  // destroyed after the limiters (declared first)
  rate_limit_config config_;
  logger& log_;
  std::atomic<metrics*> metrics_{nullptr};
  ratelimit::limit_gate gate_;
  std::optional<std::size_t> sender_;  // the gate's index of each configured list
  std::optional<std::size_t> client_;
};

}  // namespace ferry::apps::policy
