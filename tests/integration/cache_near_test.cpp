// The near cache: in-process hits, invalidation by writes from other processes within
// milliseconds, flush on FLUSHALL, and flush + bypass while the invalidation connection is
// lost.
#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "ferry/cache/cache.hpp"
#include "ferry/redis/client.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fc = ferry::cache;
using steady = std::chrono::steady_clock;

namespace {

fc::cache_options with_near() {
  fc::cache_options o;
  o.near.enabled = true;
  o.near.max_entries = 100;
  o.near.health_interval = 200ms;
  return o;
}

bool wait_active(const fc::cache<std::string>& c, bool active = true) {
  return ferry::test::wait_until([&] { return c.stats().near_active == active; }, 5s, 5ms);
}

// Reads until the key is served from the near cache (our own write invalidated it once).
void warm(fc::cache<std::string>& c, const std::string& key) {
  REQUIRE(ferry::test::wait_until(
      [&] {
        auto before = c.stats().near_hits;
        (void)c.get(key);
        return c.stats().near_hits > before;
      },
      2s, 5ms));
}

// Milliseconds until `c.get(key)` returns `want`, polling without sleeping long.
template <class Want>
std::chrono::milliseconds time_until(fc::cache<std::string>& c, const std::string& key,
                                     const Want& want, steady::time_point since) {
  while (steady::now() - since < 2s) {
    if (c.get(key) == want) break;
    std::this_thread::sleep_for(200us);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - since);
}

}  // namespace

TEST_CASE("near cache: hits stay in-process; other processes' writes invalidate within 50 ms",
          "[cache][near]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{server.url()};
  fc::cache<std::string> c{redis, "near:", with_near()};
  REQUIRE(wait_active(c));

  c.set("k", "v1");
  warm(c, "k");
  auto s = c.stats();
  CHECK(s.near_entries == 1);
  auto hits = s.near_hits;
  for (int i = 0; i < 10; ++i) CHECK(c.get("k") == "v1");
  CHECK(c.stats().near_hits == hits + 10);

  // A second ferry client (as another service instance would) writes a new value.
  ferry::redis::client other_redis{server.url()};
  fc::cache<std::string> other{other_redis, "near:"};
  other.set("k", "v2");
  auto waited = time_until(c, "k", std::optional<std::string>("v2"), steady::now());
  CHECK(waited < 50ms);

  // A different program (redis-cli, a separate process) deletes it.
  warm(c, "k");
  server.cli({"DEL", "near:k"});
  waited = time_until(c, "k", std::optional<std::string>(), steady::now());
  CHECK(waited < 50ms);
  CHECK(c.stats().near_invalidations >= 2);

  // Keys outside the namespace do not disturb it.
  c.set("z", "zz");
  warm(c, "z");
  server.cli({"SET", "elsewhere:z", "x"});
  std::this_thread::sleep_for(20ms);
  auto before = c.stats().near_hits;
  CHECK(c.get("z") == "zz");
  CHECK(c.stats().near_hits == before + 1);
}

TEST_CASE("near cache: FLUSHALL empties it; the LRU bound holds", "[cache][near]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{server.url()};
  auto o = with_near();
  o.near.max_entries = 3;
  fc::cache<std::string> c{redis, "lru:", o};
  REQUIRE(wait_active(c));
  for (const char* k : {"a", "b", "c", "d", "e"}) c.set(k, k);
  std::this_thread::sleep_for(20ms);
  for (const char* k : {"a", "b", "c", "d", "e"}) (void)c.get(k);
  CHECK(c.stats().near_entries <= 3);

  warm(c, "e");
  server.cli({"FLUSHALL"});
  CHECK(ferry::test::wait_until([&] { return c.stats().near_entries == 0; }, 1s, 1ms));
  CHECK_FALSE(c.get("e"));
}

TEST_CASE("near cache: losing the invalidation connection flushes and bypasses it until back",
          "[cache][near]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{server.url()};
  fc::cache<std::string> c{redis, "lost:", with_near()};
  REQUIRE(wait_active(c));
  c.set("k", "v1");
  warm(c, "k");

  // Kill only the invalidation connection (it is the one in pub/sub mode).
  server.cli({"CLIENT", "KILL", "TYPE", "pubsub"});
  // Either we see it inactive, or it already came back: in both cases the old entry is gone.
  CHECK(ferry::test::wait_until([&] { return c.stats().near_entries == 0; }, 2s, 1ms));
  REQUIRE(wait_active(c));

  // Re-subscribed: coherent again.
  warm(c, "k");
  server.cli({"SET", "lost:k", "raw"});  // not a ferry entry: invalidated, then a decode miss
  CHECK(time_until(c, "k", std::optional<std::string>(), steady::now()) < 50ms);

  // The whole server goes away and comes back.
  c.set("k", "v3");
  warm(c, "k");
  server.kill();
  CHECK(wait_active(c, false));
  CHECK(c.stats().near_entries == 0);
  CHECK_FALSE(c.get("k"));  // no stale local copy while Redis is down
  server.start();
  CHECK(wait_active(c));
}
