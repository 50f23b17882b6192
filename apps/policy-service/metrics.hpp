// metrics.hpp — ferry-policyd's counters, collected into ferry::service's Prometheus registry
// for /metrics: the policy server's answers by verdict, their latency and its connection
// events (ferry::postfix::policy_stats, ferry/postfix/recipient_metrics.hpp), the Redis
// cache's and the rate limits' counters (ferry/postfix/redis/metrics.hpp).
//
// The server's counters are relaxed atomics, so the event loop and worker threads record
// without locks; the cache's and the rate limits' counters are their own, read at each scrape.
//
//   metrics m;
//   m.server().attach(handler);  // the policy server's answers and events
//   m.watch_cache([&cached] { return cached.stats(); });
//   registry.add([&m](service::metrics_writer& out) { m.collect(out); });
//
// Thread safety: thread-safe once watched (watch_* before the server starts). Errors: none.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <ferry/cache/stats.hpp>
#include <ferry/postfix/policy_stats.hpp>
#include <ferry/postfix/redis/rate_limits.hpp>
#include <ferry/service/prometheus.hpp>

#include "decision.hpp"

namespace ferry::apps::policy {

class metrics {
 public:
  /// The policy server's answers (their kind is the verdict), latency and events.
  [[nodiscard]] postfix::policy_stats& server() noexcept { return server_; }

  /// The cache's counters (hits, near hits, misses, errors); zeros when never watched.
  void watch_cache(std::function<cache::cache_stats()> stats) { cache_ = std::move(stats); }
  /// The rate limits' counters (limited by sender and client, errors); zeros when never
  /// watched.
  void watch_rate_limits(std::function<postfix::redis::rate_limits_stats()> stats) {
    limits_ = std::move(stats);
  }

  [[nodiscard]] std::uint64_t decisions(verdict v) const noexcept {
    return server_.answers(static_cast<std::size_t>(v));
  }
  [[nodiscard]] std::uint64_t open_connections() const noexcept {
    return server_.open_connections();
  }
  [[nodiscard]] std::uint64_t decision_timeouts() const noexcept {
    return server_.events(postfix::server_event::decision_timeout);
  }

  /// Writes every counter, the latency histogram and the open-connections gauge: the
  /// collector the admin endpoint's Prometheus registry runs at each scrape.
  void collect(service::metrics_writer& out) const;
  /// collect() alone, as Prometheus text (format 0.0.4).
  [[nodiscard]] std::string render() const;

 private:
  postfix::policy_stats server_{verdict_count};
  std::function<cache::cache_stats()> cache_;
  std::function<postfix::redis::rate_limits_stats()> limits_;
};

}  // namespace ferry::apps::policy
