// metrics.hpp — counters and a latency histogram, collected into ferry::service's Prometheus
// registry for /metrics.
//
// Everything is a relaxed atomic, so the event loop and worker threads record without locks.
// Cache counters are fed by the caching directory, rate-limit counters by the rate gate.
//
//   metrics m;
//   m.record_decision(verdict::accept, std::chrono::microseconds(80));
//   registry.add([&m](service::metrics_writer& out) { m.collect(out); });
//
// Thread safety: thread-safe. Errors: none.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include <ferry/service/prometheus.hpp>

#include "decision.hpp"

namespace ferry::apps::policy {

class metrics {
 public:
  /// Upper bounds of the latency buckets, in microseconds (+Inf is implicit).
  static constexpr std::array<std::uint64_t, 14> latency_bounds_us{
      50,     100,    250,    500,     1'000,   2'500,   5'000,
      10'000, 25'000, 50'000, 100'000, 250'000, 500'000, 1'000'000};

  /// One answered request: its verdict and the time from the request's last byte to the answer.
  void record_decision(verdict v, std::chrono::microseconds latency) noexcept;

  void connection_opened() noexcept {
    inc(connections_total_);
    inc(connections_open_);
  }
  void connection_closed() noexcept { connections_open_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_refused() noexcept { inc(connections_refused_); }
  void protocol_error() noexcept { inc(protocol_errors_); }
  void idle_timeout() noexcept { inc(idle_timeouts_); }
  void request_timeout() noexcept { inc(request_timeouts_); }
  void decision_timeout() noexcept { inc(decision_timeouts_); }
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
    return by_verdict_[static_cast<std::size_t>(v)].load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t open_connections() const noexcept {
    return connections_open_.load(std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t decision_timeouts() const noexcept {
    return decision_timeouts_.load(std::memory_order_relaxed);
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

  std::array<std::atomic<std::uint64_t>, verdict_count> by_verdict_{};
  std::array<std::atomic<std::uint64_t>, latency_bounds_us.size() + 1> latency_buckets_{};
  std::atomic<std::uint64_t> latency_sum_us_{0};
  std::atomic<std::uint64_t> connections_total_{0};
  std::atomic<std::uint64_t> connections_open_{0};
  std::atomic<std::uint64_t> connections_refused_{0};
  std::atomic<std::uint64_t> protocol_errors_{0};
  std::atomic<std::uint64_t> idle_timeouts_{0};
  std::atomic<std::uint64_t> request_timeouts_{0};
  std::atomic<std::uint64_t> decision_timeouts_{0};
  std::atomic<std::uint64_t> cache_hits_{0};
  std::atomic<std::uint64_t> cache_near_hits_{0};
  std::atomic<std::uint64_t> cache_misses_{0};
  std::atomic<std::uint64_t> cache_errors_{0};
  std::atomic<std::uint64_t> rate_limited_sender_{0};
  std::atomic<std::uint64_t> rate_limited_client_{0};
  std::atomic<std::uint64_t> rate_limit_errors_{0};
};

}  // namespace ferry::apps::policy
