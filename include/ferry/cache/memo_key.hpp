// ferry/cache/memo_key.hpp — the cache key of a memoized call, derived from its arguments.
//
// The key must be the same for the same arguments in every process and every run (so
// processes share entries), and different for different arguments. Each argument is encoded
// with its codec<T> (string-like arguments as their bytes), written as "<length>:<bytes>" so
// ("ab", "c") and ("a", "bc") differ, and the concatenation is hashed with SHA-1. The key
// stays readable in redis-cli:
//
//   ferry::cache::memo_key("grid", 42, std::string("x"))
//     == "memo:grid:" + sha1_hex("2:42" "1:x")
//   // cache<T>::memoize stores it under "<namespace>memo:grid:<40 hex digits>"
//
// Containers and structs hash their codec bytes; give them a deterministic encoding (a
// std::map encodes in key order as JSON, an unordered_map does not).
//
// Thread safety: pure functions; thread-safe.
// Errors: std::invalid_argument for an empty name; whatever a codec's encode throws.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "ferry/core/codec.hpp"
#include "ferry/redis/script.hpp"

namespace ferry::cache {

namespace detail {
/// Appends "<length>:<bytes>" for one argument.
template <class A>
void append_memo_arg(std::string& out, const A& arg) {
  using D = std::remove_cvref_t<A>;
  if constexpr (std::is_convertible_v<const D&, std::string_view>) {
    std::string_view bytes(arg);
    out += std::to_string(bytes.size());
    out += ':';
    out += bytes;
  } else {
    static_assert(has_codec<D>, "memoize: every argument type needs a ferry::codec");
    std::string bytes = codec<D>::encode(arg);
    out += std::to_string(bytes.size());
    out += ':';
    out += bytes;
  }
}
}  // namespace detail

/// The canonical bytes of an argument list (hashed by memo_key); exposed for tests and tools.
template <class... Args>
[[nodiscard]] std::string memo_encoding(const Args&... args) {
  std::string out;
  (detail::append_memo_arg(out, args), ...);
  return out;
}

/// "memo:<name>:<sha1 hex of memo_encoding(args...)>" — relative to a cache's namespace.
template <class... Args>
[[nodiscard]] std::string memo_key(std::string_view name, const Args&... args) {
  if (name.empty()) throw std::invalid_argument("memoize name must not be empty");
  std::string key = "memo:";
  key += name;
  key += ':';
  key += redis::sha1_hex(memo_encoding(args...));
  return key;
}

}  // namespace ferry::cache
