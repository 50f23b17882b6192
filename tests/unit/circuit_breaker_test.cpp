// ferry::circuit_breaker on an injected clock: every transition is checked at exact instants.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "ferry/core/circuit_breaker.hpp"

using namespace std::chrono_literals;
using ferry::circuit_breaker;
using ferry::circuit_breaker_options;
using ferry::circuit_state;

namespace {

// A steady clock that moves only when the test says so (starts away from the epoch).
struct fake_clock {
  std::shared_ptr<std::chrono::steady_clock::time_point> now =
      std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::hours{1});
  void advance(std::chrono::milliseconds d) const { *now += d; }
  [[nodiscard]] auto fn() const {
    return [now = now] { return *now; };
  }
};

circuit_breaker_options with_clock(const fake_clock& c, std::chrono::milliseconds cooldown,
                                   std::uint32_t threshold = 1) {
  return {.cooldown = cooldown, .failure_threshold = threshold, .clock = c.fn()};
}

}  // namespace

TEST_CASE("circuit_breaker starts closed and lets every call through", "[circuit_breaker]") {
  circuit_breaker b;
  CHECK(b.state() == circuit_state::closed);
  for (int i = 0; i < 3; ++i) CHECK(b.allow());
  b.record_success();
  CHECK(b.state() == circuit_state::closed);
  CHECK(b.trips() == 0);
  CHECK(b.options().cooldown == 5s);
}

TEST_CASE("circuit_breaker refuses bad options", "[circuit_breaker]") {
  CHECK_THROWS_AS(circuit_breaker({.cooldown = 0ms}), std::invalid_argument);
  CHECK_THROWS_AS(circuit_breaker({.cooldown = -1ms}), std::invalid_argument);
  CHECK_THROWS_AS(circuit_breaker({.failure_threshold = 0}), std::invalid_argument);
}

TEST_CASE("circuit_breaker opens on a failure for exactly the cool-down", "[circuit_breaker]") {
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 5s)};
  REQUIRE(b.allow());
  CHECK(b.record_failure());  // a trip
  CHECK(b.trips() == 1);
  CHECK(b.state() == circuit_state::open);
  CHECK_FALSE(b.allow());
  clock.advance(4999ms);
  CHECK(b.state() == circuit_state::open);
  CHECK_FALSE(b.allow());
  clock.advance(1ms);
  CHECK(b.state() == circuit_state::half_open);
}

TEST_CASE("circuit_breaker lets one probe through when half-open", "[circuit_breaker]") {
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 1s)};
  (void)b.record_failure();
  clock.advance(1s);
  CHECK(b.allow());        // the probe
  CHECK_FALSE(b.allow());  // everyone else waits for it
  CHECK_FALSE(b.allow());

  SECTION("a successful probe closes the circuit") {
    b.record_success();
    CHECK(b.state() == circuit_state::closed);
    CHECK(b.allow());
    CHECK(b.allow());
    CHECK(b.trips() == 1);
  }
  SECTION("a failed probe opens it for another cool-down, not counted as a new trip") {
    CHECK_FALSE(b.record_failure());
    CHECK(b.trips() == 1);
    CHECK(b.state() == circuit_state::open);
    CHECK_FALSE(b.allow());
    clock.advance(999ms);
    CHECK_FALSE(b.allow());
    clock.advance(1ms);
    CHECK(b.allow());  // the next probe
  }
  SECTION("a neutral outcome passes the probe's turn to the next caller") {
    b.record_neutral();
    CHECK(b.state() == circuit_state::half_open);
    CHECK(b.allow());
    CHECK_FALSE(b.allow());
  }
}

TEST_CASE("circuit_breaker: a failure while open restarts the cool-down", "[circuit_breaker]") {
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 1s)};
  CHECK(b.record_failure());
  clock.advance(600ms);
  CHECK_FALSE(b.record_failure());  // a call that started before the trip
  clock.advance(600ms);             // 1.2 s after the trip, 0.6 s after the second failure
  CHECK(b.state() == circuit_state::open);
  clock.advance(400ms);
  CHECK(b.state() == circuit_state::half_open);
  CHECK(b.trips() == 1);
}

TEST_CASE("circuit_breaker with a threshold opens on that many failures in a row",
          "[circuit_breaker]") {
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 1s, 3)};
  CHECK_FALSE(b.record_failure());
  CHECK_FALSE(b.record_failure());
  CHECK(b.state() == circuit_state::closed);
  b.record_success();  // breaks the run
  CHECK_FALSE(b.record_failure());
  CHECK_FALSE(b.record_failure());
  CHECK(b.state() == circuit_state::closed);
  CHECK(b.record_failure());
  CHECK(b.state() == circuit_state::open);
  CHECK(b.trips() == 1);
  clock.advance(1s);
  REQUIRE(b.allow());
  CHECK_FALSE(b.record_failure());  // a failed probe reopens at once, whatever the threshold
  CHECK(b.state() == circuit_state::open);
  clock.advance(1s);
  REQUIRE(b.allow());
  b.record_success();
  // Closed again with a fresh run: the threshold counts from zero.
  CHECK_FALSE(b.record_failure());
  CHECK_FALSE(b.record_failure());
  CHECK(b.state() == circuit_state::closed);
}

TEST_CASE("circuit_breaker: neutral outcomes leave a closed or open circuit alone",
          "[circuit_breaker]") {
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 1s)};
  b.record_neutral();
  CHECK(b.state() == circuit_state::closed);
  (void)b.record_failure();
  b.record_neutral();
  CHECK(b.state() == circuit_state::open);
  CHECK_FALSE(b.allow());
}

TEST_CASE("circuit_breaker admits one probe among many threads", "[circuit_breaker]") {
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 1s)};
  (void)b.record_failure();
  clock.advance(1s);  // before the threads start: the clock is not written concurrently
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (b.allow()) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(admitted == 1);
}

TEST_CASE("circuit_breaker: admit() tells the probe apart", "[circuit_breaker]") {
  using ferry::circuit_admission;
  fake_clock clock;
  circuit_breaker b{with_clock(clock, 1s)};
  CHECK(b.admit() == circuit_admission::admitted);  // closed
  CHECK(b.record_failure());
  CHECK(b.admit() == circuit_admission::refused);  // open
  clock.advance(1s);
  CHECK(b.admit() == circuit_admission::probe);    // the one probe...
  CHECK(b.admit() == circuit_admission::refused);  // ...and no second one
  CHECK_FALSE(b.allow());
  // The probe fails: a new cool-down, not a trip; the next probe comes after it.
  CHECK_FALSE(b.record_failure());
  CHECK(b.admit() == circuit_admission::refused);
  clock.advance(1s);
  CHECK(b.admit() == circuit_admission::probe);
  b.record_success();
  CHECK(b.admit() == circuit_admission::admitted);
  CHECK(b.trips() == 1);
}
