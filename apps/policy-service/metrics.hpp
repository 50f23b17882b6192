// metrics.hpp — ferry-policyd's counters, collected into ferry::service's Prometheus registry
// for /metrics: the policy server's answers by verdict, their latency and its connection
// events (ferry::postfix::policy_stats), the cache's and the rate limits' counters.
//
// Everything is a relaxed atomic, so the event loop and worker threads record without locks.
// Cache counters are fed by the caching directory, rate-limit counters by the rate gate.
//
//   metrics m;
//   m.server().attach(handler);  // the policy server's answers and events
//   registry.add([&m](service::metrics_writer& out) { m.collect(out); });
//
// Thread safety: thread-safe. Errors: none.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/postfix/policy_stats.hpp>
#include <ferry/service/prometheus.hpp>

#include "decision.hpp"

namespace ferry::apps::policy {

class metrics {
 public:
  /// The policy server's answers (their kind is the verdict), latency and events.
  [[nodiscard]] postfix::policy_stats& server() noexcept { return server_; }

  void cache_hit() noexcept { inc(cache_hits_); }
  /// A cache hit answered from the in-process near cache, on the event loop (also a cache_hit).
  void cache_near_hit() noexcept {
    inc(cache_hits_);
    inc(cache_near_hits_);
  }
  void cache_miss() noexcept { inc(cache_misses_); }
  void cache_error() noexcept { inc(cache_errors_); }
  /// A request answered rate_limited; `which` is the limit that said no ("sender", "client").
  void rate_limited(std::string_view which) noexcept {
    inc(which == "sender" ? rate_limited_sender_ : rate_limited_client_);
  }
  /// A rate-limit check the limiter could not make (admitted: fail-open).
  void rate_limit_error() noexcept { inc(rate_limit_errors_); }

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
  static void inc(std::atomic<std::uint64_t>& c) noexcept {
    c.fetch_add(1, std::memory_order_relaxed);
  }

  postfix::policy_stats server_{verdict_count};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> cache_near_hits_{0};
  std::atomic<std::uint64_t> cache_misses_{0};
  std::atomic<std::uint64_t> cache_errors_{0};
  std::atomic<std::uint64_t> rate_limited_sender_{0};
  std::atomic<std::uint64_t> rate_limited_client_{0};
  std::atomic<std::uint64_t> rate_limit_errors_{0};
};

}  // namespace ferry::apps::policy
