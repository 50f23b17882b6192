// ferry::service::histogram_export: a ferry::histogram written by the Prometheus writer, in
// the metric's unit.
#include <catch2/catch.hpp>

#include <string>

#include "ferry/core/histogram.hpp"
#include "ferry/service/histogram_export.hpp"
#include "ferry/service/prometheus.hpp"

TEST_CASE("histogram_export divides bounds and sum, keeps the counts", "[service][prometheus]") {
  ferry::histogram us({50, 100, 1'000'000});
  us.observe(80);
  us.observe(3000);
  us.observe(5'000'000);
  const auto h = ferry::service::histogram_export(us.read(), 1e6, 6);
  REQUIRE(h.buckets.size() == 3);
  CHECK(h.buckets[0].first == Approx(0.00005));
  CHECK(h.buckets[1] == std::pair<double, std::uint64_t>{0.0001, 1});
  CHECK(h.buckets[2].second == 2);
  CHECK(h.count == 3);
  CHECK(h.sum == 5003080 / 1e6);  // exactly as the division rounds it
  CHECK(h.le_decimals == 6);

  ferry::service::metrics_writer out;
  out.histogram("app_decision_seconds", "Time to answer.", h);
  const auto text = out.text();
  CHECK(text.find("app_decision_seconds_bucket{le=\"0.000050\"} 0\n") != std::string::npos);
  CHECK(text.find("app_decision_seconds_bucket{le=\"1.000000\"} 2\n") != std::string::npos);
  CHECK(text.find("app_decision_seconds_bucket{le=\"+Inf\"} 3\n") != std::string::npos);
  CHECK(text.find("app_decision_seconds_count 3\n") != std::string::npos);

  const auto plain = ferry::service::histogram_export(us.read());
  CHECK(plain.buckets[2].first == 1'000'000.0);
  CHECK_FALSE(plain.le_decimals);
}
