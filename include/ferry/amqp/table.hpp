// ferry/amqp/table.hpp — AMQP field tables (message headers, queue/exchange arguments).
//
// `table` is an ordered list of (name, field_value) pairs; `field_value` holds any AMQP 0-9-1
// field type as RabbitMQ encodes it: void, bool, int8..int64 and uint8..uint64, float, double,
// decimal, timestamp, UTF-8 string, raw bytes, arrays and nested tables. That covers every type
// Celery/kombu put into headers (nested tables and arrays of strings, ints, null, bools).
// Conversion to and from rabbitmq-c's structs happens inside ferry; no C types leak here.
//
// The one behaviour a reader would get wrong: integers keep their exact wire type. `42` becomes
// an int32 ('I'), `std::int64_t{42}` an int64 ('l'); use `as_int()` to read any integer width.
//
//   ferry::amqp::table h;
//   h.set("x-ferry-attempts", 2).set("origin", "web").set("ids", ferry::amqp::array{1, 2});
//   if (auto n = h.get_int("x-ferry-attempts")) ...
//
// Thread safety: value types; thread-compatible.
// Errors: none; accessors return nullopt / nullptr for absent or differently typed values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ferry/export.hpp"

namespace ferry::amqp {

class field_value;

/// A decimal number: `value / 10^scale` (AMQP 'D').
struct decimal {
  std::uint8_t scale = 0;
  std::uint32_t value = 0;
  friend bool operator==(const decimal&, const decimal&) = default;
};

/// An AMQP timestamp ('T'): whole seconds since the Unix epoch.
struct timestamp {
  std::chrono::sys_seconds time{};
  friend bool operator==(const timestamp&, const timestamp&) = default;
};

/// Raw bytes ('x'), as opposed to a UTF-8 string ('S').
struct bytes {
  std::string data;
  friend bool operator==(const bytes&, const bytes&) = default;
};

/// An AMQP field array ('A').
using array = std::vector<field_value>;

/// An AMQP field table ('F'): names in insertion order, each name at most once.
class FERRY_API table {
 public:
  using entry = std::pair<std::string, field_value>;
  using const_iterator = std::vector<entry>::const_iterator;

  table() = default;
  table(std::initializer_list<entry> entries);

  /// Sets `name` (replacing an existing value in place); returns *this for chaining.
  table& set(std::string name, field_value value);
  /// Removes `name`; returns whether it was present.
  bool erase(std::string_view name);
  /// The value stored under `name`, or nullptr.
  [[nodiscard]] const field_value* find(std::string_view name) const;
  [[nodiscard]] bool contains(std::string_view name) const { return find(name) != nullptr; }

  /// Typed lookups: nullopt when absent or of another type.
  [[nodiscard]] std::optional<std::string> get_string(std::string_view name) const;
  [[nodiscard]] std::optional<std::int64_t> get_int(std::string_view name) const;

  // Defined at the end of this header: field_value, which holds tables, is incomplete here,
  // and a vector's size or iterators need its element type complete.
  [[nodiscard]] std::size_t size() const noexcept;
  [[nodiscard]] bool empty() const noexcept;
  [[nodiscard]] const_iterator begin() const noexcept;
  [[nodiscard]] const_iterator end() const noexcept;

  friend FERRY_API bool operator==(const table& a, const table& b);

 private:
  std::vector<entry> entries_;
};

/// One AMQP field value. Implicitly constructible from the C++ type it holds.
class FERRY_API field_value {
 public:
  using variant =
      std::variant<std::monostate, bool, std::int8_t, std::uint8_t, std::int16_t, std::uint16_t,
                   std::int32_t, std::uint32_t, std::int64_t, std::uint64_t, float, double, decimal,
                   timestamp, std::string, bytes, array, table>;

  /// Void ('V'): Python's None in Celery headers.
  field_value() = default;
  field_value(std::nullptr_t) {}  // NOLINT(google-explicit-constructor)
  field_value(bool b) : v_(b) {}  // NOLINT
  /// Any integer type maps to the AMQP integer of the same width and signedness.
  template <class Int>
  requires(std::is_integral_v<Int> && !std::is_same_v<Int, bool>) field_value(Int i)
      : v_(exact(i)) {}                                    // NOLINT
  field_value(float f) : v_(f) {}                          // NOLINT
  field_value(double d) : v_(d) {}                         // NOLINT
  field_value(decimal d) : v_(d) {}                        // NOLINT
  field_value(timestamp t) : v_(t) {}                      // NOLINT
  field_value(const char* s) : v_(std::string(s)) {}       // NOLINT
  field_value(std::string_view s) : v_(std::string(s)) {}  // NOLINT
  field_value(std::string s) : v_(std::move(s)) {}         // NOLINT
  field_value(bytes b) : v_(std::move(b)) {}               // NOLINT
  field_value(array a) : v_(std::move(a)) {}               // NOLINT
  field_value(table t) : v_(std::move(t)) {}               // NOLINT

  /// The underlying variant, for std::visit.
  [[nodiscard]] const variant& value() const noexcept { return v_; }

  [[nodiscard]] bool is_void() const noexcept { return v_.index() == 0; }
  /// Any integer width, if it fits in int64 (uint64 values above INT64_MAX give nullopt).
  [[nodiscard]] std::optional<std::int64_t> as_int() const noexcept;
  [[nodiscard]] std::optional<bool> as_bool() const noexcept;
  [[nodiscard]] std::optional<double> as_double() const noexcept;  ///< float or double
  /// Strings and raw bytes.
  [[nodiscard]] const std::string* as_string() const noexcept;
  [[nodiscard]] const table* as_table() const noexcept { return std::get_if<table>(&v_); }
  [[nodiscard]] const array* as_array() const noexcept { return std::get_if<array>(&v_); }

  friend bool operator==(const field_value& a, const field_value& b) { return a.v_ == b.v_; }

 private:
  template <class Int>
  static auto exact(Int i) {
    if constexpr (std::is_signed_v<Int>) {
      if constexpr (sizeof(Int) == 1)
        return static_cast<std::int8_t>(i);
      else if constexpr (sizeof(Int) == 2)
        return static_cast<std::int16_t>(i);
      else if constexpr (sizeof(Int) == 4)
        return static_cast<std::int32_t>(i);
      else
        return static_cast<std::int64_t>(i);
    } else {
      if constexpr (sizeof(Int) == 1)
        return static_cast<std::uint8_t>(i);
      else if constexpr (sizeof(Int) == 2)
        return static_cast<std::uint16_t>(i);
      else if constexpr (sizeof(Int) == 4)
        return static_cast<std::uint32_t>(i);
      else
        return static_cast<std::uint64_t>(i);
    }
  }

  variant v_;
};

inline std::size_t table::size() const noexcept {
  return entries_.size();
}
inline bool table::empty() const noexcept {
  return entries_.empty();
}
inline table::const_iterator table::begin() const noexcept {
  return entries_.begin();
}
inline table::const_iterator table::end() const noexcept {
  return entries_.end();
}

}  // namespace ferry::amqp
