// Private: conversion of body bytes from a MIME charset to UTF-8, best effort and total.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ferry::mail::detail {

/// Converts `bytes` labelled `charset` to valid UTF-8. Never fails: unknown charsets and
/// invalid sequences are decoded best-effort (UTF-8 if the bytes are valid UTF-8, else
/// windows-1252; U+FFFD for undecodable sequences) and described in `warnings`.
/// `what` names the part in warnings ("text/plain part").
[[nodiscard]] std::string to_utf8(std::string_view bytes, std::string_view charset,
                                  std::string_view what, std::vector<std::string>& warnings);

/// windows-1252 (the WHATWG decoder also used for "iso-8859-1" and "us-ascii") to UTF-8.
[[nodiscard]] std::string windows1252_to_utf8(std::string_view bytes);

/// True when `bytes` is valid UTF-8.
[[nodiscard]] bool is_valid_utf8(std::string_view bytes) noexcept;

/// Returns `bytes` with every invalid UTF-8 sequence replaced by U+FFFD.
[[nodiscard]] std::string make_valid_utf8(std::string_view bytes);

}  // namespace ferry::mail::detail
