// ferry/redis/keys.hpp — building key names, and the Redis Cluster hash slot of a key.
//
// Every ferry feature namespaces its keys ("cache:users:42"). In Redis Cluster, keys used
// together by one MULTI or Lua script must live in one hash slot; Redis hashes only the part
// between the first `{` and the next `}` (the hash tag) when that part is non-empty. A
// `key_space` with a tag puts it in braces so all its keys co-locate:
//
//   ferry::redis::key_space q{"queue", "emails"};
//   q.key("ready");       // "queue:{emails}:ready"
//   q.key("processing");  // "queue:{emails}:processing" — same slot as "ready"
//   ferry::redis::key_space c{"cache"};
//   c.key("user:42");     // "cache:user:42"
//
// Thread safety: value type; thread-compatible. Functions are pure and thread-safe.
// Errors: std::invalid_argument for an empty prefix, or a tag containing '{' or '}'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::redis {

/// CRC16 (XMODEM: poly 0x1021, init 0) as used by Redis Cluster; crc16("123456789") == 0x31C3.
[[nodiscard]] FERRY_API std::uint16_t crc16(std::string_view data) noexcept;

/// The Redis Cluster slot (0..16383) of `key`, honouring a non-empty {hash tag}.
[[nodiscard]] FERRY_API std::uint16_t hash_slot(std::string_view key) noexcept;

/// A key prefix, optionally with a hash tag that pins all its keys to one cluster slot.
class FERRY_API key_space {
 public:
  /// Keys "<prefix>:<name>".
  explicit key_space(std::string prefix);
  /// Keys "<prefix>:{<tag>}:<name>".
  key_space(std::string prefix, std::string tag);

  /// The full key for `name`.
  [[nodiscard]] std::string key(std::string_view name) const;
  /// The prefix every key of this space starts with ("queue:{emails}:"), e.g. for SCAN
  /// patterns (escape it with escape_glob first).
  [[nodiscard]] const std::string& prefix() const noexcept { return head_; }
  /// A nested space: key_space("a").child("b").key("c") == "a:b:c" (keeps the tag).
  [[nodiscard]] key_space child(std::string_view name) const;

 private:
  key_space() = default;
  std::string head_;  // "<prefix>:" or "<prefix>:{<tag>}:"
};

}  // namespace ferry::redis
