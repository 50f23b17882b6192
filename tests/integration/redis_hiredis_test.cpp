// Where hiredis 0.14 and 1.x differ for ferry, against a real server: replies nested deeper
// than 0.14's reader allows, and a connection switched to RESP3 (ferry itself speaks RESP2).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "ferry/redis/connection.hpp"
#include "ferry_test/servers.hpp"
#include "redis/reply_reader.hpp"
#include "redis_test_util.hpp"

using ferry::errc;
using ferry::redis::connection;
using ferry::redis::reply;
using ferry::redis::detail::hiredis_parses_resp3;
using ferry_redis_test::thrown_by;

namespace Catch {
template <>
struct StringMaker<reply> {
  static std::string convert(const reply& r) { return r.debug_string(); }
};
}  // namespace Catch

TEST_CASE("redis hiredis: replies nested ten deep (0.14 stops at eight)", "[redis][hiredis]") {
  connection conn{ferry::test::shared_redis_url()};
  const std::string script = "return {{{{{{{{{{1}}}}}}}}}}";
  if (!hiredis_parses_resp3()) {
    auto e = thrown_by([&] { conn.command({"EVAL", script, "0"}); });
    CHECK(e.kind() == errc::protocol_error);
    CHECK(conn.is_broken());
    return;
  }
  reply expected = reply::make_integer(1);
  for (int i = 0; i < 10; ++i) expected = reply::make_array({std::move(expected)});
  CHECK(conn.command({"EVAL", script, "0"}) == expected);
  CHECK(conn.command({"PING"}).as_string() == "PONG");
}

TEST_CASE("redis hiredis: a connection switched to RESP3 reads RESP2 shapes", "[redis][hiredis]") {
  connection conn{ferry::test::shared_redis_url()};
  if (!hiredis_parses_resp3()) {
    // HELLO 3 answers with a RESP3 map, which hiredis 0.14 cannot parse.
    auto e = thrown_by([&] { conn.command({"HELLO", "3"}); });
    CHECK(e.kind() == errc::protocol_error);
    CHECK(conn.is_broken());
    return;
  }
  auto hello = conn.command({"HELLO", "3"}).elements();  // a map, flattened to key, value...
  REQUIRE(hello.size() % 2 == 0);
  bool saw_proto = false;
  for (std::size_t i = 0; i < hello.size(); i += 2) {
    if (hello[i].as_string() == "proto") saw_proto = hello[i + 1].as_integer() == 3;
  }
  CHECK(saw_proto);

  const auto key = ferry::test::unique_name("ferry:resp3");
  conn.command({"ZADD", key + ":z", "1.5", "m"});
  conn.command({"HSET", key + ":h", "a", "1"});
  conn.command({"SADD", key + ":s", "x"});
  CHECK(conn.command({"ZSCORE", key + ":z", "m"}) == reply::make_string("1.5"));  // ,1.5
  CHECK(conn.command({"GET", key + ":missing"}).is_nil());                        // _
  CHECK(conn.command({"HGETALL", key + ":h"}) ==
        reply::make_array({reply::make_string("a"), reply::make_string("1")}));  // %1
  CHECK(conn.command({"SMEMBERS", key + ":s"}) ==
        reply::make_array({reply::make_string("x")}));  // ~1
  CHECK(conn.command({"EVAL", "redis.setresp(3); return true", "0"}) ==
        reply::make_integer(1));  // #t
  CHECK(conn.command({"EVAL", "redis.setresp(3); return false", "0"}) ==
        reply::make_integer(0));  // #f
  CHECK(conn.command({"DEL", key + ":z", key + ":h", key + ":s"}).as_integer() == 3);
  CHECK_FALSE(conn.is_broken());
}
