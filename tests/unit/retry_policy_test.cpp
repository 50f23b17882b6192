#include <catch2/catch.hpp>

#include <chrono>
#include <random>
#include <stdexcept>

#include "ferry/core/retry_policy.hpp"

using namespace std::chrono_literals;
using ferry::jitter_mode;
using ferry::retry_policy;

TEST_CASE("retry_policy defaults: 3 attempts, 60 s base", "[retry_policy]") {
  const retry_policy p;
  CHECK(p.max_attempts == 3);
  CHECK(p.base == 60s);
  CHECK(p.should_retry(1));
  CHECK(p.should_retry(2));
  CHECK_FALSE(p.should_retry(3));
  CHECK_NOTHROW(p.validate());
}

TEST_CASE("retry_policy nominal delay doubles and is capped", "[retry_policy]") {
  retry_policy p;
  p.base = 100ms;
  p.cap = 1s;
  CHECK(p.nominal_delay(1) == 100ms);
  CHECK(p.nominal_delay(2) == 200ms);
  CHECK(p.nominal_delay(3) == 400ms);
  CHECK(p.nominal_delay(4) == 800ms);
  CHECK(p.nominal_delay(5) == 1s);
  CHECK(p.nominal_delay(500) == 1s);  // saturates, no overflow
  CHECK(p.nominal_delay(0) == 100ms);
}

TEST_CASE("retry_policy without jitter is deterministic", "[retry_policy]") {
  retry_policy p;
  p.base = 50ms;
  p.jitter = jitter_mode::none;
  std::mt19937_64 rng(1);
  CHECK(p.delay_for(1, rng) == 50ms);
  CHECK(p.delay_for(3, rng) == 200ms);
}

TEST_CASE("retry_policy full jitter stays in [0, d]", "[retry_policy]") {
  retry_policy p;
  p.base = 1000ms;
  p.jitter = jitter_mode::full;
  std::mt19937_64 rng(42);
  bool below_half = false;
  for (int i = 0; i < 1000; ++i) {
    const auto d = p.delay_for(2, rng);
    REQUIRE(d >= 0ms);
    REQUIRE(d <= 2000ms);
    below_half = below_half || d < 1000ms;
  }
  CHECK(below_half);
}

TEST_CASE("retry_policy equal jitter stays in [d/2, d]", "[retry_policy]") {
  retry_policy p;
  p.base = 1000ms;
  p.jitter = jitter_mode::equal;
  std::mt19937_64 rng(7);
  bool varied = false;
  for (int i = 0; i < 1000; ++i) {
    const auto d = p.delay_for(1, rng);
    REQUIRE(d >= 500ms);
    REQUIRE(d <= 1000ms);
    varied = varied || d != 1000ms;
  }
  CHECK(varied);
}

TEST_CASE("retry_policy validate rejects nonsense", "[retry_policy]") {
  retry_policy p;
  p.max_attempts = 0;
  CHECK_THROWS_AS(p.validate(), std::invalid_argument);
  p = {};
  p.cap = 1ms;
  CHECK_THROWS_AS(p.validate(), std::invalid_argument);
  p = {};
  p.multiplier = 0.5;
  CHECK_THROWS_AS(p.validate(), std::invalid_argument);
}
