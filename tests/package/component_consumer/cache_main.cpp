// A program that uses only ferry::cache: with Redis unreachable the cache degrades to the
// loader and counts the error, which proves the cache, the Redis client and hiredis are linked.
#include <ferry/cache/cache.hpp>
#include <ferry/redis/client.hpp>

#include <iostream>
#include <string>

int main() {
  ferry::redis::client redis{"redis://127.0.0.1:1/0?connect_timeout=500ms"};
  ferry::cache::cache<std::string> names{redis, "consumer:"};
  const std::string v = names.get_or_set("k", [] { return std::string("loaded"); });
  const auto stats = names.stats();
  if (v != "loaded" || stats.errors == 0 || stats.loads != 1) return 1;
  std::cout << "cache: " << v << " with Redis down (" << stats.errors << " errors)\n";
  return 0;
}
