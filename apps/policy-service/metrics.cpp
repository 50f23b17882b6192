#include "metrics.hpp"

#include <ferry/postfix/recipient_metrics.hpp>
#include <ferry/postfix/redis/metrics.hpp>

namespace ferry::apps::policy {

std::string metrics::render() const {
  service::metrics_writer out;
  collect(out);
  return out.text();
}

void metrics::collect(service::metrics_writer& out) const {
  postfix::write_answer_metrics(out, server_);
  postfix::redis::write_cache_metrics(out, cache_ ? cache_() : cache::cache_stats{});
  postfix::redis::write_rate_limit_metrics(
      out, limits_ ? limits_() : postfix::redis::rate_limits_stats{});
  postfix::write_server_metrics(out, server_);
}

}  // namespace ferry::apps::policy
