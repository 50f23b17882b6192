// ferry-policyd's Prometheus text: counters per verdict and a cumulative latency histogram.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>

#include "metrics.hpp"

using namespace ferry::apps::policy;

namespace {

// One answer of the policy server, as it reports it.
void answered(metrics& m, verdict v, std::chrono::microseconds latency) {
  const ferry::postfix::policy_request request;
  const ferry::postfix::decision made{ferry::postfix::action::dunno(), static_cast<unsigned>(v)};
  m.server().record(ferry::postfix::answered{request, made, latency});
}

}  // namespace

TEST_CASE("metrics render counters and a cumulative histogram", "[policy][metrics]") {
  metrics m;
  answered(m, verdict::accept, std::chrono::microseconds(80));
  answered(m, verdict::reject_unknown, std::chrono::microseconds(3000));
  m.watch_cache([] {
    ferry::cache::cache_stats s;
    s.hits = 1;
    return s;
  });
  const auto text = m.render();
  CHECK(text.find("ferry_policy_requests_total{action=\"ok\",verdict=\"accept\"} 1") !=
        std::string::npos);
  CHECK(text.find("ferry_policy_requests_total{action=\"reject\",verdict=\"reject_unknown\"} 1") !=
        std::string::npos);
  CHECK(text.find("ferry_policy_decision_seconds_bucket{le=\"0.000100\"} 1") != std::string::npos);
  CHECK(text.find("ferry_policy_decision_seconds_bucket{le=\"+Inf\"} 2") != std::string::npos);
  CHECK(text.find("ferry_policy_cache_hits_total 1") != std::string::npos);
  CHECK(text.find("ferry_policy_cache_misses_total 0") != std::string::npos);
  CHECK(m.decisions(verdict::accept) == 1);
}

TEST_CASE("metrics count the policy server's connection events", "[policy][metrics]") {
  using ferry::postfix::server_event;
  metrics m;
  m.server().record(server_event::connection_opened);
  m.server().record(server_event::connection_opened);
  m.server().record(server_event::connection_closed);
  m.server().record(server_event::decision_timeout);
  m.server().record(server_event::connection_refused);
  const auto text = m.render();
  CHECK(text.find("ferry_policy_connections_total 2\n") != std::string::npos);
  CHECK(text.find("ferry_policy_connections_open 1\n") != std::string::npos);
  CHECK(text.find("ferry_policy_connections_refused_total 1\n") != std::string::npos);
  CHECK(text.find("ferry_policy_decision_timeouts_total 1\n") != std::string::npos);
  CHECK(text.find("ferry_policy_idle_timeouts_total 0\n") != std::string::npos);
  CHECK(m.open_connections() == 1);
  CHECK(m.decision_timeouts() == 1);
}
