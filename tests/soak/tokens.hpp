// Every soak item carries a token "<letter><index>" (j for jobs, m for mails, t for tasks), so
// counting never depends on ids a server assigned.
#pragma once

#include <charconv>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace soak {

inline std::string make_token(char kind, std::size_t index) {
  return kind + std::to_string(index);
}

/// The index of a token of `kind` below `limit`; nullopt for anything else.
inline std::optional<std::size_t> token_index(std::string_view token, char kind,
                                              std::size_t limit) {
  if (token.size() < 2 || token[0] != kind) return std::nullopt;
  std::size_t i = 0;
  const auto* end = token.data() + token.size();
  const auto r = std::from_chars(token.data() + 1, end, i);
  if (r.ec != std::errc{} || r.ptr != end || i >= limit) return std::nullopt;
  return i;
}

}  // namespace soak
