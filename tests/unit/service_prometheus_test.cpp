#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "ferry/service/prometheus.hpp"

using namespace ferry::service;

TEST_CASE("prometheus: a family's samples stay together under one HELP and TYPE", "[prometheus]") {
  metrics_writer w;
  w.counter("jobs_total", "Jobs.", 1, {{"queue", "a"}});
  w.gauge("depth", "Depth.", std::int64_t{-3});
  w.counter("jobs_total", "Jobs.", std::uint64_t{18446744073709551615ULL}, {{"queue", "b"}});
  CHECK(w.text() ==
        "# HELP jobs_total Jobs.\n# TYPE jobs_total counter\n"
        "jobs_total{queue=\"a\"} 1\n"
        "jobs_total{queue=\"b\"} 18446744073709551615\n"
        "# HELP depth Depth.\n# TYPE depth gauge\n"
        "depth -3\n");
}

TEST_CASE("prometheus: label values are escaped, HELP/TYPE written once", "[prometheus]") {
  metrics_writer t;
  t.counter("x_total", "Things.", std::int64_t{3}, {{"q", "a\"b\\c\nd"}});
  t.counter("x_total", "Things.", std::int64_t{-1});
  CHECK(t.text() ==
        "# HELP x_total Things.\n# TYPE x_total counter\n"
        "x_total{q=\"a\\\"b\\\\c\\nd\"} 3\nx_total -1\n");
}

TEST_CASE("prometheus: label values and help are escaped", "[prometheus]") {
  metrics_writer w;
  w.gauge("g", "a \\ b\nc \"q\"", 1, {{"l", "x\\y\"z\nw"}});
  CHECK(w.text() ==
        "# HELP g a \\\\ b\\nc \"q\"\n# TYPE g gauge\n"
        "g{l=\"x\\\\y\\\"z\\nw\"} 1\n");
}

TEST_CASE("prometheus: doubles are exact, infinities and NaN spelled out", "[prometheus]") {
  CHECK(metric_value(0.25).text() == "0.25");
  CHECK(metric_value(std::numeric_limits<double>::infinity()).text() == "+Inf");
  CHECK(metric_value(-std::numeric_limits<double>::infinity()).text() == "-Inf");
  CHECK(metric_value(std::nan("")).text() == "NaN");
  CHECK(std::stod(metric_value(0.1).text()) == 0.1);
  CHECK(metric_value(true).text() == "1");
}

TEST_CASE("prometheus: histograms write buckets, +Inf, sum and count", "[prometheus]") {
  metrics_writer w;
  w.histogram("lat_seconds", "Latency.", {.buckets = {{0.5, 2}, {1, 3}}, .sum = 1.75, .count = 4},
              {{"op", "get"}});
  CHECK(w.text() ==
        "# HELP lat_seconds Latency.\n# TYPE lat_seconds histogram\n"
        "lat_seconds_bucket{op=\"get\",le=\"0.5\"} 2\n"
        "lat_seconds_bucket{op=\"get\",le=\"1\"} 3\n"
        "lat_seconds_bucket{op=\"get\",le=\"+Inf\"} 4\n"
        "lat_seconds_sum{op=\"get\"} 1.75\n"
        "lat_seconds_count{op=\"get\"} 4\n");
  CHECK_THROWS_AS(w.histogram("h", "H.", {}, {{"le", "1"}}), std::invalid_argument);
  metrics_writer fixed;
  fixed.histogram("d", "D.", {.buckets = {{0.0001, 1}}, .sum = 0, .count = 1, .le_decimals = 6});
  CHECK(fixed.text().find("d_bucket{le=\"0.000100\"} 1\n") != std::string::npos);
}

TEST_CASE("prometheus: malformed names, conflicting families and repeats are refused",
          "[prometheus]") {
  metrics_writer w;
  CHECK_THROWS_AS(w.counter("1abc", "x", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.counter("a-b", "x", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.counter("ok", "x", 1, {{"__name", "v"}}), std::invalid_argument);
  CHECK_THROWS_AS(w.counter("ok2", "x", 1, {{"a:b", "v"}}), std::invalid_argument);
  CHECK_NOTHROW(w.counter("ns:ok_total", "x", 1, {{"_l1", "v"}}));
  CHECK_THROWS_AS(w.gauge("ns:ok_total", "x", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.counter("ns:ok_total", "other help", 1), std::invalid_argument);
  CHECK_THROWS_AS(w.counter("ns:ok_total", "x", 2, {{"_l1", "v"}}), std::invalid_argument);
}

TEST_CASE("prometheus: the registry runs its collectors at every scrape", "[prometheus]") {
  metrics_registry r;
  int n = 0;
  r.add([&n](metrics_writer& out) { out.counter("scrapes_total", "Scrapes.", ++n); });
  r.add([](metrics_writer& out) { out.gauge("up", "Up.", 1); });
  CHECK(r.scrape().find("scrapes_total 1\n") != std::string::npos);
  const auto res = r.handler()(http_request{});
  CHECK(res.status == 200);
  CHECK(res.content_type == metrics_writer::content_type);
  CHECK(res.body.find("scrapes_total 2\n") != std::string::npos);
  CHECK(res.body.find("up 1\n") != std::string::npos);
  r.add([](metrics_writer&) { throw std::runtime_error("down"); });
  CHECK(r.handler()(http_request{}).status == 500);
  CHECK_THROWS_AS(r.add({}), std::invalid_argument);
}
