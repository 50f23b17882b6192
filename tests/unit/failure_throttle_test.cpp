// ferry::failure_throttle: the first failure is reported at once, later ones once per interval.
#include <catch2/catch.hpp>

#include <ferry/core/failure_throttle.hpp>

using ferry::failure_throttle;
using namespace std::chrono_literals;

TEST_CASE("a failing dependency is logged at once, then once per interval with a count",
          "[core][failure_throttle]") {
  failure_throttle throttle(60s);
  const auto t0 = failure_throttle::clock::time_point{} + 1000h;
  CHECK(throttle.failed("login failed", t0) == "login failed");
  CHECK_FALSE(throttle.failed("login failed", t0 + 1s));
  CHECK_FALSE(throttle.failed("login failed", t0 + 59s));
  CHECK(throttle.failed("login failed", t0 + 60s) ==
        "login failed (and 2 more failures since the last report)");
  CHECK_FALSE(throttle.failed("x", t0 + 61s));
  CHECK(throttle.failed("timeout", t0 + 200s) ==
        "timeout (and 1 more failure since the last report)");
  CHECK(throttle.failed("timeout", t0 + 400s) == "timeout");
}
