// ferry::ratelimit's text notation for limits: "5/300s,100/1d".
#include <catch2/catch.hpp>

#include <stdexcept>

#include <ferry/ratelimit/limit_list.hpp>

using namespace ferry::ratelimit;
using namespace std::chrono_literals;

TEST_CASE("rate limit lists parse as COUNT/WINDOW items", "[ratelimit][limit_list]") {
  const auto l = parse_limit_list(" 5/300s, 100/1d ,7/2m,3/1h,9/45");
  REQUIRE(l.size() == 5);
  CHECK(l[0].count == 5);
  CHECK(l[0].window == 300s);
  CHECK(l[1].window == 24h);
  CHECK(l[2].window == 2min);
  CHECK(l[3].window == 1h);
  CHECK(l[4].window == 45s);
  CHECK(format_limit_list(l) == "5/5m,100/1d,7/2m,3/1h,9/45s");
  CHECK(parse_limit_list("").empty());
  for (const char* bad : {"5", "0/1s", "5/0s", "5/1w", "x/1s", "5/1s,", ",5/1s", "-1/5s"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_limit_list(bad), std::invalid_argument);
  }
}
