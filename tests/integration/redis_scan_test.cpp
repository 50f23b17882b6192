#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <string>

#include "ferry/redis/client.hpp"
#include "ferry/redis/keys.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry_test/process.hpp"
#include "ferry_test/servers.hpp"

using ferry::redis::escape_glob;

TEST_CASE("redis scan: iterates all matching keys across pages", "[redis][scan]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  ferry::redis::key_space ks{ferry::test::unique_name("ferry:scan")};
  std::set<std::string> expected;
  ferry::redis::pipeline p;
  for (int i = 0; i < 250; ++i) {
    expected.insert(ks.key(std::to_string(i)));
    p.add({"SET", ks.key(std::to_string(i)), "v"});
  }
  (void)redis.exec(p);
  std::set<std::string> seen;
  for (const std::string& k : ferry::redis::scan(redis, escape_glob(ks.prefix()) + "*", 10)) {
    seen.insert(k);
  }
  CHECK(seen == expected);
  CHECK(ferry::redis::delete_matching(redis, escape_glob(ks.prefix()) + "*", 64) == 250);
  CHECK(ferry::redis::scan(redis, escape_glob(ks.prefix()) + "*").begin() == std::default_sentinel);
}

TEST_CASE("redis scan: delete_matching with glob characters in user text", "[redis][scan]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  // The prefix itself contains glob characters too, like a user-chosen namespace would.
  ferry::redis::key_space ks{ferry::test::unique_name("ferry:g[l]o*b?")};
  const std::vector<std::string> names = {"a*b@x", "aXb@x", "ab@x", "a**b@x", "[x]",
                                          "x",     "?",     "y",    "a\\b",   "a\\*b@x"};
  for (const auto& n : names) redis.command({"SET", ks.key(n), "v"});

  auto remove = [&](std::string_view user_text) {
    return ferry::redis::delete_matching(redis, escape_glob(ks.prefix()) + escape_glob(user_text),
                                         3);
  };
  CHECK(remove("a*b@x") == 1);
  CHECK(remove("[x]") == 1);
  CHECK(remove("?") == 1);
  CHECK(remove("a\\b") == 1);
  CHECK(remove("no-such") == 0);

  std::set<std::string> left;
  for (const auto& k : ferry::redis::scan(redis, escape_glob(ks.prefix()) + "*")) left.insert(k);
  std::set<std::string> expected;
  for (const auto& n : {"aXb@x", "ab@x", "a**b@x", "x", "y", "a\\*b@x"}) {
    expected.insert(ks.key(n));
  }
  CHECK(left == expected);
  CHECK(ferry::redis::delete_matching(redis, escape_glob(ks.prefix()) + "*") == 6);
}

TEST_CASE("redis keys: hash tags agree with the server's CLUSTER KEYSLOT", "[redis][keys]") {
  // A cluster-enabled node without slots still answers CLUSTER KEYSLOT.
  // The cluster bus defaults to port + 10000, which may exceed 65535: give it its own port.
  ferry::test::redis_server node({.args = {"--cluster-enabled", "yes", "--cluster-port",
                                           std::to_string(ferry::test::free_port())}});
  ferry::redis::client redis{node.url()};
  ferry::redis::key_space q{"queue", "emails"};
  for (const std::string& k : {q.key("ready"), q.key("processing"), std::string("123456789"),
                               std::string("{user1000}.following"), std::string("foo{}{bar}")}) {
    INFO(k);
    CHECK(redis.command({"CLUSTER", "KEYSLOT", k}).as_integer() == ferry::redis::hash_slot(k));
  }
}
