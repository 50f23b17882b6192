// Pure parts of the cache: memoize key derivation, the stored-entry format, XFetch, options
// from the environment, INFO parsing and the report's JSON.
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>

#include "ferry/cache/detail/envelope.hpp"
#include "ferry/cache/memo_key.hpp"
#include "ferry/cache/options.hpp"
#include "ferry/cache/report.hpp"
#include "ferry/core/codec_json.hpp"

using namespace std::chrono_literals;
namespace fc = ferry::cache;
namespace fd = ferry::cache::detail;

TEST_CASE("memo_key: length-prefixed arguments hashed with SHA-1, stable values", "[cache]") {
  CHECK(fc::memo_encoding(42, std::string("x")) == "2:421:x");
  // Known answers (hashlib.sha1 in Python): the key must never change between releases,
  // or every deployed process would stop sharing entries.
  CHECK(fc::memo_key("grid", 42, std::string("x")) ==
        "memo:grid:faa31d758ff942118b87acb8b17e8b51107abf14");
  CHECK(fc::memo_key("user", "user@example.com", -7) ==
        "memo:user:d29f26debfbb6f77b45710d6ffe8229a67f1ce39");
  CHECK(fc::memo_key("none") == "memo:none:da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

TEST_CASE("memo_key: argument boundaries and values change the key", "[cache]") {
  CHECK(fc::memo_key("f", "ab", "c") != fc::memo_key("f", "a", "bc"));
  CHECK(fc::memo_key("f", 1, 2) != fc::memo_key("f", 12));
  CHECK(fc::memo_key("f", 1) != fc::memo_key("g", 1));
  CHECK(fc::memo_key("f", std::string_view("x")) == fc::memo_key("f", std::string("x")));
  std::map<std::string, int> a{{"x", 1}, {"y", 2}}, b{{"y", 2}, {"x", 1}};
  CHECK(fc::memo_key("f", a) == fc::memo_key("f", b));
  CHECK_THROWS_AS(fc::memo_key(""), std::invalid_argument);
}

TEST_CASE("envelope: values, absent markers and forever entries round-trip", "[cache]") {
  fd::sys_time expiry{1'700'000'000'123ms};
  auto raw = fd::encode_envelope({false, 15ms, expiry, "hello"});
  CHECK(raw == "~f1:v:15:1700000000123:hello");
  auto e = fd::decode_envelope(raw);
  REQUIRE(e);
  CHECK_FALSE(e->negative);
  CHECK(e->delta == 15ms);
  CHECK(e->expiry == expiry);
  CHECK(e->payload == "hello");

  // decode_envelope returns views into its argument: keep the bytes alive.
  std::string forever_raw = fd::encode_envelope({false, 0ms, std::nullopt, "a:b"});
  auto forever = fd::decode_envelope(forever_raw);
  REQUIRE(forever);
  CHECK_FALSE(forever->expiry);
  CHECK(forever->payload == "a:b");

  // The absent marker is a header kind, not a payload value: no value can collide with it.
  auto neg = fd::encode_envelope({true, 3ms, expiry, {}});
  CHECK(neg == "~f1:n:3:1700000000123:");
  REQUIRE(fd::decode_envelope(neg));
  CHECK(fd::decode_envelope(neg)->negative);
  std::string lookalike_raw = fd::encode_envelope({false, 3ms, expiry, "~f1:n:3:1:"});
  auto lookalike = fd::decode_envelope(lookalike_raw);
  REQUIRE(lookalike);
  CHECK_FALSE(lookalike->negative);
}

TEST_CASE("envelope: foreign or damaged bytes are rejected", "[cache]") {
  for (const char* bad : {"", "OK", "~f1:", "~f1:x:1:2:", "~f1:v:1:2", "~f1:v::2:p", "~f1:v:-1:2:p",
                          "~f1:v:1:abc:p", "~f1:n:1:2:payload", "~f2:v:1:2:p"}) {
    INFO(bad);
    CHECK_FALSE(fd::decode_envelope(bad));
  }
}

TEST_CASE("xfetch: early refresh probability follows now - delta*beta*ln(u) >= expiry", "[cache]") {
  fd::sys_time t{1'000'000ms};
  auto expiry = t + 1000ms;
  // u = 1 (ln 0): never early before expiry; at or past expiry: always.
  CHECK_FALSE(fd::xfetch_due(t, 100ms, 1.0, 1.0, expiry));
  CHECK(fd::xfetch_due(expiry, 100ms, 1.0, 1.0, expiry));
  // -ln(0.5) * 100ms = 69ms ahead: due 60ms before expiry, not 80ms before.
  CHECK(fd::xfetch_due(expiry - 60ms, 100ms, 1.0, 0.5, expiry));
  CHECK_FALSE(fd::xfetch_due(expiry - 80ms, 100ms, 1.0, 0.5, expiry));
  // beta scales it: beta 2 -> 139ms ahead.
  CHECK(fd::xfetch_due(expiry - 120ms, 100ms, 2.0, 0.5, expiry));
  // No load time, beta 0 or no expiry: never early.
  CHECK_FALSE(fd::xfetch_due(expiry - 1ms, 0ms, 1.0, 1e-9, expiry));
  CHECK_FALSE(fd::xfetch_due(expiry - 1ms, 100ms, 0.0, 1e-9, expiry));
  CHECK_FALSE(fd::xfetch_due(t, 100ms, 1.0, 1e-9, std::nullopt));
}

TEST_CASE("cache_options::from_env reads CACHE_ENABLED and CACHE_DEFAULT_TTL", "[cache]") {
  std::map<std::string, std::string> env;
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  auto d = fc::cache_options::from_env(getenv);
  CHECK(d.enabled);
  CHECK(d.default_ttl == 300s);
  env = {{"CACHE_ENABLED", "FALSE"}, {"CACHE_DEFAULT_TTL", "900"}};
  auto o = fc::cache_options::from_env(getenv);
  CHECK_FALSE(o.enabled);
  CHECK(o.default_ttl == 900s);
  env = {{"CACHE_ENABLED", "0"}};
  CHECK_FALSE(fc::cache_options::from_env(getenv).enabled);
  for (auto bad : std::vector<std::map<std::string, std::string>>{{{"CACHE_ENABLED", "maybe"}},
                                                                  {{"CACHE_DEFAULT_TTL", "0"}},
                                                                  {{"CACHE_DEFAULT_TTL", "5m"}},
                                                                  {{"CACHE_DEFAULT_TTL", "-3"}}}) {
    env = bad;
    try {
      (void)fc::cache_options::from_env(getenv);
      FAIL("accepted " << bad.begin()->second);
    } catch (const ferry::error& e) {
      CHECK(e.kind() == ferry::errc::config);
      CHECK(std::string(e.what()).find(bad.begin()->first) != std::string::npos);
    }
  }
}

TEST_CASE("parse_info picks memory, stats and the client's keyspace line", "[cache]") {
  std::string info =
      "# Server\r\nredis_version:7.0.15\r\n# Clients\r\nconnected_clients:3\r\n"
      "# Memory\r\nused_memory:1048576\r\nused_memory_human:1.00M\r\nused_memory_peak:2000000\r\n"
      "maxmemory:0\r\nmaxmemory_policy:allkeys-lru\r\n# Stats\r\nkeyspace_hits:30\r\n"
      "keyspace_misses:10\r\nexpired_keys:4\r\nevicted_keys:1\r\n# Keyspace\r\n"
      "db0:keys=12,expires=3,avg_ttl=100\r\ndb2:keys=7,expires=7,avg_ttl=5\r\n";
  auto r = fc::parse_info(info, 2);
  CHECK(r.reachable);
  CHECK(r.version == "7.0.15");
  CHECK(r.connected_clients == 3);
  CHECK(r.used_memory == 1048576);
  CHECK(r.used_memory_human == "1.00M");
  CHECK(r.maxmemory_policy == "allkeys-lru");
  CHECK(r.keyspace_hits == 30);
  CHECK(r.hit_rate() == Approx(0.75));
  CHECK(r.db_keys == 7);
  CHECK(r.db_expires == 7);
  CHECK(fc::parse_info(info, 0).db_keys == 12);
}

TEST_CASE("to_json renders a report that parses and escapes text", "[cache]") {
  fc::report r;
  fc::cache_stats s;
  s.name = "policy:\"x\"";
  s.hits = 3;
  s.misses = 1;
  s.loads = 2;
  s.load_time_total = 5000us;
  r.caches.push_back(s);
  r.redis.error = "down\nhard";
  auto j = nlohmann::json::parse(fc::to_json(r));
  CHECK(j["caches"][0]["name"] == "policy:\"x\"");
  CHECK(j["caches"][0]["hit_rate"].get<double>() == Approx(0.75));
  CHECK(j["caches"][0]["load_time_avg_us"] == 2500);
  CHECK(j["redis"]["reachable"] == false);
  CHECK(j["redis"]["error"] == "down\nhard");
  CHECK(j["pool"]["created"] == 0);
}
