// ferry/cache/detail/envelope.hpp — the format of a stored cache entry, and XFetch's rule for
// refreshing one early. Internal to cache<T>; not part of the API (names here may change).
//
// Pure functions on values: no I/O, no clock (the caller passes `now`), unit-tested alone.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry::cache::detail {

using sys_time = std::chrono::system_clock::time_point;

/// What is stored in Redis for one key: a small text header, then the codec's bytes.
///   "~f1:v:<load ms>:<expiry unix ms or ->:<payload>"   a value
///   "~f1:n:<load ms>:<expiry unix ms or ->:"            the "absent" marker
/// The kind is in the header, so no payload can be mistaken for the absent marker; the load
/// time and expiry are what XFetch needs to decide on an early refresh.
struct envelope {
  bool negative = false;
  std::chrono::milliseconds delta{0};  ///< How long the loader took.
  std::optional<sys_time> expiry;      ///< nullopt: never expires.
  std::string_view payload;            ///< Codec bytes (empty for the absent marker).
};
[[nodiscard]] FERRY_API std::string encode_envelope(const envelope& e);
/// nullopt when `raw` is not an entry ferry wrote.
[[nodiscard]] FERRY_API std::optional<envelope> decode_envelope(std::string_view raw);

/// XFetch (Vattani, Chierichetti, Lowenstein, VLDB 2015): refresh early when
/// now - delta * beta * ln(u) >= expiry, u uniform in (0, 1].
[[nodiscard]] FERRY_API bool xfetch_due(sys_time now, std::chrono::milliseconds delta, double beta,
                                        double u, std::optional<sys_time> expiry) noexcept;

}  // namespace ferry::cache::detail
