// ferry/postfix/redis/metrics.hpp — the cached directory's and the rate limits' counters as
// Prometheus metrics, beside ferry/postfix/recipient_metrics.hpp's.
//
//   registry.add([&](ferry::metrics_writer& out) {
//     ferry::postfix::redis::write_cache_metrics(out, cached.stats());
//     ferry::postfix::redis::write_rate_limit_metrics(out, limits.stats());
//   });
//
// What is written, under `prefix` ("ferry_policy"): `_cache_hits_total` (answered by the
// cache, near or Redis), `_cache_near_hits_total` (of those, in process), `_cache_misses_total`
// and `_cache_errors_total` (Redis failures, answered from the directory);
// `_rate_limited_total{limit="sender"|"client"}` and `_rate_limit_errors_total` (checks the
// store could not make, admitted).
//
// The rule a reader would get wrong: pass zeroed stats (`{}`) when there is no cache or no
// limit, so the series exist, at 0, whatever the configuration.
//
// Thread safety: pure functions of their arguments. Errors: as metrics_writer.
#pragma once

#include <string_view>

#include <ferry/cache/stats.hpp>
#include <ferry/core/metrics_writer.hpp>
#include <ferry/export.hpp>
#include <ferry/postfix/redis/rate_limits.hpp>

namespace ferry::postfix::redis {

FERRY_API void write_cache_metrics(metrics_writer& out, const cache::cache_stats& stats,
                                   std::string_view prefix = "ferry_policy");

FERRY_API void write_rate_limit_metrics(metrics_writer& out, const rate_limits_stats& stats,
                                        std::string_view prefix = "ferry_policy");

}  // namespace ferry::postfix::redis
