#include <catch2/catch.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "ferry/ratelimit/local_limiter.hpp"

using namespace std::chrono_literals;
namespace rl = ferry::ratelimit;

namespace {
// A clock the test moves by hand.
struct fake_clock {
  std::chrono::steady_clock::time_point now{std::chrono::hours(1000)};
  auto fn() {
    return [this] { return now; };
  }
};
}  // namespace

TEST_CASE("local sliding log: exact limit and retry_after", "[ratelimit]") {
  fake_clock clk;
  rl::local_limiter l{
      {.limits = {{3, 1000ms}}, .algo = rl::algorithm::sliding_log, .clock = clk.fn()}};
  CHECK(l.acquire("k").remaining == 2);
  clk.now += 200ms;
  CHECK(l.acquire("k").allowed);
  clk.now += 200ms;
  CHECK(l.acquire("k").allowed);
  clk.now += 100ms;
  auto d = l.acquire("k");
  CHECK_FALSE(d);
  CHECK(d.retry_after == 500ms);  // the first admission leaves the window at t=1000
  CHECK(d.reset_after == 900ms);
  clk.now += 499ms;
  CHECK_FALSE(l.acquire("k"));
  clk.now += 1ms;
  CHECK(l.acquire("k"));
}

TEST_CASE("local limiter: several limits, nothing recorded when denied", "[ratelimit]") {
  fake_clock clk;
  for (auto algo :
       {rl::algorithm::sliding_log, rl::algorithm::sliding_window, rl::algorithm::fixed_window}) {
    rl::local_limiter l{{.limits = {{2, 1s}, {3, 1h}}, .algo = algo, .clock = clk.fn()}};
    CHECK(l.acquire("k"));
    CHECK(l.acquire("k"));
    for (int i = 0; i < 5; ++i) CHECK_FALSE(l.acquire("k"));
    clk.now += 2500ms;
    auto d = l.acquire("k");
    CHECK(d);
    CHECK(d.limit == 3);
    CHECK(d.remaining == 0);
    d = l.acquire("k");
    CHECK_FALSE(d);
    CHECK(d.retry_after > 30min);
  }
}

TEST_CASE("local limiter: cost", "[ratelimit]") {
  fake_clock clk;
  rl::local_limiter l{
      {.limits = {{10, 1s}}, .algo = rl::algorithm::fixed_window, .clock = clk.fn()}};
  CHECK(l.acquire("k", 6).remaining == 4);
  auto d = l.acquire("k", 6);
  CHECK_FALSE(d);
  CHECK(d.retry_after == 1s);
  CHECK(l.acquire("k", 4));
  CHECK(l.acquire("k", 11).retry_after == std::chrono::milliseconds::max());
  CHECK_THROWS_AS(l.acquire("k", 0), std::invalid_argument);
  CHECK_THROWS_AS(l.acquire(""), std::invalid_argument);
  CHECK_THROWS_AS(rl::local_limiter({.limits = {}}), std::invalid_argument);
  // Two limits over one window would share its counter: refused, naming the window.
  CHECK_THROWS_WITH(rl::local_limiter({.limits = {{5, 1min}, {10, 1s}, {10, 1min}}}),
                    Catch::Contains("same window (60000 ms)"));
}

TEST_CASE("local sliding window weights the previous window", "[ratelimit]") {
  fake_clock clk;
  clk.now = std::chrono::steady_clock::time_point{std::chrono::seconds(1000)};  // window-aligned
  rl::local_limiter l{
      {.limits = {{10, 1s}}, .algo = rl::algorithm::sliding_window, .clock = clk.fn()}};
  for (int i = 0; i < 10; ++i) CHECK(l.acquire("k"));
  CHECK_FALSE(l.acquire("k"));
  clk.now += 1250ms;  // 25% into the next window: estimate 10 * 0.75 = 7.5
  CHECK(l.acquire("k"));
  CHECK(l.acquire("k"));  // 9.5
  auto d = l.acquire("k");
  CHECK_FALSE(d);                // 10.5 > 10
  CHECK(d.retry_after == 50ms);  // weight must drop to 0.7, i.e. 300 ms into the window
}

TEST_CASE("local limiter is thread-safe and exact under contention", "[ratelimit]") {
  rl::local_limiter l{{.limits = {{1000, 1h}}}};
  std::atomic<int> admitted{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t) {
    ts.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        if (l.acquire("shared")) ++admitted;
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(admitted == 1000);
}

TEST_CASE("local limiter sweeps idle keys", "[ratelimit]") {
  fake_clock clk;
  rl::local_limiter l{{.limits = {{1, 1s}}, .clock = clk.fn(), .max_keys = 10}};
  for (int i = 0; i < 10; ++i) (void)l.acquire("k" + std::to_string(i));
  CHECK(l.size() == 10);
  clk.now += 10s;
  (void)l.acquire("new");
  CHECK(l.size() == 1);
}
