// ferry/core/codec.hpp — codec<T>: how a value of type T becomes bytes and back.
//
// Everything ferry stores for you (cache entries, memoize keys) goes through `codec<T>`, chosen
// at compile time from the type: there is no run-time guessing between formats, so a value is
// always read back with the codec it was written with. Built in here:
//
//   std::string          the bytes themselves
//   integers (not bool)  decimal text ("42", "-7"), so redis-cli shows them readably
//
// `ferry/codec_json.hpp` adds every type nlohmann::json can convert (to_json/from_json); it is
// a separate header so this one needs nothing beyond the standard library. Add your own by
// specialising codec:
//
//   template <> struct ferry::codec<point> {
//     static std::string encode(const point& p) { return fmt::format("{},{}", p.x, p.y); }
//     static point decode(std::string_view s);  // throws ferry::error(errc::decode_error)
//   };
//
// The rule a reader would otherwise get wrong: decode() must throw (preferably ferry::error
// with errc::decode_error) on bytes it cannot read, never return a default value; the cache
// relies on that to treat an entry written by an older version of a type as a miss.
//
// Thread safety: codecs are stateless; encode/decode are thread-safe.
// Errors: decode throws ferry::error(errc::decode_error) for malformed input.
#pragma once

#include <charconv>
#include <concepts>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

#include "ferry/core/error.hpp"

namespace ferry {

/// The customisation point: specialise for your type with static `encode(const T&)` returning
/// std::string and `decode(std::string_view)` returning T. Not defined for other types.
template <class T>
struct codec;

/// True when codec<T> exists and has the encode/decode pair.
template <class T>
concept has_codec = requires(const T& value, std::string_view bytes) {
  { codec<T>::encode(value) } -> std::convertible_to<std::string>;
  { codec<T>::decode(bytes) } -> std::convertible_to<T>;
};

/// Bytes in, bytes out.
template <>
struct codec<std::string> {
  static std::string encode(const std::string& value) { return value; }
  static std::string decode(std::string_view bytes) { return std::string(bytes); }
};

/// Integers as decimal text; decode accepts exactly what encode writes (no spaces, no "+",
/// no trailing bytes) and rejects values out of range for T.
template <class T>
requires(std::integral<T> && !std::same_as<T, bool>) struct codec<T> {
  static std::string encode(T value) {
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, res.ptr);
  }
  static T decode(std::string_view bytes) {
    T value{};
    auto res = std::from_chars(bytes.data(), bytes.data() + bytes.size(), value);
    if (bytes.empty() || res.ec != std::errc{} || res.ptr != bytes.data() + bytes.size()) {
      throw error(errc::decode_error,
                  "not a decimal integer in range: '" + std::string(bytes.substr(0, 40)) + "'");
    }
    return value;
  }
};

}  // namespace ferry
