// metrics.hpp — the retry worker's counters and the DLQ gauges of GET /metrics, as collectors
// of ferry::service's Prometheus registry.
//
// Counters are relaxed atomics fed by the scheduler thread and the HTTP threads; collect()
// writes them. collect_dlq_stats() writes live gauges (DLQ depth per source and queue, the Redis
// queues' job counts and counters) from a dead_letter_catalog::queues() snapshot taken by the
// caller.
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

#include <ferry/core/dead_letter.hpp>

namespace ferry::apps::retry {

class worker_metrics {
 public:
  void record_pass(const queue::maintenance_report& r) noexcept;
  void scheduler_error() noexcept { inc(scheduler_errors_); }
  /// Dead letters removed by the retention pass over every source.
  void record_trim(std::size_t n) noexcept { inc(trimmed_, n); }
  void auth_failure() noexcept { inc(auth_failures_); }
  void rate_limited() noexcept { inc(rate_limited_); }
  /// One answered admin request with HTTP `status`.
  void request(int status) noexcept;

  [[nodiscard]] std::uint64_t promoted() const noexcept { return promoted_.load(); }
  [[nodiscard]] std::uint64_t passes() const noexcept { return passes_.load(); }

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

/// ferry_retry_stats_up (0 when `stats` is null: the figures could not be read), then
/// ferry_dlq_depth per source and queue, and the Redis queues' ferry_queue_jobs and
/// ferry_queue_events_total.
void collect_dlq_stats(service::metrics_writer& out,
                       const std::vector<dead_letter_queue_info>* stats);

}  // namespace ferry::apps::retry
