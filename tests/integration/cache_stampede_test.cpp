// Stampede protection: single flight inside a process, XFetch early refresh across processes.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ferry/cache/cache.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fc = ferry::cache;

namespace {

struct cleanup {
  ferry::redis::client& redis;
  std::string prefix;
  ~cleanup() {
    try {
      ferry::redis::delete_matching(redis, ferry::redis::escape_glob(prefix) + "*");
    } catch (...) {
    }
  }
};

// Starts `n` threads that all call `f` as close together as possible.
template <class F>
void run_together(int n, F f) {
  std::mutex mu;
  std::condition_variable cv;
  bool go = false;
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return go; });
      }
      f(i);
    });
  }
  {
    std::lock_guard lock(mu);
    go = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
}

// A fake wall clock the test moves by hand.
struct fake_clock {
  std::atomic<std::int64_t> ms{1'800'000'000'000};
  std::chrono::system_clock::time_point now() const {
    return std::chrono::system_clock::time_point{std::chrono::milliseconds{ms.load()}};
  }
};

}  // namespace

TEST_CASE("single flight: 16 threads missing one key run the loader once", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ferry::test::unique_name("cache-sf") + ":";
  cleanup guard{redis, prefix};
  fc::cache<std::string> c{redis, prefix};
  std::atomic<int> loads{0};
  std::vector<std::string> results(16);

  run_together(16, [&](int i) {
    results[static_cast<std::size_t>(i)] = c.get_or_set("hot", [&] {
      ++loads;
      std::this_thread::sleep_for(300ms);  // a slow database query
      return std::string("value");
    });
  });

  CHECK(loads == 1);
  for (const auto& r : results) CHECK(r == "value");
  CHECK(c.stats().loads == 1);
}

TEST_CASE("single flight: the loader's exception reaches every waiter; the next call retries",
          "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ferry::test::unique_name("cache-sf-err") + ":";
  cleanup guard{redis, prefix};
  fc::cache<int> c{redis, prefix};
  std::atomic<int> loads{0};
  std::atomic<int> failures{0};

  run_together(16, [&](int) {
    try {
      (void)c.get_or_set("hot", [&]() -> int {
        ++loads;
        std::this_thread::sleep_for(300ms);
        throw std::runtime_error("database unavailable");
      });
    } catch (const std::runtime_error& e) {
      if (std::string(e.what()) == "database unavailable") ++failures;
    }
  });

  CHECK(loads == 1);
  CHECK(failures == 16);
  CHECK(c.get_or_set("hot", [] { return 5; }) == 5);
}

TEST_CASE("XFetch: a hit close to expiry is recomputed early, by one caller", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ferry::test::unique_name("cache-xfetch") + ":";
  cleanup guard{redis, prefix};
  auto clock = std::make_shared<fake_clock>();
  auto u = std::make_shared<std::atomic<double>>(0.5);
  fc::cache_options o;
  o.clock = [clock] { return clock->now(); };
  o.random = [u] { return u->load(); };
  fc::cache<int> c{redis, prefix, o};
  int version = 0;
  auto load = [&] {
    std::this_thread::sleep_for(100ms);  // measured and stored as the entry's delta
    return ++version;
  };

  CHECK(c.get_or_set("k", load, 60s) == 1);
  auto start = clock->ms.load();

  // Far from expiry: plain hits.
  clock->ms = start + 30'000;
  CHECK(c.get_or_set("k", load, 60s) == 1);
  // delta >= 100 ms, -ln(0.5) = 0.69: due within ~69 ms (or more) of expiry; 300 ms before
  // it, only a tiny u would trigger it.
  clock->ms = start + 59'700;
  CHECK(c.get_or_set("k", load, 60s) == 1);
  u->store(1e-4);                            // -ln(u) = 9.2: due 920+ ms before expiry
  CHECK(c.get_or_set("k", load, 60s) == 2);  // recomputed early
  CHECK(c.stats().early_refreshes == 1);
  // The refreshed entry is stored with a new expiry (relative to the fake clock).
  u->store(0.5);
  CHECK(c.get_or_set("k", load, 60s) == 2);
  CHECK(redis.command({"PTTL", prefix + "k"}).as_integer() > 59'000);

  // While one caller recomputes early, the others keep getting the still-valid value.
  clock->ms = clock->ms.load() + 59'990;
  std::atomic<int> got_old{0};
  std::atomic<int> got_new{0};
  run_together(8, [&](int) {
    int v = c.get_or_set("k", load, 60s);
    (v == 2 ? got_old : got_new)++;
  });
  CHECK(version == 3);  // one recompute
  CHECK(got_new >= 1);
  CHECK(got_old + got_new == 8);
}

TEST_CASE("XFetch: beta 0 never refreshes early; entries without a loader never do", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ferry::test::unique_name("cache-xfetch0") + ":";
  cleanup guard{redis, prefix};
  auto clock = std::make_shared<fake_clock>();
  fc::cache_options o;
  o.clock = [clock] { return clock->now(); };
  o.random = [] { return 1e-9; };
  o.early_refresh_beta = 0;
  fc::cache<int> c{redis, prefix, o};
  int version = 0;
  auto load = [&] {
    std::this_thread::sleep_for(20ms);
    return ++version;
  };
  CHECK(c.get_or_set("k", load, 60s) == 1);
  clock->ms = clock->ms.load() + 59'999;
  CHECK(c.get_or_set("k", load, 60s) == 1);

  fc::cache_options o2 = o;
  o2.early_refresh_beta = 1;
  fc::cache<int> c2{redis, prefix, o2};
  c2.set("plain", 9, 60s);  // set() records no load time
  CHECK(c2.get_or_set("plain", load, 60s) == 9);
}

TEST_CASE("XFetch: a failing early refresh serves the still-valid value", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ferry::test::unique_name("cache-xfetch-err") + ":";
  cleanup guard{redis, prefix};
  auto clock = std::make_shared<fake_clock>();
  fc::cache_options o;
  o.clock = [clock] { return clock->now(); };
  o.random = [] { return 1e-6; };  // always early once close to expiry
  fc::cache<int> c{redis, prefix, o};
  CHECK(c.get_or_set(
            "k",
            [] {
              std::this_thread::sleep_for(20ms);
              return 1;
            },
            60s) == 1);
  clock->ms = clock->ms.load() + 59'900;
  CHECK(c.get_or_set(
            "k", []() -> int { throw std::runtime_error("db down"); }, 60s) == 1);
  auto s = c.stats();
  CHECK(s.load_failures == 1);
  CHECK(s.early_refreshes == 1);
}
