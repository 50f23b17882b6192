#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ferry/redis/client.hpp"
#include "ferry/redis/url.hpp"
#include "ferry_test/servers.hpp"
#include "redis_test_util.hpp"

using namespace std::chrono_literals;
using ferry::errc;
using ferry::redis::client;
using ferry::redis::parse_url;
using ferry_redis_test::elapsed_since;
using ferry_redis_test::thrown_by;

TEST_CASE("redis client: leases return to the pool and are reused", "[redis][client]") {
  client redis{ferry::test::shared_redis_url()};
  long long id = 0;
  {
    auto l = redis.acquire();
    id = l->command({"CLIENT", "ID"}).as_integer();
    CHECK(redis.stats().in_use == 1);
  }
  CHECK(redis.stats().in_use == 0);
  CHECK(redis.stats().idle == 1);
  auto l = redis.acquire();
  CHECK(l->command({"CLIENT", "ID"}).as_integer() == id);
  CHECK(redis.stats().created == 1);
  CHECK(redis.ping() > 0us);
}

TEST_CASE("redis client: pool exhaustion", "[redis][client]") {
  auto o = parse_url(ferry::test::shared_redis_url());
  o.pool.max_connections = 2;
  client redis{o};
  auto a = redis.acquire();
  auto b = redis.acquire();
  auto start = std::chrono::steady_clock::now();
  auto e = thrown_by([&] { (void)redis.acquire(150ms); });
  CHECK(e.kind() == errc::pool_exhausted);
  CHECK(e.is_transient());
  CHECK(elapsed_since(start) >= 140ms);
  CHECK(redis.stats().timeouts == 1);
  CHECK(redis.stats().waits == 1);

  // A lease released while another thread waits is handed over.
  std::thread t([&] {
    std::this_thread::sleep_for(50ms);
    auto released = std::move(a);
  });
  auto c = redis.acquire(2000ms);
  t.join();
  CHECK(c->command({"PING"}).as_string() == "PONG");
  CHECK(redis.stats().created == 2);
}

TEST_CASE("redis client: 8 threads hammering one pool", "[redis][client][threads]") {
  auto o = parse_url(ferry::test::shared_redis_url());
  o.pool.max_connections = 4;
  o.pool.acquire_timeout = 5000ms;
  client redis{o};
  auto counter = ferry::test::unique_name("ferry:hammer");
  std::atomic<int> errors{0};
  constexpr int threads = 8;
  constexpr int rounds = 300;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto mine = counter + ":" + std::to_string(t);
      for (int i = 0; i < rounds; ++i) {
        try {
          redis.command({"INCR", counter});
          redis.command({"SET", mine, std::to_string(i)});
          if (redis.command({"GET", mine}).as_string() != std::to_string(i)) ++errors;
          if (i % 50 == 0) {
            ferry::redis::pipeline p;
            p.add({"INCR", counter});
            p.add({"DECR", counter});
            if (redis.exec(p).size() != 2) ++errors;
          }
        } catch (const std::exception&) {
          ++errors;
        }
      }
      redis.command({"DEL", mine});
    });
  }
  for (auto& th : pool) th.join();
  CHECK(errors == 0);
  CHECK(redis.command({"GET", counter}).as_string() == std::to_string(threads * rounds));
  auto s = redis.stats();
  CHECK(s.created <= 4);
  CHECK(s.in_use == 0);
  CHECK(s.failures == 0);
  redis.command({"DEL", counter});
}

TEST_CASE("redis client: a timed-out connection is discarded, not reused",
          "[redis][client][timeout]") {
  ferry::test::redis_server server;
  auto o = parse_url(server.url());
  o.command_timeout = 300ms;
  o.pool.max_connections = 1;
  client redis{o};
  long long first_id = redis.command({"CLIENT", "ID"}).as_integer();

  ferry::redis::connection sleeper{server.url()};
  std::thread t([&] { sleeper.command({"DEBUG", "SLEEP", "1"}, 5000ms); });
  std::this_thread::sleep_for(100ms);
  auto start = std::chrono::steady_clock::now();
  auto e = thrown_by([&] { redis.command({"SET", "k", "v"}); });
  CHECK(e.kind() == errc::timeout);
  CHECK(elapsed_since(start) < 900ms);
  t.join();

  CHECK(redis.stats().idle == 0);  // discarded on release
  CHECK(redis.stats().failures == 1);
  long long second_id = redis.command({"CLIENT", "ID"}).as_integer();
  CHECK(second_id != first_id);
  CHECK(redis.stats().created == 2);
}

TEST_CASE("redis client: recovers after the server is killed and restarted",
          "[redis][client][fault]") {
  ferry::test::redis_server server;
  auto o = parse_url(server.url());
  o.pool.reconnect_backoff_base = 50ms;
  o.pool.reconnect_backoff_max = 400ms;
  o.connect_timeout = 500ms;
  client redis{o};
  CHECK(redis.command({"SET", "k", "before"}).as_string() == "OK");

  server.kill();
  auto first = thrown_by([&] { redis.command({"GET", "k"}); });
  CHECK(first.kind() == errc::connection_failed);
  // In backoff now: fail fast instead of another connect attempt.
  auto start = std::chrono::steady_clock::now();
  auto fast = thrown_by([&] { redis.command({"GET", "k"}); });
  CHECK(fast.kind() == errc::connection_failed);
  CHECK_THAT(std::string(fast.what()), Catch::Contains("not reconnecting"));
  CHECK(elapsed_since(start) < 40ms);

  server.start();
  bool recovered = false;
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!recovered && std::chrono::steady_clock::now() < deadline) {
    try {
      recovered = redis.command({"SET", "k", "after"}).as_string() == "OK";
    } catch (const ferry::error& e) {
      CHECK(e.is_transient());
      std::this_thread::sleep_for(20ms);
    }
  }
  CHECK(recovered);
  CHECK(redis.command({"GET", "k"}).as_string() == "after");
}

TEST_CASE("redis client: a dead server sees one connect attempt, not a storm",
          "[redis][client][fault]") {
  ferry::test::redis_server server;
  auto o = parse_url(server.url());
  o.pool.reconnect_backoff_base = 1000ms;
  o.pool.reconnect_backoff_max = 1000ms;
  client redis{o};
  server.kill();
  std::atomic<int> connection_failed{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&] {
      while (!go) std::this_thread::yield();
      try {
        redis.command({"PING"});
      } catch (const ferry::error& e) {
        if (e.kind() == errc::connection_failed) ++connection_failed;
      }
    });
  }
  go = true;
  for (auto& th : callers) th.join();
  CHECK(connection_failed == 8);
  CHECK(redis.stats().failures == 1);  // one probe connect; everyone else failed fast
  CHECK(redis.stats().created == 0);
}

TEST_CASE("redis client: idle connections closed by a restart are replaced transparently",
          "[redis][client][fault]") {
  ferry::test::redis_server server;
  client redis{server.url()};
  {
    auto a = redis.acquire();
    auto b = redis.acquire();
  }
  CHECK(redis.stats().idle == 2);
  server.restart();
  // Both pooled sockets are dead; acquire notices and connects afresh without an error.
  CHECK(redis.command({"PING"}).as_string() == "PONG");
  CHECK(redis.stats().created == 3);
}

TEST_CASE("redis client: options and URLs are validated up front", "[redis][client]") {
  ferry::redis::options o;
  o.pool.max_connections = 0;
  CHECK(thrown_by([&] { client c{o}; }).kind() == errc::config);
  CHECK(thrown_by([&] { client c{"redis://h:70000"}; }).kind() == errc::config);
}

TEST_CASE("redis client: failures before and after the write are told apart",
          "[redis][client][fault]") {
  ferry::test::redis_server server;
  client redis{server.url()};
  {
    // A socket that can no longer send: the command never leaves, so resending is safe.
    auto l = redis.acquire();
    ::shutdown(l->native_handle(), SHUT_WR);
    auto e = thrown_by([&] { l->command({"INCR", "n"}); });
    CHECK(e.kind() == errc::connection_failed);
    CHECK(l->is_broken());
    CHECK(l->last_failure_before_write());
  }
  CHECK(redis.stats().failures == 1);  // the broken connection was discarded
  {
    // The server dies after the command was written: it may have run, never resend.
    auto l = redis.acquire();
    std::thread t([&] {
      std::this_thread::sleep_for(100ms);
      server.kill();
    });
    auto e = thrown_by([&] { l->command({"BLPOP", "nothing-here", "5"}, 3000ms); });
    t.join();
    CHECK(e.kind() == errc::connection_failed);
    CHECK_FALSE(l->last_failure_before_write());
  }
}
