// ferry::postfix::redis::rate_limits without a server: per-process limits on the sender and
// client keys, counted per accepted recipient; a failing store admits (fail-open), counts and
// warns once per cool-down; the counters as Prometheus metrics.
#include <catch2/catch.hpp>

#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "ferry/postfix/redis/metrics.hpp"
#include "ferry/postfix/redis/rate_limits.hpp"
#include "ferry/ratelimit/limit_list.hpp"

using namespace std::chrono_literals;
using ferry::postfix::redis::rate_limits;
using ferry::postfix::redis::rate_limits_options;
namespace rl = ferry::ratelimit;

namespace {

// A limiter whose store is down: every acquire throws.
class down_limiter final : public rl::rate_limiter {
 public:
  explicit down_limiter(std::vector<rl::rate_limit> limits) : limits_(std::move(limits)) {}
  rl::rate_decision acquire(std::string_view, std::int64_t) override {
    throw std::runtime_error("Redis: timed out");
  }
  [[nodiscard]] std::span<const rl::rate_limit> limits() const noexcept override { return limits_; }

 private:
  std::vector<rl::rate_limit> limits_;
};

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("rate_limits: sender and client limits per process", "[postfix][ratelimit]") {
  rate_limits limits(
      {.sender = rl::parse_limit_list("2/60s"), .client = rl::parse_limit_list("3/60s")});
  REQUIRE(limits.enabled());
  CHECK_FALSE(limits.check("a@b.example", "192.0.2.1"));
  CHECK_FALSE(limits.check("<A@B.example>", "192.0.2.2"));  // the same sender, normalised
  const auto wait = limits.check("a@b.example", "192.0.2.3");
  REQUIRE(wait);
  CHECK(*wait >= 1s);
  CHECK(*wait <= 60s);
  // Another sender from the first address: its client quota (3) is used up by the next two.
  CHECK_FALSE(limits.check("c@b.example", "192.0.2.1"));
  CHECK_FALSE(limits.check("d@b.example", "192.0.2.1"));
  CHECK(limits.check("e@b.example", "192.0.2.1"));
  // The null sender has no sender limit; its client limit still applies.
  CHECK_FALSE(limits.check("", "192.0.2.9"));
  CHECK_FALSE(limits.check("", "192.0.2.9"));
  CHECK_FALSE(limits.check("", "192.0.2.9"));
  CHECK(limits.check("", "192.0.2.9"));

  const auto s = limits.stats();
  CHECK(s.limited_sender == 1);
  CHECK(s.limited_client == 2);
  CHECK(s.errors == 0);
  CHECK(limits.as_rate_check());
}

TEST_CASE("rate_limits: no limits, no check", "[postfix][ratelimit]") {
  rate_limits none({});
  CHECK_FALSE(none.enabled());
  CHECK_FALSE(none.as_rate_check());
  CHECK_FALSE(none.check("a@b.example", "192.0.2.1"));
}

TEST_CASE("rate_limits: a failing store admits, counts and warns once per cool-down",
          "[postfix][ratelimit]") {
  std::vector<std::string> warnings;
  rate_limits_options o;
  o.sender = rl::parse_limit_list("1/60s");
  o.cooldown = 60s;
  o.observer = ferry::observer(ferry::log_level::info,
                               [&](ferry::log_level level, std::string_view, std::string_view m) {
                                 CHECK(level == ferry::log_level::warning);
                                 warnings.emplace_back(m);
                               });
  rate_limits limits(std::move(o), [](const std::vector<rl::rate_limit>& l) {
    return std::make_unique<down_limiter>(l);
  });
  const auto check = limits.as_rate_check();
  for (int i = 0; i < 3; ++i) CHECK_FALSE(check("a@b.example", "192.0.2.1"));
  CHECK(limits.stats().errors == 3);  // the failure, then two checks skipped in the cool-down
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0] ==
        "rate limits: sender check failed (Redis: timed out); admitting without limits for "
        "60000 ms");
}

TEST_CASE("rate_limits: a Redis client is required", "[postfix][ratelimit]") {
  rate_limits_options o;
  o.sender = rl::parse_limit_list("1/60s");
  CHECK_THROWS_AS(rate_limits(o, std::shared_ptr<ferry::redis::client>{}), std::invalid_argument);
}

TEST_CASE("rate limit and cache counters as Prometheus metrics", "[postfix][ratelimit]") {
  ferry::metrics_writer out;
  ferry::cache::cache_stats cache;
  cache.hits = 5;
  cache.near_hits = 2;
  cache.misses = 3;
  ferry::postfix::redis::write_cache_metrics(out, cache);
  ferry::postfix::redis::write_rate_limit_metrics(
      out, {.limited_sender = 4, .limited_client = 1, .errors = 0}, "mx_policy");
  const auto text = out.text();
  CHECK(contains(text,
                 "# TYPE ferry_policy_cache_hits_total counter\n"
                 "ferry_policy_cache_hits_total 5\n"));
  CHECK(contains(text, "ferry_policy_cache_near_hits_total 2\n"));
  CHECK(contains(text, "ferry_policy_cache_misses_total 3\n"));
  CHECK(contains(text, "ferry_policy_cache_errors_total 0\n"));
  CHECK(contains(text,
                 "mx_policy_rate_limited_total{limit=\"sender\"} 4\n"
                 "mx_policy_rate_limited_total{limit=\"client\"} 1\n"));
  CHECK(contains(text, "mx_policy_rate_limit_errors_total 0\n"));
}
