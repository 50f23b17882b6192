// Graceful degradation: with Redis killed or hung, every call still returns the loader's
// result, the circuit breaker bounds the added latency, and the cache recovers on restart.
#include <catch2/catch.hpp>

#include <signal.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "ferry/cache/cache.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fc = ferry::cache;
using steady = std::chrono::steady_clock;

namespace {

ferry::redis::options fast_failing(const std::string& url) {
  auto o = ferry::redis::parse_url(url);
  o.connect_timeout = 300ms;
  o.command_timeout = 300ms;
  o.pool.reconnect_backoff_base = 50ms;
  o.pool.reconnect_backoff_max = 300ms;
  return o;
}

// Resumes a SIGSTOPped server whatever happens, so the harness can stop it.
struct resume_on_exit {
  pid_t pid;
  ~resume_on_exit() { ::kill(pid, SIGCONT); }
};

}  // namespace

TEST_CASE("degradation: Redis killed -> loader results, errors counted, recovery on restart",
          "[cache][fault]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{fast_failing(server.url())};
  fc::cache_options o;
  o.circuit_cooldown = 500ms;
  int errors_reported = 0;
  o.observer =
      ferry::observer::errors_to([&](const std::exception&, const auto&) { ++errors_reported; });
  fc::cache<int> c{redis, "degrade:", o};
  int loads = 0;
  auto loader = [&] { return ++loads; };

  CHECK(c.get_or_set("k", loader) == 1);
  CHECK(c.get_or_set("k", loader) == 1);  // cached

  server.kill();
  auto start = steady::now();
  for (int i = 0; i < 20; ++i) {
    int before = loads;
    CHECK(c.get_or_set("k", loader) == before + 1);  // the loader's fresh result, no throw
    CHECK_FALSE(c.get("k"));
    CHECK_FALSE(c.set("other", 1));
  }
  auto took = steady::now() - start;
  CHECK(took < 2s);  // refused connections fail fast, and the open circuit skips Redis
  auto s = c.stats();
  CHECK(s.errors >= 1);
  CHECK(s.circuit_trips >= 1);
  CHECK(s.skipped >= 50);
  CHECK(s.circuit_open);
  CHECK(errors_reported == static_cast<int>(s.errors));

  server.start();
  // After the cool-down one call probes Redis, finds it back, and caching resumes.
  int cached_value = 0;
  bool recovered = ferry::test::wait_until(
      [&] {
        int a = c.get_or_set("k", loader);
        int b = c.get_or_set("k", loader);
        cached_value = b;
        return a == b;  // the second call was a hit
      },
      10s, 100ms);
  CHECK(recovered);
  CHECK_FALSE(c.stats().circuit_open);
  CHECK(c.get("k") == cached_value);
}

TEST_CASE("degradation: a hung Redis costs at most one timeout per cool-down", "[cache][fault]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{fast_failing(server.url())};
  fc::cache_options o;
  o.circuit_cooldown = 1s;
  fc::cache<std::string> c{redis, "hung:", o};
  CHECK(c.get_or_set("k", [] { return std::string("cached"); }) == "cached");

  REQUIRE(::kill(server.pid(), SIGSTOP) == 0);
  resume_on_exit resume{server.pid()};
  int calls = 0;
  int slow_calls = 0;
  auto start = steady::now();
  while (steady::now() - start < 2500ms) {
    auto t0 = steady::now();
    CHECK(c.get_or_set("k", [] { return std::string("from-db"); }) == "from-db");
    if (steady::now() - t0 > 200ms) ++slow_calls;  // paid a command timeout (300 ms)
    ++calls;
    std::this_thread::sleep_for(20ms);
  }
  // 2.5 s with a 1 s cool-down: the first call and at most one probe per cool-down wait.
  CHECK(calls >= 20);
  CHECK(slow_calls >= 1);
  CHECK(slow_calls <= 4);
  auto s = c.stats();
  CHECK(s.errors == static_cast<std::uint64_t>(slow_calls));
  CHECK(s.skipped > 0);

  ::kill(server.pid(), SIGCONT);
  // Redis answers again: the entry is served once more. It is the one stored before the hang,
  // or "from-db" when a probe was a SET of the loaded value: a SET that timed out on the
  // stopped server is still in its socket and runs when the server resumes.
  std::optional<std::string> last;
  bool recovered = ferry::test::wait_until(
      [&] {
        last = c.get("k");
        return last == "cached" || last == "from-db";
      },
      10s, 100ms);
  INFO("last get: " << last.value_or("(none)") << "; stats: errors " << c.stats().errors
                    << ", skipped " << c.stats().skipped);
  CHECK(recovered);
}

TEST_CASE("degradation: throw_on_error surfaces Redis failures as ferry::error", "[cache][fault]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{fast_failing(server.url())};
  fc::cache_options o;
  o.throw_on_error = true;
  o.circuit_cooldown = 10s;
  fc::cache<int> c{redis, "strict:", o};
  c.set("k", 1);
  server.kill();
  try {
    (void)c.get("k");
    FAIL("no error while Redis is down");
  } catch (const ferry::error& e) {
    CHECK(e.is_transient());
  }
  // The circuit is now open: the next call fails fast, still as a ferry::error.
  auto t0 = steady::now();
  try {
    (void)c.get_or_set("k", [] { return 2; });
    FAIL("no error while the circuit is open");
  } catch (const ferry::error& e) {
    CHECK(e.kind() == ferry::errc::connection_failed);
  }
  CHECK(steady::now() - t0 < 100ms);
}

TEST_CASE("degradation: an exhausted pool is counted but does not open the circuit",
          "[cache][fault]") {
  auto o = ferry::redis::parse_url(ferry::test::shared_redis_url());
  o.pool.max_connections = 1;
  o.pool.acquire_timeout = 50ms;
  ferry::redis::client redis{o};
  fc::cache<int> c{redis, ferry::test::unique_name("exhausted") + ":"};
  {
    auto held = redis.acquire();  // the only connection is busy elsewhere
    CHECK(c.get_or_set("k", [] { return 1; }) == 1);
  }
  auto s = c.stats();
  CHECK(s.errors >= 1);
  CHECK(s.circuit_trips == 0);
  CHECK_FALSE(s.circuit_open);
  CHECK(c.set("k", 2));  // Redis is used again at once
  CHECK(c.get("k") == 2);
  CHECK(c.del("k"));
}
