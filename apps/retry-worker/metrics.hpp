// metrics.hpp — the retry worker's counters and the DLQ gauges of GET /metrics, as collectors
// of ferry::service's Prometheus registry.
//
// Counters are relaxed atomics fed by the scheduler thread and the HTTP threads; collect()
// writes them. collect_dlq_stats() writes live gauges (DLQ depth per queue, queue job counts
// and counters) from a dlq_admin::stats() snapshot taken by the caller.
//
//   worker_metrics m;
//   m.record_pass(report);
//   registry.add([&m](metrics_writer& out) { m.collect(out); });
//
// Thread safety: thread-safe. Errors: none.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include <ferry/queue/scheduler.hpp>
#include <ferry/service/prometheus.hpp>

#include "common/dlq_admin.hpp"

namespace ferry::apps::retry {

class worker_metrics {
 public:
  void record_pass(const queue::maintenance_report& r) noexcept;
  void scheduler_error() noexcept { inc(scheduler_errors_); }
  void auth_failure() noexcept { inc(auth_failures_); }
  void rate_limited() noexcept { inc(rate_limited_); }
  /// One answered admin request with HTTP `status`.
  void request(int status) noexcept;

  [[nodiscard]] std::uint64_t promoted() const noexcept { return promoted_.load(); }
  [[nodiscard]] std::uint64_t passes() const noexcept { return passes_.load(); }

  /// Prometheus text. `stats` = nullptr when they could not be read (Redis down): the
  /// ferry_retry_backend_up gauge then says so and the per-queue gauges are left out.
  /// The counters (ferry_retry_*_total).
  void collect(service::metrics_writer& out) const;

 private:
  static void inc(std::atomic<std::uint64_t>& c, std::uint64_t n = 1) noexcept {
    c.fetch_add(n, std::memory_order_relaxed);
  }
  std::atomic<std::uint64_t> passes_{0};
  std::atomic<std::uint64_t> promoted_{0};
  std::atomic<std::uint64_t> recovered_{0};
  std::atomic<std::uint64_t> trimmed_{0};
  std::atomic<std::uint64_t> scheduler_errors_{0};
  std::atomic<std::uint64_t> auth_failures_{0};
  std::atomic<std::uint64_t> rate_limited_{0};
  std::atomic<std::uint64_t> requests_[5] = {};  // 1xx .. 5xx
};

/// ferry_retry_stats_up (0 when `stats` is null: the figures could not be read), then per
/// queue ferry_dlq_depth, ferry_queue_jobs and ferry_queue_events_total.
void collect_dlq_stats(service::metrics_writer& out, const std::vector<dlq_summary>* stats);

}  // namespace ferry::apps::retry
