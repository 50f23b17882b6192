// ferry/postfix/recipient_metrics.hpp — a recipient policy server's policy_stats as Prometheus
// metrics: answers by Postfix action and verdict, their latency, and the server's connection
// events.
//
//   ferry::postfix::policy_stats stats(ferry::postfix::verdict_count);
//   auto server = ferry::postfix::recipient_server(policy, options, &stats);
//   registry.add([&stats](ferry::metrics_writer& out) {
//     ferry::postfix::write_answer_metrics(out, stats);  // ferry_policy_requests_total{...}
//     ferry::postfix::write_server_metrics(out, stats);  // ferry_policy_connections_total ...
//   });
//
// What is written, under `prefix` ("ferry_policy"): `_requests_total{action,verdict}` for
// every verdict (action: dunno, ok, reject or defer_if_permit, the class of Postfix action the
// verdict answers with, whatever the configured texts), `_decision_seconds` (a histogram in
// seconds, `le` with six decimals); then `_decision_timeouts_total`, `_connections_total`,
// `_connections_refused_total`, `_protocol_errors_total`, `_idle_timeouts_total`,
// `_request_timeouts_total` and the gauge `_connections_open`.
//
// The rule a reader would get wrong: the stats' kinds must be recipient_policy's verdicts
// (what recipient_server counts); stats of another decide callback need their own labels.
//
// Thread safety: reads the stats' atomics; call from one scrape at a time per writer.
// Errors: as metrics_writer (std::invalid_argument for a malformed prefix, or the same
// families written twice).
#pragma once

#include <string_view>

#include <ferry/core/metrics_writer.hpp>
#include <ferry/export.hpp>
#include <ferry/postfix/policy_stats.hpp>
#include <ferry/postfix/recipient_policy.hpp>

namespace ferry::postfix {

/// `_requests_total` by action and verdict, and the `_decision_seconds` histogram.
FERRY_API void write_answer_metrics(metrics_writer& out, const policy_stats& stats,
                                    std::string_view prefix = "ferry_policy");

/// The connection events' counters and the `_connections_open` gauge.
FERRY_API void write_server_metrics(metrics_writer& out, const policy_stats& stats,
                                    std::string_view prefix = "ferry_policy");

}  // namespace ferry::postfix
