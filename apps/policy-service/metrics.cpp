#include "metrics.hpp"

#include <cstdio>

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

void counter(std::string& out, const char* name, const char* help, std::uint64_t value) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " counter\n";
  out += name;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

std::string seconds(std::uint64_t micros) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(micros) / 1e6);
  return buf;
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
  std::string out;
  out.reserve(4096);
  out +=
      "# HELP ferry_policy_requests_total Policy requests answered, by Postfix action and "
      "verdict.\n# TYPE ferry_policy_requests_total counter\n";
  for (std::size_t i = 0; i < verdict_count; ++i) {
    const auto v = static_cast<verdict>(i);
    out += "ferry_policy_requests_total{action=\"";
    out += action_label(v);
    out += "\",verdict=\"";
    out += to_string(v);
    out += "\"} ";
    out += std::to_string(by_verdict_[i].load(std::memory_order_relaxed));
    out += '\n';
  }
  out +=
      "# HELP ferry_policy_decision_seconds Time from a complete request to its answer.\n"
      "# TYPE ferry_policy_decision_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= latency_bounds_us.size(); ++i) {
    cumulative += latency_buckets_[i].load(std::memory_order_relaxed);
    out += "ferry_policy_decision_seconds_bucket{le=\"";
    out += i < latency_bounds_us.size() ? seconds(latency_bounds_us[i]) : std::string("+Inf");
    out += "\"} ";
    out += std::to_string(cumulative);
    out += '\n';
  }
  out += "ferry_policy_decision_seconds_sum " +
         seconds(latency_sum_us_.load(std::memory_order_relaxed)) + "\n";
  out += "ferry_policy_decision_seconds_count " + std::to_string(cumulative) + "\n";
  counter(out, "ferry_policy_cache_hits_total", "Directory lookups answered by the Redis cache.",
          cache_hits_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_cache_near_hits_total",
          "Cache hits answered from the in-process near cache, without a Redis round trip.",
          cache_near_hits_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_cache_misses_total", "Directory lookups that went to the database.",
          cache_misses_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_cache_errors_total",
          "Cache operations that failed (Redis down: answered from the database).",
          cache_errors_.load(std::memory_order_relaxed));
  out +=
      "# HELP ferry_policy_rate_limited_total Requests answered DEFER_IF_PERMIT 4.7.1 because "
      "the sender or the client address was over a rate limit.\n"
      "# TYPE ferry_policy_rate_limited_total counter\n";
  out += "ferry_policy_rate_limited_total{limit=\"sender\"} " +
         std::to_string(rate_limited_sender_.load(std::memory_order_relaxed)) + "\n";
  out += "ferry_policy_rate_limited_total{limit=\"client\"} " +
         std::to_string(rate_limited_client_.load(std::memory_order_relaxed)) + "\n";
  counter(out, "ferry_policy_rate_limit_errors_total",
          "Rate-limit checks the limiter could not make (Redis down): admitted (fail-open).",
          rate_limit_errors_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_decision_timeouts_total",
          "Requests answered DEFER_IF_PERMIT because the directory was too slow.",
          decision_timeouts_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_connections_total", "Policy connections accepted.",
          connections_total_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_connections_refused_total",
          "Policy connections closed at once because max_connections was reached.",
          connections_refused_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_protocol_errors_total",
          "Connections closed for malformed or oversized input.",
          protocol_errors_.load(std::memory_order_relaxed));
  counter(out, "ferry_policy_idle_timeouts_total", "Connections closed after idle_timeout.",
          idle_timeouts_.load(std::memory_order_relaxed));
  out +=
      "# HELP ferry_policy_connections_open Policy connections open now.\n"
      "# TYPE ferry_policy_connections_open gauge\nferry_policy_connections_open " +
      std::to_string(connections_open_.load(std::memory_order_relaxed)) + "\n";
  return out;
}

}  // namespace ferry::apps::policy
