#include "metrics.hpp"

#include <ferry/service/histogram_export.hpp>

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

std::string metrics::render() const {
  service::metrics_writer out;
  collect(out);
  return out.text();
}

void metrics::collect(service::metrics_writer& out) const {
  for (std::size_t i = 0; i < verdict_count; ++i) {
    const auto v = static_cast<verdict>(i);
    out.counter("ferry_policy_requests_total",
                "Policy requests answered, by Postfix action and verdict.", server_.answers(i),
                {{"action", action_label(v)}, {"verdict", to_string(v)}});
  }
  // Seconds, with microsecond precision in `le` as the series always had.
  const auto latency = service::histogram_export(server_.latency(), 1e6, 6);
  out.histogram("ferry_policy_decision_seconds", "Time from a complete request to its answer.",
                latency);
  const auto counter = [&out](const char* name, const char* help, std::uint64_t v) {
    out.counter(name, help, v);
  };
  const auto events = [this](postfix::server_event e) { return server_.events(e); };
  using postfix::server_event;
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
          events(server_event::decision_timeout));
  counter("ferry_policy_connections_total", "Policy connections accepted.",
          events(server_event::connection_opened));
  counter("ferry_policy_connections_refused_total",
          "Policy connections closed at once because max_connections (or the open-files "
          "limit) was reached.",
          events(server_event::connection_refused));
  counter("ferry_policy_protocol_errors_total",
          "Connections closed for malformed or oversized input.",
          events(server_event::protocol_error));
  counter("ferry_policy_idle_timeouts_total", "Connections closed after idle_timeout.",
          events(server_event::idle_timeout));
  counter("ferry_policy_request_timeouts_total",
          "Connections closed because a request was not complete within request_timeout.",
          events(server_event::request_timeout));
  out.gauge("ferry_policy_connections_open", "Policy connections open now.",
            server_.open_connections());
}

}  // namespace ferry::apps::policy
