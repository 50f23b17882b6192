// ferry::histogram: which bucket a value lands in, cumulative snapshots, bad bounds, and no
// lost counts under concurrent recording.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <thread>
#include <vector>

#include "ferry/core/histogram.hpp"

TEST_CASE("histogram puts a value in the first bucket whose bound it does not exceed",
          "[histogram]") {
  ferry::histogram h({50, 100, 250});
  CHECK(h.upper_bounds() == std::vector<std::uint64_t>{50, 100, 250});
  const auto empty = h.read();
  CHECK(empty.count == 0);
  CHECK(empty.sum == 0);
  REQUIRE(empty.buckets.size() == 3);

  for (const std::uint64_t v : {0U, 50U, 51U, 100U, 250U, 251U, 100000U}) h.observe(v);
  const auto s = h.read();
  using bucket = std::pair<std::uint64_t, std::uint64_t>;
  CHECK(s.buckets == std::vector<bucket>{{50, 2}, {100, 4}, {250, 5}});  // cumulative
  CHECK(s.count == 7);  // two past the last bound: the +Inf bucket
  CHECK(s.sum == 0 + 50 + 51 + 100 + 250 + 251 + 100000);
}

TEST_CASE("histogram refuses bounds that are empty or not strictly ascending", "[histogram]") {
  CHECK_THROWS_AS(ferry::histogram({}), std::invalid_argument);
  CHECK_THROWS_AS(ferry::histogram({100, 50}), std::invalid_argument);
  CHECK_THROWS_AS(ferry::histogram({50, 50}), std::invalid_argument);
  CHECK_NOTHROW(ferry::histogram({1}));
}

TEST_CASE("histogram loses no observation under concurrent recording", "[histogram]") {
  ferry::histogram h({10, 20});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h, t] {
      for (int i = 0; i < 10000; ++i) h.observe(static_cast<std::uint64_t>(t * 10 + 5));
    });
  }
  for (auto& th : threads) th.join();
  const auto s = h.read();
  CHECK(s.count == 40000);
  CHECK(s.buckets[0].second == 10000);
  CHECK(s.buckets[1].second == 20000);
  CHECK(s.sum == 10000 * (5 + 15 + 25 + 35));
}
