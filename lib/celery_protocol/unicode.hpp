// Private: UTF-8 decoding/encoding and the Unicode facts python_repr needs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include "ferry/core/utf8.hpp"

namespace ferry::celery::protocol::detail {

struct code_point_range {
  char32_t first;
  char32_t last;
};

/// Ranges where Python's str.isprintable() is False (generated table).
std::span<const code_point_range> non_printable_ranges() noexcept;

/// Python's str.isprintable() for one code point.
bool is_printable(char32_t cp) noexcept;

/// Decodes UTF-8 strictly; throws std::invalid_argument naming `what` on invalid input.
std::u32string utf8_decode(std::string_view s, std::string_view what);

/// Appends the UTF-8 form of `cp` to `out`.
using ferry::utf8_append;

/// Encodes a whole UTF-32 string as UTF-8.
std::string utf8_encode(std::u32string_view s);

}  // namespace ferry::celery::protocol::detail
