// ferry/core/url_encoding.hpp — percent-encoding (RFC 3986) shared by every URL parser in ferry
// (Redis, AMQP, SQL) and by apps that build URLs.
//
// Decoding reports malformed input as nullopt rather than throwing, so each parser can raise
// its own `errc::config` error naming the URL part — never its value, which may be a password.
//
//   percent_encode("p@ss/word")       == "p%40ss%2Fword"
//   percent_encode("/a b", "/")       == "/a%20b"
//   percent_decode("%2F")             == "/"
//   percent_decode("%G1")             == std::nullopt
//
// Thread safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry {

/// Escapes every byte outside RFC 3986's unreserved set (A-Z a-z 0-9 - . _ ~) as %XX
/// (upper-case hex), except the bytes listed in `keep`.
[[nodiscard]] FERRY_API std::string percent_encode(std::string_view text,
                                                   std::string_view keep = {});

/// Decodes %XX escapes; nullopt when an escape is truncated or not hexadecimal. A '+' stays a
/// '+' (it means a space only in HTML forms, not in URLs).
[[nodiscard]] FERRY_API std::optional<std::string> percent_decode(std::string_view text);

}  // namespace ferry
