#include "metrics.hpp"

#include <utility>

namespace ferry::apps::policy {
namespace {

// The Postfix action class a verdict answers with: the label operators grep for.
const char* action_label(verdict v) {
  switch (v) {
    case verdict::no_opinion:
    case verdict::missing_recipient: return "dunno";
    case verdict::accept: return "ok";
    case verdict::reject_unknown:
    case verdict::reject_inactive: return "reject";
    case verdict::defer:
    case verdict::rate_limited: return "defer_if_permit";
  }
  return "unknown";
}

std::uint64_t value(const std::atomic<std::uint64_t>& a) {
  return a.load(std::memory_order_relaxed);
}

}  // namespace

void metrics::record_decision(verdict v, std::chrono::microseconds latency) noexcept {
  inc(by_verdict_[static_cast<std::size_t>(v)]);
  const auto us = static_cast<std::uint64_t>(latency.count() < 0 ? 0 : latency.count());
  std::size_t bucket = 0;
  while (bucket < latency_bounds_us.size() && us > latency_bounds_us[bucket]) ++bucket;
  inc(latency_buckets_[bucket]);
  latency_sum_us_.fetch_add(us, std::memory_order_relaxed);
}

std::string metrics::render() const {
  service::metrics_writer out;
  collect(out);
  return out.text();
}

void metrics::collect(service::metrics_writer& out) const {
  for (std::size_t i = 0; i < verdict_count; ++i) {
    const auto v = static_cast<verdict>(i);
    out.counter("ferry_policy_requests_total",
                "Policy requests answered, by Postfix action and verdict.", value(by_verdict_[i]),
                {{"action", action_label(v)}, {"verdict", to_string(v)}});
  }
  service::histogram_data latency;
  latency.le_decimals = 6;  // seconds with microsecond precision, as the series always had
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < latency_bounds_us.size(); ++i) {
    cumulative += value(latency_buckets_[i]);
    latency.buckets.emplace_back(static_cast<double>(latency_bounds_us[i]) / 1e6, cumulative);
  }
  latency.count = cumulative + value(latency_buckets_[latency_bounds_us.size()]);
  latency.sum = static_cast<double>(value(latency_sum_us_)) / 1e6;
  out.histogram("ferry_policy_decision_seconds", "Time from a complete request to its answer.",
                latency);
  const auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out.counter(name, help, v);
  };
  counter("ferry_policy_cache_hits_total", "Directory lookups answered by the Redis cache.",
          value(cache_hits_));
  counter("ferry_policy_cache_near_hits_total",
          "Cache hits answered from the in-process near cache, without a Redis round trip.",
          value(cache_near_hits_));
  counter("ferry_policy_cache_misses_total", "Directory lookups that went to the database.",
          value(cache_misses_));
  counter("ferry_policy_cache_errors_total",
          "Cache operations that failed (Redis down: answered from the database).",
          value(cache_errors_));
  const char* const rate_limited_help =
      "Requests answered DEFER_IF_PERMIT 4.7.1 because the sender or the client address was "
      "over a rate limit.";
  out.counter("ferry_policy_rate_limited_total", rate_limited_help, value(rate_limited_sender_),
              {{"limit", "sender"}});
  out.counter("ferry_policy_rate_limited_total", rate_limited_help, value(rate_limited_client_),
              {{"limit", "client"}});
  counter("ferry_policy_rate_limit_errors_total",
          "Rate-limit checks the limiter could not make (Redis down): admitted (fail-open).",
          value(rate_limit_errors_));
  counter("ferry_policy_decision_timeouts_total",
          "Requests answered DEFER_IF_PERMIT because the directory was too slow.",
          value(decision_timeouts_));
  counter("ferry_policy_connections_total", "Policy connections accepted.",
          value(connections_total_));
  counter("ferry_policy_connections_refused_total",
          "Policy connections closed at once because max_connections (or the open-files "
          "limit) was reached.",
          value(connections_refused_));
  counter("ferry_policy_protocol_errors_total",
          "Connections closed for malformed or oversized input.", value(protocol_errors_));
  counter("ferry_policy_idle_timeouts_total", "Connections closed after idle_timeout.",
          value(idle_timeouts_));
  counter("ferry_policy_request_timeouts_total",
          "Connections closed because a request was not complete within request_timeout.",
          value(request_timeouts_));
  out.gauge("ferry_policy_connections_open", "Policy connections open now.",
            value(connections_open_));
}

}  // namespace ferry::apps::policy
