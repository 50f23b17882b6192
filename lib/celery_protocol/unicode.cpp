#include "celery_protocol/unicode.hpp"

#include <algorithm>
#include <stdexcept>

namespace ferry::celery::protocol::detail {

bool is_printable(char32_t cp) noexcept {
  const auto table = non_printable_ranges();
  // First range whose end is >= cp; cp is non-printable when it lies inside that range.
  const auto it =
      std::lower_bound(table.begin(), table.end(), cp,
                       [](const code_point_range& r, char32_t c) { return r.last < c; });
  return it == table.end() || cp < it->first;
}

std::u32string utf8_decode(std::string_view s, std::string_view what) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  const auto fail = [&] {
    throw std::invalid_argument(std::string(what) + ": invalid UTF-8 at byte " + std::to_string(i));
  };
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1Fu, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0Fu, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      len = 4, cp = b0 & 0x07u, min = 0x10000;
    } else {
      fail();
    }
    if (i + len > s.size()) fail();
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) fail();
      cp = (cp << 6) | (b & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) fail();
    out.push_back(cp);
    i += len;
  }
  return out;
}

std::string utf8_encode(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char32_t cp : s) utf8_append(out, cp);
  return out;
}

}  // namespace ferry::celery::protocol::detail
