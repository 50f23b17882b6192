#include "rate_limits.hpp"

#include <ferry/postfix/rate_keys.hpp>
#include <ferry/ratelimit/local_limiter.hpp>
#include <ferry/ratelimit/redis_limiter.hpp>
#include <ferry/redis/client.hpp>

#include "decision.hpp"

namespace ferry::apps::policy {

postfix::rate_check rate_check_for(rate_gate* gate) {
  if (gate == nullptr || !gate->enabled()) return {};
  return [gate](std::string_view sender, std::string_view client_address) {
    return gate->check(sender, client_address);
  };
}

rate_gate::rate_gate(rate_limit_config config, const limiter_factory& make, logger& log,
                     std::shared_ptr<void> keep)
    : keep_(std::move(keep)),
      config_(std::move(config)),
      log_(log),
      gate_({.cooldown = config_.cooldown}) {
  if (!config_.sender.empty()) sender_ = gate_.add("sender", make(config_.sender));
  if (!config_.client.empty()) client_ = gate_.add("client", make(config_.client));
}

rate_gate::~rate_gate() = default;

std::unique_ptr<rate_gate> open_rate_gate(const rate_limit_config& config,
                                          const std::string& redis_url, logger& log) {
  if (!config.any()) return nullptr;
  if (redis_url.empty()) {
    log.warning(
        "rate limits: no REDIS_URL; each ferry-policyd process counts on its own "
        "(local_limiter)");
    return std::make_unique<rate_gate>(
        config,
        [](const std::vector<ratelimit::rate_limit>& limits) {
          return std::make_unique<ratelimit::local_limiter>(
              ratelimit::local_limiter_options{.limits = limits});
        },
        log);
  }
  auto redis = std::make_shared<redis::client>(redis_url);
  auto* client = redis.get();
  return std::make_unique<rate_gate>(
      config,
      [client](const std::vector<ratelimit::rate_limit>& limits) {
        ratelimit::redis_limiter_options o;
        o.limits = limits;
        o.algo = ratelimit::algorithm::sliding_log;
        // Not under "policy:": the near cache tracks that prefix, and counter writes would
        // flood its invalidation connection.
        o.key_prefix = "ferry:policy:rl";
        o.on_failure = ratelimit::failure_mode::open;
        return std::make_unique<ratelimit::redis_limiter>(*client, std::move(o));
      },
      log, std::move(redis));
}

std::optional<std::chrono::seconds> rate_gate::check(std::string_view sender,
                                                     std::string_view client_address) {
  // The null sender (bounces) has no key, so no sender limit; see rate_keys.hpp.
  const auto keys = postfix::rate_keys_for(sender, client_address);
  if (sender_ && keys.sender) {
    if (auto wait = ask(*sender_, *keys.sender)) return wait;
  }
  if (client_ && keys.client) {
    if (auto wait = ask(*client_, *keys.client)) return wait;
  }
  return std::nullopt;
}

std::optional<std::chrono::seconds> rate_gate::ask(std::size_t limiter, const std::string& key) {
  const auto r = gate_.check(limiter, key);
  auto* m = metrics_.load();
  switch (r.status) {
    case ratelimit::gate_status::admitted: return std::nullopt;
    case ratelimit::gate_status::limited:
      if (m != nullptr) m->rate_limited(r.limiter);
      return r.retry_after;
    case ratelimit::gate_status::failed:
    case ratelimit::gate_status::skipped: break;  // fail-open: admitted, counted
  }
  if (m != nullptr) m->rate_limit_error();
  // Log once per cool-down: only the failure that starts one says so.
  if (r.report) {
    log_.warning("rate limits: " + std::string(r.limiter) + " check failed (" + r.error +
                 "); admitting without limits for " + std::to_string(config_.cooldown.count()) +
                 " ms");
  }
  return std::nullopt;
}

}  // namespace ferry::apps::policy
