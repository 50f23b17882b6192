// cache<T> against a real Redis: storage, TTLs, negative caching, memoize keys, del_pattern,
// decode failures, stats and the admin report.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ferry/cache/cache.hpp"
#include "ferry/cache/report.hpp"
#include "ferry/core/codec_json.hpp"
#include "ferry/redis/client.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry_test/servers.hpp"

using namespace std::chrono_literals;
namespace fc = ferry::cache;

namespace {

struct user {
  std::string email;
  int tier = 0;
  friend bool operator==(const user&, const user&) = default;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(user, email, tier)

struct account {
  std::string id;
  std::vector<std::string> roles;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(account, id, roles)

std::string ns(std::string_view what) {
  return ferry::test::unique_name(what) + ":";
}

// Deletes the test's keys when it ends, whatever happened.
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

}  // namespace

TEST_CASE("cache: set/get round-trips typed values; missing keys are nullopt", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-basic");
  cleanup guard{redis, prefix};
  fc::cache<user> users{redis, prefix};

  CHECK_FALSE(users.get("nobody@example.com"));
  CHECK(users.set("a@example.com", user{"a@example.com", 2}));
  CHECK(users.get("a@example.com") == user{"a@example.com", 2});
  CHECK(users.exists("a@example.com"));
  CHECK(users.del("a@example.com"));
  CHECK_FALSE(users.del("a@example.com"));
  CHECK_FALSE(users.get("a@example.com"));
  CHECK_THROWS_AS(users.get(""), std::invalid_argument);
  CHECK_THROWS_AS(users.set("k", user{}, 0ms), std::invalid_argument);

  fc::cache<long long> counters{redis, prefix + "n:"};
  counters.set("x", -42);
  CHECK(counters.get("x") == -42);
}

TEST_CASE("cache: TTLs are applied; set_forever has none", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-ttl");
  cleanup guard{redis, prefix};
  fc::cache<std::string> templates{redis, prefix};

  templates.set("short", "v", 1500ms);
  auto t = templates.ttl("short");
  REQUIRE(t);
  CHECK_FALSE(t->forever);
  CHECK(t->remaining > 1000ms);
  CHECK(t->remaining <= 1500ms);

  templates.set_forever("email:welcome", "<p>Welcome</p>");
  t = templates.ttl("email:welcome");
  REQUIRE(t);
  CHECK(t->forever);
  CHECK(redis.command({"PTTL", prefix + "email:welcome"}).as_integer() == -1);
  CHECK_FALSE(templates.ttl("missing"));

  templates.set("gone", "v", 50ms);
  std::this_thread::sleep_for(120ms);
  CHECK_FALSE(templates.get("gone"));
}

TEST_CASE("cache: get_or_set with a TTL that depends on the value (policy OK 300s, REJECT 60s)",
          "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("policy");
  cleanup guard{redis, prefix};
  fc::cache<std::string> policy{redis, prefix};
  auto ttl_for = [](const std::string& verdict) {
    return verdict == "OK" ? std::chrono::seconds{300} : std::chrono::seconds{60};
  };
  int db_queries = 0;
  auto check = [&](const std::string& address) {
    return policy.get_or_set(
        address,
        [&] {
          ++db_queries;
          return std::string(address.starts_with("user@") ? "OK" : "REJECT");
        },
        ttl_for);
  };

  CHECK(check("user@logging.email") == "OK");
  CHECK(check("spam@logging.email") == "REJECT");
  CHECK(check("user@logging.email") == "OK");  // cached
  CHECK(db_queries == 2);
  auto ok_ttl = redis.command({"PTTL", prefix + "user@logging.email"}).as_integer();
  auto reject_ttl = redis.command({"PTTL", prefix + "spam@logging.email"}).as_integer();
  CHECK(ok_ttl > 295'000);
  CHECK(ok_ttl <= 300'000);
  CHECK(reject_ttl > 55'000);
  CHECK(reject_ttl <= 60'000);

  // forever as a get_or_set TTL
  CHECK(policy.get_or_set(
            "tmpl", [] { return std::string("x"); }, fc::forever) == "x");
  CHECK(policy.ttl("tmpl")->forever);

  auto s = policy.stats();
  CHECK(s.hits == 1);
  CHECK(s.misses == 3);
  CHECK(s.loads == 3);
}

TEST_CASE("cache: negative caching stores an absent marker with its own TTL", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("user_by_email");
  cleanup guard{redis, prefix};
  fc::cache_options o;
  o.negative_ttl = 2s;
  fc::cache<user> users{redis, prefix, o};
  int lookups = 0;
  auto find = [&](const std::string& email) -> std::optional<user> {
    ++lookups;
    if (email == "known@example.com") return user{email, 1};
    return std::nullopt;
  };

  CHECK_FALSE(users.get_or_set("ghost@example.com", [&] { return find("ghost@example.com"); }));
  CHECK_FALSE(users.get_or_set("ghost@example.com", [&] { return find("ghost@example.com"); }));
  CHECK(lookups == 1);  // the absence was cached
  auto ttl = redis.command({"PTTL", prefix + "ghost@example.com"}).as_integer();
  CHECK(ttl > 1000);
  CHECK(ttl <= 2000);
  CHECK(users.exists("ghost@example.com"));
  CHECK_FALSE(users.get("ghost@example.com"));  // absent reads as nullopt

  CHECK(users.get_or_set("known@example.com", [&] { return find("known@example.com"); }) ==
        user{"known@example.com", 1});
  CHECK(lookups == 2);

  // A real value that looks like the marker is still a value.
  fc::cache<std::string> raw{redis, prefix + "raw:"};
  const std::string lookalike = "~f1:n:0:1:";
  raw.set("k", lookalike);
  CHECK(raw.get_or_set("k", []() -> std::optional<std::string> { return std::nullopt; }) ==
        lookalike);
}

TEST_CASE("cache: memoize keys are derived from the arguments, stable across processes",
          "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("api");
  cleanup guard{redis, prefix};
  fc::cache<std::string> api{redis, prefix};
  std::atomic<int> calls{0};
  auto grid = api.memoize("grid", 5min, [&](int page, const std::string& model) {
    ++calls;
    return model + "#" + std::to_string(page);
  });

  CHECK(grid(42, "x") == "x#42");
  CHECK(grid(42, "x") == "x#42");
  CHECK(grid(43, "x") == "x#43");
  CHECK(calls == 2);
  // The exact key (SHA-1 of "2:42" "1:x", computed with Python's hashlib): another process,
  // or another language, finds the same entry.
  const std::string key = prefix + "memo:grid:faa31d758ff942118b87acb8b17e8b51107abf14";
  CHECK(redis.command({"EXISTS", key}).as_integer() == 1);
  auto ttl = redis.command({"PTTL", key}).as_integer();
  CHECK(ttl > 290'000);

  // A second, independent cache object (as in another process) shares the entry.
  ferry::redis::client other{ferry::test::shared_redis_url()};
  fc::cache<std::string> api2{other, prefix};
  auto grid2 = api2.memoize("grid", 5min, [](int, const std::string&) -> std::string {
    FAIL("the entry written by the first cache should have been used");
    return {};
  });
  CHECK(grid2(42, "x") == "x#42");

  // Memoized functions returning optional cache the absence too.
  int finds = 0;
  auto find = api.memoize("find", 1min, [&](const std::string& id) -> std::optional<std::string> {
    ++finds;
    return id == "1" ? std::optional<std::string>("one") : std::nullopt;
  });
  CHECK(find("1") == "one");
  CHECK_FALSE(find("2"));
  CHECK_FALSE(find("2"));
  CHECK(finds == 2);
}

TEST_CASE("cache: get_many / set_many are pipelined and keep the order of the keys", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-many");
  cleanup guard{redis, prefix};
  fc::cache<int> c{redis, prefix};
  CHECK(c.set_many({{"a", 1}, {"b", 2}, {"c", 3}}, 1min));
  auto got = c.get_many({"c", "missing", "a", "b"});
  REQUIRE(got.size() == 4);
  CHECK(got[0] == 3);
  CHECK_FALSE(got[1]);
  CHECK(got[2] == 1);
  CHECK(got[3] == 2);
  CHECK(redis.command({"PTTL", prefix + "b"}).as_integer() > 50'000);
}

TEST_CASE("cache: del_pattern escapes the namespace; user text is escaped with escape_glob",
          "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  const std::string base = ferry::test::unique_name("cache-glob");
  cleanup guard{redis, base + ":"};
  const std::string prefix = base + ":graph[1]*:";  // glob characters in the namespace itself
  fc::cache<std::string> graphs{redis, prefix};
  for (const char* k : {"a*b:1", "a*b:2", "axb:1", "a?b:1", "other:1"}) graphs.set(k, "g");
  // A neighbouring namespace that the unescaped pattern "graph[1]*:a*b:*" would match.
  fc::cache<std::string> near_ns{redis, base + ":graph1zzz:"};
  near_ns.set("a*b:1", "keep");

  const std::string job = "a*b";  // user text with a glob character
  CHECK(graphs.del_pattern(ferry::redis::escape_glob(job) + ":*") == 2);
  CHECK_FALSE(graphs.get("a*b:1"));
  CHECK_FALSE(graphs.get("a*b:2"));
  CHECK(graphs.get("axb:1") == "g");
  CHECK(graphs.get("a?b:1") == "g");
  CHECK(near_ns.get("a*b:1") == "keep");
  // del_prefix escapes the text itself: "a?" is literal, so only "a?b:1" goes.
  CHECK(graphs.del_prefix("a?") == 1);
  CHECK(graphs.get("axb:1") == "g");
  CHECK(graphs.clear() == 2);
  CHECK(near_ns.get("a*b:1") == "keep");
}

TEST_CASE("cache: an entry that no longer decodes is a miss, is deleted and is counted",
          "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-decode");
  cleanup guard{redis, prefix};
  // Version 1 of the service stored a user; version 2 reads the key as an account.
  fc::cache<user> v1{redis, prefix};
  v1.set("u1", user{"u1@example.com", 1});
  fc::cache<account> v2{redis, prefix};
  CHECK_FALSE(v2.get("u1"));
  CHECK(redis.command({"EXISTS", prefix + "u1"}).as_integer() == 0);
  auto s = v2.stats();
  CHECK(s.decode_failures == 1);
  CHECK(s.misses == 1);

  // A value written by something else entirely (no ferry header) is treated the same way,
  // and get_or_set just reloads.
  redis.command({"SET", prefix + "u2", "not json"});
  auto a = v2.get_or_set("u2", [] { return account{"u2", {"admin"}}; });
  CHECK(a.roles == std::vector<std::string>{"admin"});
  CHECK(v2.stats().decode_failures == 2);
  CHECK(v2.get("u2").has_value());  // the reload replaced it
}

TEST_CASE("cache: disabled (CACHE_ENABLED=false) is a pass-through", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-off");
  cleanup guard{redis, prefix};
  auto o = fc::cache_options::from_env([](const char* name) -> const char* {
    return std::string_view(name) == "CACHE_ENABLED" ? "false" : nullptr;
  });
  fc::cache<int> c{redis, prefix, o};
  int loads = 0;
  CHECK(c.get_or_set("k", [&] { return ++loads; }) == 1);
  CHECK(c.get_or_set("k", [&] { return ++loads; }) == 2);
  CHECK_FALSE(c.set("k", 5));
  CHECK_FALSE(c.get("k"));
  CHECK(redis.command({"EXISTS", prefix + "k"}).as_integer() == 0);
  CHECK_FALSE(c.stats().enabled);
}

TEST_CASE("cache: a loader's exception propagates and nothing is cached", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-throw");
  cleanup guard{redis, prefix};
  fc::cache<int> c{redis, prefix};
  CHECK_THROWS_WITH(c.get_or_set("k", []() -> int { throw std::runtime_error("db down"); }),
                    "db down");
  CHECK_FALSE(c.exists("k"));
  CHECK(c.get_or_set("k", [] { return 7; }) == 7);
  auto s = c.stats();
  CHECK(s.load_failures == 1);
  CHECK(s.loads == 2);
}

TEST_CASE("cache: stats and the admin report", "[cache]") {
  ferry::redis::client redis{ferry::test::shared_redis_url()};
  auto prefix = ns("cache-stats");
  cleanup guard{redis, prefix};
  fc::cache<std::string> c{redis, prefix};
  for (int i = 0; i < 3; ++i) {
    (void)c.get_or_set("k", [] {
      std::this_thread::sleep_for(10ms);
      return std::string("v");
    });
  }
  (void)c.get("missing");
  auto s = c.stats();
  CHECK(s.name == prefix);
  CHECK(s.hits == 2);
  CHECK(s.misses == 2);
  CHECK(s.loads == 1);
  CHECK(s.hit_rate() == Approx(0.5));
  CHECK(s.load_time_avg() >= 10ms);
  CHECK(s.errors == 0);

  auto r = fc::cache_report(redis, {c.stats()});
  CHECK(r.redis.reachable);
  CHECK(r.redis.used_memory > 0);
  CHECK_FALSE(r.redis.version.empty());
  CHECK(r.redis.db_keys >= 1);
  CHECK(r.pool.created >= 1);
  auto j = nlohmann::json::parse(fc::to_json(r));
  CHECK(j["caches"][0]["name"] == prefix);
  CHECK(j["caches"][0]["loads"] == 1);
  CHECK(j["redis"]["reachable"] == true);
}
