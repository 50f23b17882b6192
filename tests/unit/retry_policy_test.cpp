#include <catch2/catch.hpp>

#include <random>

#include "ferry/retry_policy.hpp"

using namespace std::chrono_literals;

TEST_CASE("retry_policy defaults: 3 attempts, 60 s base doubling, capped", "[retry_policy]") {
  ferry::retry_policy p;
  CHECK(p.max_attempts == 3);
  CHECK(p.should_retry(1));
  CHECK(p.should_retry(2));
  CHECK_FALSE(p.should_retry(3));
  CHECK(p.nominal_delay(1) == 60s);
  CHECK(p.nominal_delay(2) == 120s);
  CHECK(p.nominal_delay(3) == 240s);
  CHECK(p.nominal_delay(0) == 60s);
  CHECK(p.nominal_delay(1000) == 1h);  // saturates, never overflows
}

TEST_CASE("retry_policy jitter stays in its documented range", "[retry_policy]") {
  std::mt19937_64 rng{42};
  ferry::retry_policy p{.max_attempts = 5,
                        .base = 1000ms,
                        .cap = 10s,
                        .multiplier = 2.0,
                        .jitter = ferry::jitter_mode::equal};
  for (int i = 0; i < 200; ++i) {
    const auto d = p.delay_for(2, rng);
    CHECK(d >= 1000ms);
    CHECK(d <= 2000ms);
  }
  p.jitter = ferry::jitter_mode::full;
  for (int i = 0; i < 200; ++i) CHECK(p.delay_for(3, rng) <= 4000ms);
  p.jitter = ferry::jitter_mode::none;
  CHECK(p.delay_for(4, rng) == 8000ms);
  CHECK(p.delay_for(5, rng) == 10s);
}

TEST_CASE("retry_policy validate rejects nonsense", "[retry_policy]") {
  CHECK_NOTHROW(ferry::retry_policy{}.validate());
  CHECK_THROWS_AS(ferry::retry_policy{.max_attempts = 0}.validate(), std::invalid_argument);
  CHECK_THROWS_AS((ferry::retry_policy{.base = 10s, .cap = 1s}.validate()), std::invalid_argument);
  CHECK_THROWS_AS(ferry::retry_policy{.multiplier = 0.5}.validate(), std::invalid_argument);
}
