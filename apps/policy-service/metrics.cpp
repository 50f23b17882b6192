#include "metrics.hpp"

#include <cstdio>
#include <utility>

#include "common/prometheus.hpp"

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

// Histogram bucket bounds are labels: seconds with microsecond precision.
std::string seconds(std::uint64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(micros) / 1e6);
  return buf;
}

std::int64_t value(const std::atomic<std::uint64_t>& a) {
  return static_cast<std::int64_t>(a.load(std::memory_order_relaxed));
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
  prometheus_text t;
  t.family("ferry_policy_requests_total", "counter",
           "Policy requests answered, by Postfix action and verdict.");
  for (std::size_t i = 0; i < verdict_count; ++i) {
    const auto v = static_cast<verdict>(i);
    t.sample("ferry_policy_requests_total",
             {{"action", action_label(v)}, {"verdict", to_string(v)}}, value(by_verdict_[i]));
  }
  t.family("ferry_policy_decision_seconds", "histogram",
           "Time from a complete request to its answer.");
  std::int64_t cumulative = 0;
  for (std::size_t i = 0; i <= latency_bounds_us.size(); ++i) {
    cumulative += value(latency_buckets_[i]);
    const std::string le =
        i < latency_bounds_us.size() ? seconds(latency_bounds_us[i]) : std::string("+Inf");
    t.sample("ferry_policy_decision_seconds_bucket", {{"le", le}}, cumulative);
  }
  t.sample("ferry_policy_decision_seconds_sum", {},
           static_cast<double>(latency_sum_us_.load(std::memory_order_relaxed)) / 1e6);
  t.sample("ferry_policy_decision_seconds_count", {}, cumulative);
  const auto counter = [&t](const char* name, const char* help, std::int64_t v) {
    t.family(name, "counter", help);
    t.sample(name, {}, v);
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
  t.family("ferry_policy_rate_limited_total", "counter",
           "Requests answered DEFER_IF_PERMIT 4.7.1 because the sender or the client address "
           "was over a rate limit.");
  t.sample("ferry_policy_rate_limited_total", {{"limit", "sender"}}, value(rate_limited_sender_));
  t.sample("ferry_policy_rate_limited_total", {{"limit", "client"}}, value(rate_limited_client_));
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
  t.family("ferry_policy_connections_open", "gauge", "Policy connections open now.");
  t.sample("ferry_policy_connections_open", {}, value(connections_open_));
  return std::move(t).str();
}

}  // namespace ferry::apps::policy
