#include "ferry/postfix/recipient_metrics.hpp"

#include <string>

namespace ferry::postfix {
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

}  // namespace

void write_answer_metrics(metrics_writer& out, const policy_stats& stats, std::string_view prefix) {
  const std::string p(prefix);
  for (std::size_t i = 0; i < verdict_count; ++i) {
    const auto v = static_cast<verdict>(i);
    out.counter(p + "_requests_total", "Policy requests answered, by Postfix action and verdict.",
                stats.answers(i), {{"action", action_label(v)}, {"verdict", to_string(v)}});
  }
  // Seconds, with microsecond precision in `le`.
  out.histogram(p + "_decision_seconds", "Time from a complete request to its answer.",
                histogram_export(stats.latency(), 1e6, 6));
}

void write_server_metrics(metrics_writer& out, const policy_stats& stats, std::string_view prefix) {
  const std::string p(prefix);
  const auto counter = [&](const char* name, const char* help, server_event e) {
    out.counter(p + name, help, stats.events(e));
  };
  counter("_decision_timeouts_total",
          "Requests answered DEFER_IF_PERMIT because the directory was too slow.",
          server_event::decision_timeout);
  counter("_connections_total", "Policy connections accepted.", server_event::connection_opened);
  counter("_connections_refused_total",
          "Policy connections closed at once because max_connections (or the open-files "
          "limit) was reached.",
          server_event::connection_refused);
  counter("_protocol_errors_total", "Connections closed for malformed or oversized input.",
          server_event::protocol_error);
  counter("_idle_timeouts_total", "Connections closed after idle_timeout.",
          server_event::idle_timeout);
  counter("_request_timeouts_total",
          "Connections closed because a request was not complete within request_timeout.",
          server_event::request_timeout);
  out.gauge(p + "_connections_open", "Policy connections open now.", stats.open_connections());
}

}  // namespace ferry::postfix
