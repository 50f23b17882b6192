#include "metrics.hpp"

#include "common/prometheus.hpp"

namespace ferry::apps::retry {
namespace {

std::int64_t value(const std::atomic<std::uint64_t>& c) {
  return static_cast<std::int64_t>(c.load(std::memory_order_relaxed));
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

std::string worker_metrics::render(const std::vector<dlq_summary>* stats) const {
  prometheus_text t;
  t.family("ferry_retry_scheduler_passes_total", "counter", "Scheduler passes over all queues.");
  t.sample("ferry_retry_scheduler_passes_total", {}, value(passes_));
  t.family("ferry_retry_promoted_total", "counter", "Delayed or retried jobs moved to ready.");
  t.sample("ferry_retry_promoted_total", {}, value(promoted_));
  t.family("ferry_retry_recovered_total", "counter", "Jobs whose lease expired, put back.");
  t.sample("ferry_retry_recovered_total", {}, value(recovered_));
  t.family("ferry_retry_trimmed_total", "counter", "Dead letters removed after retention.");
  t.sample("ferry_retry_trimmed_total", {}, value(trimmed_));
  t.family("ferry_retry_scheduler_errors_total", "counter", "Failed scheduler passes.");
  t.sample("ferry_retry_scheduler_errors_total", {}, value(scheduler_errors_));
  t.family("ferry_retry_admin_auth_failures_total", "counter",
           "Admin requests without a valid bearer token.");
  t.sample("ferry_retry_admin_auth_failures_total", {}, value(auth_failures_));
  t.family("ferry_retry_admin_rate_limited_total", "counter",
           "Admin requests refused with 429 after repeated auth failures.");
  t.sample("ferry_retry_admin_rate_limited_total", {}, value(rate_limited_));
  t.family("ferry_retry_admin_requests_total", "counter", "Admin requests by status class.");
  static constexpr const char* classes[] = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  for (int i = 0; i < 5; ++i) {
    t.sample("ferry_retry_admin_requests_total", {{"code", classes[i]}}, value(requests_[i]));
  }
  t.family("ferry_retry_stats_up", "gauge",
           "1 when the DLQ and queue figures below could be read.");
  t.sample("ferry_retry_stats_up", {}, std::int64_t{stats != nullptr ? 1 : 0});
  if (stats == nullptr) return std::move(t).str();

  t.family("ferry_dlq_depth", "gauge", "Dead letters per queue.");
  for (const auto& s : *stats) {
    t.sample("ferry_dlq_depth", {{"queue", s.queue}, {"backend", to_string(s.backend)}}, s.dead);
  }
  t.family("ferry_queue_jobs", "gauge", "Jobs of a Redis queue by state.");
  for (const auto& s : *stats) {
    if (!s.stats) continue;
    const std::pair<const char*, std::int64_t> states[] = {{"ready", s.stats->ready},
                                                           {"in_flight", s.stats->in_flight},
                                                           {"scheduled", s.stats->scheduled},
                                                           {"dead", s.stats->dead}};
    for (const auto& [state, n] : states) {
      t.sample("ferry_queue_jobs", {{"queue", s.queue}, {"state", state}}, n);
    }
  }
  t.family("ferry_queue_events_total", "counter", "Job events of a Redis queue since creation.");
  for (const auto& s : *stats) {
    if (!s.stats) continue;
    const std::pair<const char*, std::int64_t> events[] = {
        {"enqueued", s.stats->enqueued},   {"processed", s.stats->processed},
        {"failed", s.stats->failed},       {"retried", s.stats->retried},
        {"recovered", s.stats->recovered}, {"dead_lettered", s.stats->dead_lettered}};
    for (const auto& [event, n] : events) {
      t.sample("ferry_queue_events_total", {{"queue", s.queue}, {"event", event}}, n);
    }
  }
  return std::move(t).str();
}

}  // namespace ferry::apps::retry
