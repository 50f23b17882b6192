#include <catch2/catch.hpp>

#include <string>

#include "ferry/redis/client.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/script.hpp"
#include "ferry_test/servers.hpp"
#include "redis_test_util.hpp"

using ferry::redis::script;
using ferry_redis_test::thrown_by;

namespace {
const script incr_by{"return redis.call('INCRBY', KEYS[1], ARGV[1])"};
}

TEST_CASE("redis script: SHA1 matches the server's", "[redis][script]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  CHECK(redis.command({"SCRIPT", "LOAD", incr_by.source()}).as_string() == incr_by.sha1());
}

TEST_CASE("redis script: survives SCRIPT FLUSH and a restart", "[redis][script][fault]") {
  ferry::test::redis_server server;
  ferry::redis::client redis{server.url()};
  auto key = ferry::test::unique_name("ferry:script");
  CHECK(incr_by.run(redis, {key}, {"2"}).as_integer() == 2);
  redis.command({"SCRIPT", "FLUSH"});
  CHECK(incr_by.run(redis, {key}, {"3"}).as_integer() == 5);

  server.restart();  // no persistence: the key and the script cache are gone
  CHECK(incr_by.run(redis, {key}, {"1"}).as_integer() == 1);

  auto conn = redis.acquire();
  conn->command({"SCRIPT", "FLUSH"});
  CHECK(incr_by.run(*conn, {key}, {"1"}).as_integer() == 2);
}

TEST_CASE("redis script: in a pipeline, NOSCRIPT falls back transparently",
          "[redis][script][pipeline]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto key = ferry::test::unique_name("ferry:pscript");
  redis.command({"SCRIPT", "FLUSH"});
  ferry::redis::pipeline p;
  p.add({"SET", key, "10"});
  p.add(incr_by, {key}, {"5"});
  p.add({"PING"});
  p.add(incr_by, {key}, {"1"});
  auto r = redis.exec(p);
  REQUIRE(r.size() == 4);
  CHECK(r[0].as_string() == "OK");
  CHECK(r[1].as_integer() == 15);
  CHECK(r[2].as_string() == "PONG");
  CHECK(r[3].as_integer() == 16);
  auto again = redis.exec(p);  // script now cached: plain EVALSHA
  CHECK(again[1].as_integer() == 15);
  redis.command({"DEL", key});
}

TEST_CASE("redis script: Lua errors are server errors", "[redis][script]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  script bad{"return redis.call('NOSUCHCOMMAND')"};
  auto e = thrown_by([&] { bad.run(redis, {}); });
  CHECK(e.kind() == ferry::errc::server_error);
  script syntax{"this is not lua"};
  CHECK(thrown_by([&] { syntax.run(redis, {}); }).kind() == ferry::errc::server_error);
}
