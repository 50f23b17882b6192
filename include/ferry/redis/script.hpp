// ferry/redis/script.hpp — a Lua script run by SHA1 (EVALSHA), loaded on demand.
//
// A `script` holds the Lua source and its SHA1, computed locally, so nothing is sent when it
// is created. run() sends EVALSHA; when the server answers NOSCRIPT (first use, SCRIPT FLUSH,
// a restart or failover) it sends SCRIPT LOAD and retries once, transparently. Use scripts
// for read-modify-write steps that must be atomic (rate limiters, reliable queues).
//
//   static const ferry::redis::script incr_to{
//       "local v = redis.call('INCR', KEYS[1]) "
//       "if v > tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end return v"};
//   long long v = incr_to.run(client, {"counter"}, {"10"}).as_integer();
//
// Keys go in `keys` (KEYS[i]) and everything else in `args` (ARGV[i]), as Redis Cluster
// requires; all keys of one call must hash to one slot there (see keys.hpp).
//
// Thread safety: immutable after construction; thread-safe.
// Errors: like connection::command — a Lua error is errc::server_error with the server text.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "ferry/export.hpp"
#include "ferry/redis/reply.hpp"

namespace ferry::redis {

class connection;
class client;

/// Lowercase hex SHA1 of `data` (40 characters), as Redis names scripts.
[[nodiscard]] FERRY_API std::string sha1_hex(std::string_view data);

class FERRY_API script {
 public:
  /// Takes the Lua source; computes its SHA1 locally.
  explicit script(std::string source);

  [[nodiscard]] const std::string& source() const noexcept { return source_; }
  /// Lowercase hex SHA1 of the source.
  [[nodiscard]] const std::string& sha1() const noexcept { return sha1_; }

  /// EVALSHA on `conn`, loading the script on NOSCRIPT. Error replies throw.
  reply run(connection& conn, std::span<const std::string_view> keys,
            std::span<const std::string_view> args) const;
  reply run(connection& conn, std::initializer_list<std::string_view> keys,
            std::initializer_list<std::string_view> args = {}) const {
    return run(conn, std::span<const std::string_view>(keys.begin(), keys.size()),
               std::span<const std::string_view>(args.begin(), args.size()));
  }
  /// Same on a pooled connection (acquired for the call and returned afterwards).
  reply run(client& c, std::span<const std::string_view> keys,
            std::span<const std::string_view> args) const;
  reply run(client& c, std::initializer_list<std::string_view> keys,
            std::initializer_list<std::string_view> args = {}) const {
    return run(c, std::span<const std::string_view>(keys.begin(), keys.size()),
               std::span<const std::string_view>(args.begin(), args.size()));
  }

  /// SCRIPT LOAD on `conn` (optional warm-up; run() loads on demand anyway).
  void load(connection& conn) const;

 private:
  std::string source_;
  std::string sha1_;
};

}  // namespace ferry::redis
