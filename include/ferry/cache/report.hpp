// ferry/cache/report.hpp — everything an /admin/cache/stats endpoint shows, in one struct.
//
// cache_report() gathers the counters of your caches, the Redis server's memory and keyspace
// figures (one INFO round trip) and the connection pool's counters; to_json() renders it for
// an HTTP response without pulling a JSON library into your build.
//
//   auto r = ferry::cache::cache_report(redis, {policy.stats(), users.stats()});
//   res.set_content(ferry::cache::to_json(r), "application/json");
//
// The behaviour a reader would otherwise get wrong: an unreachable Redis does not throw; the
// report then has `redis.reachable == false` and the error text, so the endpoint still
// answers (with the local counters) when it matters most.
//
// Thread safety: cache_report is thread-safe (the client is); the structs are value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ferry/cache/stats.hpp"
#include "ferry/export.hpp"
#include "ferry/redis/client.hpp"

namespace ferry::cache {

/// Selected INFO fields of the Redis server.
struct redis_info {
  bool reachable = false;              ///< INFO answered.
  std::string error;                   ///< Why not, when unreachable.
  std::string version;                 ///< redis_version
  std::uint64_t used_memory = 0;       ///< Bytes.
  std::string used_memory_human;       ///< "1.02M"
  std::uint64_t used_memory_peak = 0;  ///< Bytes.
  std::uint64_t maxmemory = 0;         ///< Bytes; 0 = no limit.
  std::string maxmemory_policy;        ///< "allkeys-lru", "noeviction", ...
  std::uint64_t connected_clients = 0;
  std::uint64_t keyspace_hits = 0;  ///< Server-wide GET hits since start.
  std::uint64_t keyspace_misses = 0;
  std::uint64_t expired_keys = 0;
  std::uint64_t evicted_keys = 0;
  std::uint64_t db_keys = 0;     ///< Keys in the client's database.
  std::uint64_t db_expires = 0;  ///< Of those, keys with a TTL.
  /// keyspace_hits / (hits + misses); 0 when there were none.
  [[nodiscard]] double hit_rate() const noexcept {
    auto t = keyspace_hits + keyspace_misses;
    return t == 0 ? 0.0 : static_cast<double>(keyspace_hits) / static_cast<double>(t);
  }
};

struct report {
  std::vector<cache_stats> caches;
  redis_info redis;
  redis::pool_stats pool;
};

/// Parses the text of an INFO reply (pure; `db` selects the keyspace line "db<N>:").
[[nodiscard]] FERRY_API redis_info parse_info(std::string_view info, int db);

/// Counters of `caches`, INFO from the server behind `client`, and the pool's counters.
[[nodiscard]] FERRY_API report cache_report(redis::client& client, std::vector<cache_stats> caches);

/// The report as a JSON object (stable field names, snake_case; durations in microseconds).
[[nodiscard]] FERRY_API std::string to_json(const report& r);

}  // namespace ferry::cache
