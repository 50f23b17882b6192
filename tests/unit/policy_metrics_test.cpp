// ferry-policyd's Prometheus text: counters per verdict and a cumulative latency histogram.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "metrics.hpp"

using namespace ferry::apps::policy;

TEST_CASE("metrics render counters and a cumulative histogram", "[policy][metrics]") {
  metrics m;
  m.record_decision(verdict::accept, std::chrono::microseconds(80));
  m.record_decision(verdict::reject_unknown, std::chrono::microseconds(3000));
  m.cache_hit();
  const auto text = m.render();
  CHECK(text.find("ferry_policy_requests_total{action=\"ok\",verdict=\"accept\"} 1") !=
        std::string::npos);
  CHECK(text.find("ferry_policy_requests_total{action=\"reject\",verdict=\"reject_unknown\"} 1") !=
        std::string::npos);
  CHECK(text.find("ferry_policy_decision_seconds_bucket{le=\"0.000100\"} 1") != std::string::npos);
  CHECK(text.find("ferry_policy_decision_seconds_bucket{le=\"+Inf\"} 2") != std::string::npos);
  CHECK(text.find("ferry_policy_cache_hits_total 1") != std::string::npos);
  CHECK(text.find("ferry_policy_cache_misses_total 0") != std::string::npos);
}
