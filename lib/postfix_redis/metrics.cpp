#include "ferry/postfix/redis/metrics.hpp"

#include <string>

namespace ferry::postfix::redis {

void write_cache_metrics(metrics_writer& out, const cache::cache_stats& stats,
                         std::string_view prefix) {
  const std::string p(prefix);
  out.counter(p + "_cache_hits_total", "Directory lookups answered by the Redis cache.",
              stats.hits);
  out.counter(p + "_cache_near_hits_total",
              "Cache hits answered from the in-process near cache, without a Redis round trip.",
              stats.near_hits);
  out.counter(p + "_cache_misses_total", "Directory lookups that went to the database.",
              stats.misses);
  out.counter(p + "_cache_errors_total",
              "Cache operations that failed (Redis down: answered from the database).",
              stats.errors);
}

void write_rate_limit_metrics(metrics_writer& out, const rate_limits_stats& stats,
                              std::string_view prefix) {
  const std::string p(prefix);
  const char* const limited_help =
      "Requests answered DEFER_IF_PERMIT 4.7.1 because the sender or the client address was "
      "over a rate limit.";
  out.counter(p + "_rate_limited_total", limited_help, stats.limited_sender, {{"limit", "sender"}});
  out.counter(p + "_rate_limited_total", limited_help, stats.limited_client, {{"limit", "client"}});
  out.counter(p + "_rate_limit_errors_total",
              "Rate-limit checks the limiter could not make (Redis down): admitted (fail-open).",
              stats.errors);
}

}  // namespace ferry::postfix::redis
