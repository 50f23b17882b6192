// ferry-policyd's resource guards without sockets: how many connections the open-files limit
// leaves room for, and how often a failing dependency is logged.
#include <catch2/catch.hpp>

#include "descriptor_budget.hpp"
#include "failure_throttle.hpp"

using namespace ferry::apps::policy;
using namespace std::chrono_literals;

TEST_CASE("policy connections fit the open-files limit", "[policy][limits]") {
  SECTION("room for all: max_connections as asked") {
    const auto b = plan_connections(4096, {.soft = 1048576, .open = 20}, 16);
    CHECK(b.max_connections == 4096);
    CHECK_FALSE(b.capped);
  }
  SECTION("no limit at all") {
    CHECK(plan_connections(4096, {.soft = std::nullopt, .open = 20}, 16).max_connections == 4096);
  }
  SECTION("a low limit lowers it, keeping what is open and a reserve") {
    const auto b = plan_connections(100, {.soft = 64, .open = 8}, 0);
    CHECK(b.capped);
    CHECK(b.reserve == 32);
    CHECK(b.max_connections == 64 - 8 - 32);
  }
  SECTION("workers need descriptors too") {
    CHECK(plan_connections(4096, {.soft = 1024, .open = 10}, 16).max_connections ==
          1024 - 10 - 32 - 32);
  }
  SECTION("a limit leaving no room gives 0") {
    CHECK(plan_connections(20, {.soft = 30, .open = 10}, 0).max_connections == 0);
  }
}

TEST_CASE("the descriptors of this process are counted", "[policy][limits]") {
  const auto now = current_descriptor_limits();
  CHECK(now.open >= 3);  // stdin, stdout, stderr at least
}

TEST_CASE("a failing dependency is logged at once, then once per interval with a count",
          "[policy][limits]") {
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
