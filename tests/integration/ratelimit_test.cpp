// The Redis rate limiters against a real redis-server: limits, several limits on one key,
// cost, check_rate_limit, accuracy under 2 processes x 8 threads (checked over every
// window of the admitted server timestamps), fail-open / fail-closed with Redis killed, and the
// batch path (acquire_many, coalescing_limiter).
#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ferry/ratelimit/coalescing_limiter.hpp"
#include "ferry/ratelimit/redis_limiter.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace rl = ferry::ratelimit;

namespace {

rl::redis_limiter_options make(std::vector<rl::rate_limit> limits, rl::algorithm a) {
  rl::redis_limiter_options o;
  o.limits = std::move(limits);
  o.algo = a;
  o.key_prefix = ferry::test::unique_name("rl");
  return o;
}

// Admitted timestamps of `threads` threads hammering `key` for `run` (fresh client, so it can
// run in a forked child).
std::vector<std::int64_t> hammer(const std::string& url, const rl::redis_limiter_options& o,
                                 const std::string& key, int threads,
                                 std::chrono::milliseconds run) {
  auto copts = ferry::redis::parse_url(url);
  copts.pool.max_connections = static_cast<std::size_t>(threads);
  ferry::redis::client c{copts};
  rl::redis_limiter limiter{c, o};
  std::vector<std::vector<std::int64_t>> per(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  const auto end = std::chrono::steady_clock::now() + run;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      while (std::chrono::steady_clock::now() < end) {
        const auto d = limiter.acquire(key);
        if (d.allowed && d.decided_at_us)
          per[static_cast<std::size_t>(t)].push_back(*d.decided_at_us);
      }
    });
  }
  for (auto& th : pool) th.join();
  std::vector<std::int64_t> all;
  for (auto& v : per) all.insert(all.end(), v.begin(), v.end());
  return all;
}

// Runs hammer() in this process and in a forked child; returns all admitted timestamps sorted.
std::vector<std::int64_t> hammer_two_processes(const rl::redis_limiter_options& o,
                                               const std::string& key) {
  const auto& url = ferry::test::shared_redis_url();
  const std::string list = o.key_prefix + ":child-log";
  const pid_t child = ::fork();
  if (child == 0) {
    int code = 0;
    try {
      const auto mine = hammer(url, o, key, 8, 1500ms);
      ferry::redis::client c{url};
      std::vector<std::string> args{"RPUSH", list};
      for (auto ts : mine) args.push_back(std::to_string(ts));
      if (args.size() > 2) c.command(args);
      c.command({"RPUSH", list + ":done", "1"});
    } catch (...) {
      code = 1;
    }
    ::_exit(code);
  }
  auto all = hammer(url, o, key, 8, 1500ms);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  ferry::redis::client c{url};
  for (auto& e : c.command({"LRANGE", list, "0", "-1"}).elements()) {
    all.push_back(std::stoll(e.as_string()));
  }
  c.command({"DEL", list, list + ":done"});
  std::sort(all.begin(), all.end());
  return all;
}

// The most admissions inside any half-open window (t - w, t].
std::size_t max_in_any_window(const std::vector<std::int64_t>& ts, std::int64_t w_us) {
  std::size_t best = 0;
  std::size_t lo = 0;
  for (std::size_t hi = 0; hi < ts.size(); ++hi) {
    while (ts[lo] <= ts[hi] - w_us) ++lo;
    best = std::max(best, hi - lo + 1);
  }
  return best;
}

}  // namespace

TEST_CASE("sliding log admits the limit, denies the next with retry_after, then admits again",
          "[ratelimit]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  rl::redis_limiter limiter{c, make({{5, 400ms}}, rl::algorithm::sliding_log)};
  for (int i = 0; i < 5; ++i) {
    const auto d = limiter.acquire("user:1");
    CHECK(d.allowed);
    CHECK(d.remaining == 4 - i);
    CHECK(d.count == i + 1);
    CHECK(d.limit == 5);
    CHECK_FALSE(d.degraded);
  }
  const auto denied = limiter.acquire("user:1");
  CHECK_FALSE(denied);
  CHECK(denied.remaining == 0);
  CHECK(denied.retry_after > 0ms);
  CHECK(denied.retry_after <= 400ms);
  CHECK(denied.reset_after >= denied.retry_after);
  CHECK(limiter.acquire("user:2").allowed);  // keys are independent
  std::this_thread::sleep_for(denied.retry_after + 20ms);
  CHECK(limiter.acquire("user:1").allowed);
  limiter.reset("user:1");
  limiter.reset("user:2");
  CHECK_THROWS_AS(limiter.acquire(""), std::invalid_argument);
  CHECK_THROWS_AS(limiter.acquire("x", 0), std::invalid_argument);
}

TEST_CASE("several limits on one key: admitted only if all admit, nothing recorded on denial",
          "[ratelimit]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  for (auto algo :
       {rl::algorithm::sliding_log, rl::algorithm::sliding_window, rl::algorithm::fixed_window}) {
    INFO("algorithm " << static_cast<int>(algo));
    // 3 per 300 ms AND 5 per 1 min (think 5 per 5 min AND 100 per day).
    rl::redis_limiter limiter{c, make({{3, 300ms}, {5, 60s}}, algo)};
    for (int i = 0; i < 3; ++i) CHECK(limiter.acquire("k").allowed);
    auto d = limiter.acquire("k");
    CHECK_FALSE(d.allowed);
    CHECK(d.limit == 3);
    for (int i = 0; i < 10; ++i) CHECK_FALSE(limiter.acquire("k").allowed);  // not recorded
    std::this_thread::sleep_for(algo == rl::algorithm::sliding_window ? 650ms : 350ms);
    CHECK(limiter.acquire("k").allowed);
    CHECK(limiter.acquire("k").allowed);  // 5 of the 1-minute limit used
    d = limiter.acquire("k");
    CHECK_FALSE(d.allowed);
    CHECK(d.limit == 5);  // the daily-style limit now binds
    CHECK(d.remaining == 0);
    CHECK(d.retry_after > 1s);
    limiter.reset("k");
  }
}

TEST_CASE("cost above one, and a cost no window can ever hold", "[ratelimit]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  for (auto algo :
       {rl::algorithm::sliding_log, rl::algorithm::sliding_window, rl::algorithm::fixed_window}) {
    rl::redis_limiter limiter{c, make({{10, 10s}}, algo)};
    CHECK(limiter.acquire("k", 4).remaining == 6);
    CHECK(limiter.acquire("k", 4).remaining == 2);
    const auto d = limiter.acquire("k", 4);
    CHECK_FALSE(d.allowed);
    CHECK(d.retry_after > 0ms);
    CHECK(d.retry_after <= 20s);
    CHECK(limiter.acquire("k", 2).allowed);
    CHECK(limiter.acquire("k", 11).retry_after == std::chrono::milliseconds::max());
    limiter.reset("k");
  }
}

TEST_CASE("a large cost on the exact limiter records every unit", "[ratelimit]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  rl::redis_limiter big{c, make({{5000, 10s}}, rl::algorithm::sliding_log)};
  CHECK(big.acquire("k", 4500).remaining == 500);
  CHECK_FALSE(big.acquire("k", 501).allowed);
  CHECK(big.acquire("k", 500).remaining == 0);
  big.reset("k");
}

TEST_CASE("check_rate_limit: a fixed window returns allowed + count", "[ratelimit]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  const auto prefix = ferry::test::unique_name("rl");
  for (int i = 1; i <= 3; ++i) {
    const auto r = rl::check_rate_limit(c, "whatsapp", 3, 300ms, prefix);
    CHECK(r.allowed);
    CHECK(r.count == i);
  }
  const auto r = rl::check_rate_limit(c, "whatsapp", 3, 300ms, prefix);
  CHECK_FALSE(r.allowed);
  CHECK(r.count == 3);
  std::this_thread::sleep_for(350ms);
  CHECK(rl::check_rate_limit(c, "whatsapp", 3, 300ms, prefix).count == 1);
}

TEST_CASE("exact limiter under 2 processes x 8 threads never exceeds the limit in any window",
          "[ratelimit][concurrency]") {
  auto o = make({{20, 100ms}}, rl::algorithm::sliding_log);
  const auto ts = hammer_two_processes(o, "hot");
  INFO("admitted " << ts.size());
  REQUIRE(ts.size() > 100);  // ~15 windows of 20
  CHECK(max_in_any_window(ts, 100'000) <= 20);
  // And it is not needlessly strict: over 1.5 s it admitted close to the 20-per-100 ms rate.
  CHECK(ts.size() >= 20 * 15 / 2);
}

TEST_CASE("approximate sliding window stays within its documented bound under concurrency",
          "[ratelimit][concurrency]") {
  auto o = make({{20, 100ms}}, rl::algorithm::sliding_window);
  const auto ts = hammer_two_processes(o, "hot");
  REQUIRE(ts.size() > 100);
  // Documented: at most limit per aligned fixed window and < 2 x limit in any sliding window.
  CHECK(max_in_any_window(ts, 100'000) < 40);
  std::map<std::int64_t, int> per_fixed;
  for (auto t : ts) ++per_fixed[t / 100'000];
  for (auto& [w, n] : per_fixed) CHECK(n <= 20);
}

TEST_CASE("fail-open and fail-closed when Redis is unreachable", "[ratelimit][fault]") {
  ferry::test::redis_server server;
  auto copts = ferry::redis::parse_url(server.url());
  copts.connect_timeout = 500ms;
  ferry::redis::client c{copts};
  auto open_opts = make({{1, 10s}}, rl::algorithm::sliding_log);
  int callbacks = 0;
  open_opts.observer = ferry::observer::errors_to([&](const std::exception& e, const auto&) {
    CHECK(dynamic_cast<const ferry::error*>(&e) != nullptr);
    ++callbacks;
  });
  rl::redis_limiter open{c, open_opts};
  auto closed_opts = make({{1, 10s}}, rl::algorithm::sliding_log);
  closed_opts.on_failure = rl::failure_mode::closed;
  rl::redis_limiter closed{c, closed_opts};

  CHECK(open.acquire("k").allowed);
  CHECK_FALSE(open.acquire("k").allowed);
  server.kill();
  const auto o = open.acquire("k");
  CHECK(o.allowed);
  CHECK(o.degraded);
  const auto d = closed.acquire("k");
  CHECK_FALSE(d.allowed);
  CHECK(d.degraded);
  CHECK(d.retry_after == 1s);
  CHECK(open.errors() == 1);
  CHECK(closed.errors() == 1);
  CHECK(callbacks == 1);

  server.start();
  REQUIRE(ferry::test::wait_until(
      [&] {
        auto r = closed.acquire("fresh");
        return !r.degraded;
      },
      10s, 100ms));
}

TEST_CASE("acquire_many decides a batch in order, exactly like one call after another",
          "[ratelimit][batch]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  for (auto algo :
       {rl::algorithm::sliding_log, rl::algorithm::sliding_window, rl::algorithm::fixed_window}) {
    rl::redis_limiter limiter{c, make({{5, 1min}}, algo)};
    std::vector<rl::rate_request> batch{{"a", 1}, {"a", 2}, {"b", 1}, {"a", 1},
                                        {"a", 2}, {"a", 1}, {"b", 9}, {"a", 1}};
    const auto d = limiter.acquire_many(batch);
    REQUIRE(d.size() == batch.size());
    // a: 1 + 2 + 1 = 4 admitted, then cost 2 does not fit, cost 1 does (5), the last does not.
    CHECK(d[0].allowed);
    CHECK(d[1].allowed);
    CHECK(d[2].allowed);
    CHECK(d[3].allowed);
    CHECK(d[3].remaining == 1);
    CHECK_FALSE(d[4].allowed);
    CHECK(d[5].allowed);
    CHECK(d[5].remaining == 0);
    CHECK_FALSE(d[6].allowed);  // b: cost 9 > limit 5, never
    CHECK(d[6].retry_after == std::chrono::milliseconds::max());
    CHECK_FALSE(d[7].allowed);
    CHECK(d[7].retry_after > 0ms);
    // One instant for the whole batch, and the state is the sequential one afterwards.
    CHECK(d[0].decided_at_us == d[7].decided_at_us);
    CHECK_FALSE(limiter.acquire("a").allowed);
    CHECK(limiter.acquire("b").remaining == 3);
    limiter.reset("a");
    limiter.reset("b");
  }
}

TEST_CASE(
    "acquire_many with runs of repeated requests and several limits equals acquire() one by one",
    "[ratelimit][batch]") {
  ferry::redis::client c{ferry::test::shared_redis_url()};
  // Runs of 1-6 identical requests over three keys, costs 1-3: a batch sends each run as one.
  std::mt19937 rng{20261123};
  std::vector<rl::rate_request> batch;
  const std::array<std::string, 3> keys{"a", "b", "c"};
  while (batch.size() < 60) {
    const rl::rate_request q{keys[rng() % 3], static_cast<std::int64_t>(1 + rng() % 3)};
    for (auto n = 1 + rng() % 6; n > 0; --n) batch.push_back(q);
  }
  for (auto algo :
       {rl::algorithm::sliding_log, rl::algorithm::sliding_window, rl::algorithm::fixed_window}) {
    CAPTURE(static_cast<int>(algo));
    // Long windows: the approximate algorithm's window edge never falls between the batch
    // and the calls one by one.
    const std::vector<rl::rate_limit> limits{{9, 1h}, {14, 24h}};
    rl::redis_limiter batched{c, make(limits, algo)}, single{c, make(limits, algo)};
    const auto got = batched.acquire_many(batch);
    REQUIRE(got.size() == batch.size());
    int admitted = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      CAPTURE(i, batch[i].key, batch[i].cost);
      const auto want = single.acquire(batch[i].key, batch[i].cost);
      admitted += want.allowed;
      CHECK(got[i].allowed == want.allowed);
      CHECK(got[i].limit == want.limit);
      CHECK(got[i].remaining == want.remaining);
      CHECK(got[i].count == want.count);
      CHECK_FALSE(got[i].degraded);
      // Times differ by how long the calls one by one took.
      if (want.retry_after == std::chrono::milliseconds::max())
        CHECK(got[i].retry_after == want.retry_after);
      else
        CHECK(std::chrono::abs(got[i].retry_after - want.retry_after) < 2s);
      CHECK((got[i].retry_after == 0ms) == (want.retry_after == 0ms));
      CHECK(std::chrono::abs(got[i].reset_after - want.reset_after) < 2s);
    }
    CHECK(admitted > 10);
    CHECK(admitted < static_cast<int>(batch.size()) - 10);
    for (const auto& k : keys) {
      batched.reset(k);
      single.reset(k);
    }
  }
}

TEST_CASE("coalescing limiter: 16 threads share round trips and admit exactly the limit",
          "[ratelimit][batch][concurrency]") {
  auto copts = ferry::redis::parse_url(ferry::test::shared_redis_url());
  copts.pool.max_connections = 4;
  ferry::redis::client c{copts};
  auto o = make({{100, 1min}}, rl::algorithm::sliding_log);
  rl::coalescing_limiter limiter{c, o};
  std::atomic<int> allowed{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < 16; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < 40; ++i) allowed += limiter.acquire("hot").allowed ? 1 : 0;
    });
  }
  for (auto& th : pool) th.join();
  CHECK(allowed.load() == 100);
  CHECK(limiter.decisions() == 16 * 40);
  CHECK(limiter.batches() < limiter.decisions());  // some calls did share a script call
  limiter.reset("hot");
}

TEST_CASE("coalescing limiter never exceeds an exact limit in any window", "[ratelimit][batch]") {
  auto copts = ferry::redis::parse_url(ferry::test::shared_redis_url());
  copts.pool.max_connections = 4;
  ferry::redis::client c{copts};
  auto o = make({{20, 100ms}}, rl::algorithm::sliding_log);
  rl::coalescing_limiter limiter{c, o, {.max_batch = 16, .max_in_flight = 2}};
  std::mutex m;
  std::vector<std::int64_t> ts;
  std::vector<std::thread> pool;
  const auto end = std::chrono::steady_clock::now() + 1s;
  for (int t = 0; t < 12; ++t) {
    pool.emplace_back([&] {
      while (std::chrono::steady_clock::now() < end) {
        const auto d = limiter.acquire("hot");
        if (d.allowed && d.decided_at_us) {
          std::lock_guard lock{m};
          ts.push_back(*d.decided_at_us);
        }
      }
    });
  }
  for (auto& th : pool) th.join();
  std::sort(ts.begin(), ts.end());
  REQUIRE(ts.size() > 40);  // at least a few windows filled (200 at most in 1 s)
  CHECK(max_in_any_window(ts, 100'000) <= 20);
  limiter.reset("hot");
}

TEST_CASE("coalescing limiter degrades every decision of a batch when Redis is gone",
          "[ratelimit][batch][fault]") {
  ferry::test::redis_server server;
  auto copts = ferry::redis::parse_url(server.url());
  copts.connect_timeout = 500ms;
  ferry::redis::client c{copts};
  auto o = make({{10, 1s}}, rl::algorithm::sliding_log);
  o.on_failure = rl::failure_mode::closed;
  rl::coalescing_limiter limiter{c, o};
  CHECK(limiter.acquire("k").allowed);
  server.kill();
  const auto d = limiter.acquire("k");
  CHECK_FALSE(d.allowed);
  CHECK(d.degraded);
  CHECK(limiter.errors() >= 1);
}
