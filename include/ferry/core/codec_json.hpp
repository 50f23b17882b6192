// ferry/core/codec_json.hpp — codec<T> for every type nlohmann::json converts: your structs with
// to_json/from_json (or NLOHMANN_DEFINE_TYPE_*), standard containers, bool, floating point.
//
// Kept apart from ferry/codec.hpp so that only code that stores JSON needs nlohmann_json
// (link nlohmann_json::nlohmann_json). Include it in every translation unit that caches a
// JSON type, so each instantiation of codec<T> sees the same definition.
//
//   struct user { std::string email; int tier; };
//   NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(user, email, tier)
//   ferry::cache::cache<user> users{redis, "user_by_email:"};   // stored as {"email":..}
//
// std::string and integers keep their own codecs from codec.hpp (raw bytes, decimal text);
// a user specialisation of codec<T> always wins over this one.
//
// Thread safety: stateless; thread-safe.
// Errors: decode throws ferry::error(errc::decode_error) when the bytes are not JSON or do not
// convert to T; encode throws it when the value cannot be serialised (invalid UTF-8).
#pragma once

#include <concepts>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "ferry/core/codec.hpp"
#include "ferry/core/error.hpp"

namespace ferry {

namespace detail {
/// Types nlohmann converts both ways and that have no more specific built-in codec.
template <class T>
concept json_codable =
    !std::same_as<T, std::string> && !(std::integral<T> && !std::same_as<T, bool>)&&requires(
                                         const T& value, const nlohmann::json& j) {
  nlohmann::json(value);
  j.template get<T>();
};
}  // namespace detail

template <class T>
requires detail::json_codable<T>
struct codec<T> {
  static std::string encode(const T& value) {
    try {
      return nlohmann::json(value).dump();
    } catch (const nlohmann::json::exception& e) {
      throw error(errc::decode_error, std::string("JSON encode failed: ") + e.what());
    }
  }
  static T decode(std::string_view bytes) {
    try {
      return nlohmann::json::parse(bytes.begin(), bytes.end()).template get<T>();
    } catch (const nlohmann::json::exception& e) {
      throw error(errc::decode_error, std::string("JSON decode failed: ") + e.what());
    }
  }
};

}  // namespace ferry
