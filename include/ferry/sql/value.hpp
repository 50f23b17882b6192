// ferry/sql/value.hpp — the values `session` binds as parameters and reads from result columns.
//
// A `value` is NULL (`std::monostate`), a 64-bit integer, a double or text. `value_traits<T>`
// converts C++ types to and from it; supported out of the box: integral types, `bool` (stored
// as 0/1; select boolean columns as `CAST(col AS INTEGER)` so both engines return a number),
// floating-point types, `std::string` (and `std::string_view`/`const char*` as parameters),
// `std::nullopt` and `std::optional<T>` (NULL when empty). Specialise `value_traits` for more.
//
// The one behaviour to know: reading NULL into a non-optional type is an `errc::decode_error`.
//
// Thread safety: value types; thread-compatible.
// Errors: `ferry::error(errc::decode_error)` when a column cannot be converted to the type asked
// for.
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ferry/export.hpp"

namespace ferry::sql {

/// One SQL value: NULL, integer, real or text.
using value = std::variant<std::monostate, std::int64_t, double, std::string>;

/// One result row, in select-list order.
using row = std::vector<value>;

/// The storage class a result column is fetched as.
enum class column_type { integer, real, text };

namespace detail {
/// Throws errc::decode_error "cannot read <got> as <wanted>".
[[noreturn]] FERRY_API void throw_decode_error(const value& got, std::string_view wanted);
}  // namespace detail

/// Customisation point: `column` (how to fetch), `to_value` (bind) and `from_value` (read).
template <class T>
struct value_traits;

template <std::integral T>
requires(!std::same_as<T, bool>) struct value_traits<T> {
  static constexpr column_type column = column_type::integer;
  static value to_value(T v) { return static_cast<std::int64_t>(v); }
  static T from_value(const value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) {
      if (std::in_range<T>(*i)) return static_cast<T>(*i);
    }
    detail::throw_decode_error(v, "integer");
  }
};

template <>
struct value_traits<bool> {
  static constexpr column_type column = column_type::integer;
  static value to_value(bool v) { return std::int64_t{v ? 1 : 0}; }
  static bool from_value(const value& v) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return *i != 0;
    detail::throw_decode_error(v, "bool");
  }
};

template <std::floating_point T>
struct value_traits<T> {
  static constexpr column_type column = column_type::real;
  static value to_value(T v) { return static_cast<double>(v); }
  static T from_value(const value& v) {
    if (const auto* d = std::get_if<double>(&v)) return static_cast<T>(*d);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<T>(*i);
    detail::throw_decode_error(v, "real");
  }
};

template <>
struct value_traits<std::string> {
  static constexpr column_type column = column_type::text;
  static value to_value(std::string v) { return v; }
  static std::string from_value(const value& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    detail::throw_decode_error(v, "text");
  }
};

/// Parameters only: bound as text.
template <>
struct value_traits<std::string_view> {
  static value to_value(std::string_view v) { return std::string(v); }
};
template <>
struct value_traits<const char*> {
  static value to_value(const char* v) { return std::string(v); }
};

/// Parameters only: NULL.
template <>
struct value_traits<std::nullopt_t> {
  static value to_value(std::nullopt_t) { return std::monostate{}; }
};

/// NULL when empty, in both directions.
template <class T>
struct value_traits<std::optional<T>> {
  static constexpr column_type column = value_traits<T>::column;
  static value to_value(const std::optional<T>& v) {
    if (!v) return std::monostate{};
    return value_traits<T>::to_value(*v);
  }
  static std::optional<T> from_value(const value& v) {
    if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
    return value_traits<T>::from_value(v);
  }
};

/// Converts one parameter (decaying arrays and string literals) to a `value`.
template <class T>
[[nodiscard]] value to_value(T&& v) {
  using D = std::decay_t<T>;
  if constexpr (std::is_same_v<D, value>) {
    return std::forward<T>(v);
  } else if constexpr (std::is_same_v<D, char*>) {
    return value_traits<const char*>::to_value(v);
  } else {
    return value_traits<D>::to_value(std::forward<T>(v));
  }
}

}  // namespace ferry::sql
