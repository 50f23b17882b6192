#include "metrics.hpp"

#include <algorithm>
#include <iterator>
#include <string_view>

namespace ferry::apps::retry {
namespace {

std::uint64_t value(const std::atomic<std::uint64_t>& c) {
  return c.load(std::memory_order_relaxed);
}

}  // namespace

void worker_metrics::record_pass(const queue::maintenance_report& r) noexcept {
  inc(passes_);
  inc(promoted_, r.promoted);
  inc(recovered_, r.recovered);
  inc(trimmed_, r.trimmed);
}

void worker_metrics::request(int status) noexcept {
  const int cls = status / 100;
  if (cls >= 1 && cls <= 5) inc(requests_[cls - 1]);
}

void worker_metrics::collect(service::metrics_writer& out) const {
  out.counter("ferry_retry_scheduler_passes_total", "Scheduler passes over all queues.",
              value(passes_));
  out.counter("ferry_retry_promoted_total", "Delayed or retried jobs moved to ready.",
              value(promoted_));
  out.counter("ferry_retry_recovered_total", "Jobs whose lease expired, put back.",
              value(recovered_));
  out.counter("ferry_retry_trimmed_total", "Dead letters removed after retention.",
              value(trimmed_));
  out.counter("ferry_retry_scheduler_errors_total", "Failed scheduler passes.",
              value(scheduler_errors_));
  out.counter("ferry_retry_admin_auth_failures_total",
              "Admin requests without a valid bearer token.", value(auth_failures_));
  out.counter("ferry_retry_admin_rate_limited_total",
              "Admin requests refused with 429 after repeated auth failures.",
              value(rate_limited_));
  static constexpr const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (int i = 0; i < 5; ++i) {
    out.counter("ferry_retry_admin_requests_total", "Admin requests by status class.",
                value(requests_[i]), {{"code", classes[i]}});
  }
}

void collect_dlq_stats(service::metrics_writer& out,
                       const std::vector<dead_letter_queue_info>* stats) {
  out.gauge("ferry_retry_stats_up", "1 when the DLQ and queue figures below could be read.",
            stats != nullptr ? 1 : 0);
  if (stats == nullptr) return;
  for (const auto& s : *stats) {
    out.gauge("ferry_dlq_depth", "Dead letters per queue.", s.count,
              {{"queue", s.queue}, {"source", s.source}});
  }
  // The Redis queues' own counts: the states are gauges, the rest events since creation.
  static constexpr std::string_view states[] = {"ready", "in_flight", "scheduled"};
  for (const auto& s : *stats) {
    if (s.source != "redis") continue;
    for (const auto& [name, n] : s.counts) {
      if (std::find(std::begin(states), std::end(states), name) == std::end(states)) continue;
      out.gauge("ferry_queue_jobs", "Jobs of a Redis queue by state.", n,
                {{"queue", s.queue}, {"state", name}});
    }
    out.gauge("ferry_queue_jobs", "Jobs of a Redis queue by state.", s.count,
              {{"queue", s.queue}, {"state", "dead"}});
  }
  for (const auto& s : *stats) {
    if (s.source != "redis") continue;
    for (const auto& [name, n] : s.counts) {
      if (std::find(std::begin(states), std::end(states), name) != std::end(states)) continue;
      out.counter("ferry_queue_events_total", "Job events of a Redis queue since creation.", n,
                  {{"queue", s.queue}, {"event", name}});
    }
  }
}

}  // namespace ferry::apps::retry
