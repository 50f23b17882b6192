#include "ferry/postfix/redis/rate_limits.hpp"

#include <stdexcept>
#include <utility>

#include <ferry/postfix/rate_keys.hpp>
#include <ferry/ratelimit/local_limiter.hpp>
#include <ferry/ratelimit/redis_limiter.hpp>

namespace ferry::postfix::redis {
namespace {

std::uint64_t value(const std::atomic<std::uint64_t>& a) noexcept {
  return a.load(std::memory_order_relaxed);
}

}  // namespace

rate_limits::rate_limits(rate_limits_options options, const limiter_factory& make)
    : options_(std::move(options)), gate_({.cooldown = options_.cooldown}) {
  add_limiters(make);
}

rate_limits::rate_limits(rate_limits_options options)
    : rate_limits(std::move(options), [](const std::vector<ratelimit::rate_limit>& limits) {
        return std::make_unique<ratelimit::local_limiter>(
            ratelimit::local_limiter_options{.limits = limits});
      }) {}

rate_limits::rate_limits(rate_limits_options options, std::shared_ptr<ferry::redis::client> redis)
    : redis_(std::move(redis)),
      options_(std::move(options)),
      gate_({.cooldown = options_.cooldown}) {
  if (!redis_) throw std::invalid_argument("rate_limits: no Redis client");
  add_limiters([this](const std::vector<ratelimit::rate_limit>& limits) {
    ratelimit::redis_limiter_options o;
    o.limits = limits;
    o.algo = ratelimit::algorithm::sliding_log;
    o.key_prefix = options_.key_prefix;
    o.on_failure = ratelimit::failure_mode::open;  // the gate's circuit breaker takes over
    return std::make_unique<ratelimit::redis_limiter>(*redis_, std::move(o));
  });
}

void rate_limits::add_limiters(const limiter_factory& make) {
  if (!options_.sender.empty()) sender_ = gate_.add("sender", make(options_.sender));
  if (!options_.client.empty()) client_ = gate_.add("client", make(options_.client));
}

rate_limits::~rate_limits() = default;

std::optional<std::chrono::seconds> rate_limits::check(std::string_view sender,
                                                       std::string_view client_address) {
  // The null sender (bounces) has no key, so no sender limit; see rate_keys.hpp.
  const auto keys = rate_keys_for(sender, client_address);
  if (sender_ && keys.sender) {
    if (auto wait = ask(*sender_, *keys.sender)) return wait;
  }
  if (client_ && keys.client) {
    if (auto wait = ask(*client_, *keys.client)) return wait;
  }
  return std::nullopt;
}

rate_check rate_limits::as_rate_check() {
  if (!enabled()) return {};
  return [this](std::string_view sender, std::string_view client_address) {
    return check(sender, client_address);
  };
}

rate_limits_stats rate_limits::stats() const noexcept {
  return {value(limited_sender_), value(limited_client_), value(errors_)};
}

std::optional<std::chrono::seconds> rate_limits::ask(std::size_t limiter, const std::string& key) {
  const auto r = gate_.check(limiter, key);
  switch (r.status) {
    case ratelimit::gate_status::admitted: return std::nullopt;
    case ratelimit::gate_status::limited:
      (r.limiter == "sender" ? limited_sender_ : limited_client_)
          .fetch_add(1, std::memory_order_relaxed);
      return r.retry_after;
    case ratelimit::gate_status::failed:
    case ratelimit::gate_status::skipped: break;  // fail-open: admitted, counted
  }
  errors_.fetch_add(1, std::memory_order_relaxed);
  // Log once per cool-down: only the failure that starts one says so.
  if (r.report && options_.observer.enabled(ferry::log_level::warning)) {
    options_.observer.log(ferry::log_level::warning, "",
                          "rate limits: " + std::string(r.limiter) + " check failed (" + r.error +
                              "); admitting without limits for " +
                              std::to_string(options_.cooldown.count()) + " ms");
  }
  return std::nullopt;
}

}  // namespace ferry::postfix::redis
