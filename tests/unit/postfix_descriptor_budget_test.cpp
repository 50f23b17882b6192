// ferry::postfix's policy_server guard without sockets: how many connections the open-files
// limit leaves room for.
#include <catch2/catch.hpp>

#include "postfix/descriptor_budget.hpp"

using namespace ferry::postfix::detail;

TEST_CASE("policy connections fit the open-files limit", "[postfix][limits]") {
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

TEST_CASE("the descriptors of this process are counted", "[postfix][limits]") {
  const auto now = current_descriptor_limits();
  CHECK(now.open >= 3);  // stdin, stdout, stderr at least
}
