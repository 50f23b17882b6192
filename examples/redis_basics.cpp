// redis_basics — the Redis core in one file: a pooled client, commands, a pipeline, a Lua
// script, SCAN-based cleanup and pool stats.
//
//   example_redis_basics [redis://host:port/db]     (default: $REDIS_URL, then localhost)
#include <cstdlib>
#include <iostream>
#include <string>

#include <ferry/core/error.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/redis/keys.hpp>
#include <ferry/redis/scan.hpp>
#include <ferry/redis/script.hpp>
#include <ferry/redis/url.hpp>

int main(int argc, char* argv[]) {
  const char* env = std::getenv("REDIS_URL");
  std::string url = argc > 1 ? argv[1] : (env != nullptr ? env : "redis://127.0.0.1:6379");
  try {
    ferry::redis::client redis{url};
    auto rtt = redis.ping();  // throws if the server is unreachable
    std::cout << "connected to " << ferry::redis::to_string(redis.config()) << " (ping "
              << rtt.count() << "us)\n";

    // Keys of one feature share a prefix; the tag keeps them in one cluster slot.
    ferry::redis::key_space ks{"example", "basics"};
    redis.command({"SET", ks.key("greeting"), "hello"});
    auto greeting = redis.command({"GET", ks.key("greeting")}).as_optional_string();
    std::cout << "greeting = " << greeting.value_or("(nil)") << "\n";
    auto missing = redis.command({"GET", ks.key("nope")}).as_optional_string();
    std::cout << "missing key is " << (missing ? "present?!" : "nullopt") << "\n";

    // A pipeline: one write, replies in order; error replies are values.
    ferry::redis::pipeline p;
    for (int i = 0; i < 5; ++i) p.add({"INCR", ks.key("counter")});
    p.add({"LPUSH", ks.key("greeting"), "x"});  // WRONGTYPE, reported per reply
    auto replies = redis.exec(p);
    std::cout << "counter after pipeline = " << replies[4].as_integer() << "\n";
    std::cout << "bad command said: " << replies[5].error_message() << "\n";

    // A Lua script, run by SHA1 and loaded on demand.
    static const ferry::redis::script capped_incr{
        "local v = redis.call('INCR', KEYS[1]) "
        "if v > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) v = tonumber(ARGV[1]) "
        "end "
        "return v"};
    std::cout << "capped counter = "
              << capped_incr.run(redis, {ks.key("counter")}, {"6"}).as_integer() << "\n";

    // Clean up with SCAN + UNLINK; escape_glob keeps glob characters in the prefix literal.
    auto removed =
        ferry::redis::delete_matching(redis, ferry::redis::escape_glob(ks.prefix()) + "*");
    std::cout << "removed " << removed << " keys\n";

    auto s = redis.stats();
    std::cout << "pool: created " << s.created << ", idle " << s.idle << ", in use " << s.in_use
              << "\n";
    return 0;
  } catch (const ferry::error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.is_transient() ? 75 : 1;
  }
}
