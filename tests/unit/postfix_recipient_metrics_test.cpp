// ferry::postfix::write_answer_metrics and write_server_metrics: a recipient policy server's
// policy_stats as Prometheus text, under the default and a custom prefix.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "ferry/postfix/recipient_metrics.hpp"

using namespace ferry::postfix;

namespace {

void record_answer(policy_stats& stats, verdict v, std::chrono::microseconds latency) {
  const policy_request request;
  const decision made{action::dunno(), static_cast<unsigned>(v)};
  stats.record(ferry::postfix::answered{request, made, latency});
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("recipient metrics: answers by action and verdict, latency, events",
          "[postfix][metrics]") {
  policy_stats stats(verdict_count);
  record_answer(stats, verdict::accept, std::chrono::microseconds(80));
  record_answer(stats, verdict::rate_limited, std::chrono::microseconds(3000));
  stats.record(server_event::connection_opened);
  stats.record(server_event::protocol_error);
  ferry::metrics_writer out;
  write_answer_metrics(out, stats);
  write_server_metrics(out, stats, "mx");
  const auto text = out.text();
  CHECK(contains(text, "ferry_policy_requests_total{action=\"ok\",verdict=\"accept\"} 1\n"));
  CHECK(contains(text,
                 "ferry_policy_requests_total{action=\"defer_if_permit\","
                 "verdict=\"rate_limited\"} 1\n"));
  CHECK(contains(text, "ferry_policy_requests_total{action=\"dunno\",verdict=\"no_opinion\"} 0\n"));
  CHECK(contains(text, "ferry_policy_decision_seconds_bucket{le=\"0.000100\"} 1\n"));
  CHECK(contains(text, "ferry_policy_decision_seconds_count 2\n"));
  CHECK(contains(text, "mx_connections_total 1\n"));
  CHECK(contains(text, "mx_protocol_errors_total 1\n"));
  CHECK(contains(text, "mx_decision_timeouts_total 0\n"));
  CHECK(contains(text, "# TYPE mx_connections_open gauge\nmx_connections_open 1\n"));
}
