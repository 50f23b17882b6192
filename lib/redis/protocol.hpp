// Private helpers shared by the Redis sources: RESP encoding, error-reply classification and
// the builder that fills `reply` values.
#pragma once

#include <algorithm>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/core/error.hpp"
#include "ferry/redis/reply.hpp"

namespace ferry::redis::detail {

/// Appends one command in RESP (array of bulk strings) to `out`.
void encode_command(std::string& out, std::span<const std::string_view> args);

/// The errc an error reply's text maps to (auth_failed, busy or server_error).
[[nodiscard]] errc classify_error_reply(std::string_view text) noexcept;

/// Throws the ferry::error for an error reply text.
[[noreturn]] void throw_error_reply(std::string_view text);

/// Writes the private parts of reply values (used by the hiredis reader callbacks).
struct reply_builder {
  static void set_string(reply& r, reply::kind k, const char* data, std::size_t len) {
    r.kind_ = k;
    r.str_.assign(data, len);
  }
  static void set_integer(reply& r, long long v) noexcept {
    r.kind_ = reply::kind::integer;
    r.integer_ = v;
  }
  // An array's count comes from the peer: room is made for the elements as they arrive (the
  // reader asks for them in order, 0, 1, 2 ...), never for the count announced, so a
  // "*2000000000" header costs nothing until the elements are actually received.
  static void set_array(reply& r, std::size_t n) {
    r.kind_ = reply::kind::array;
    r.elements_.clear();
    r.elements_.reserve(std::min<std::size_t>(n, 64));
  }
  /// Element `i` of the array `r`, created (with any before it) when it does not exist yet.
  static reply* element(reply& r, std::size_t i) {
    if (i >= r.elements_.size()) r.elements_.resize(i + 1);
    return &r.elements_[i];
  }
  static void reset(reply& r) noexcept { r = reply{}; }
  static reply make(reply::kind k, std::string s) {
    reply r;
    r.kind_ = k;
    r.str_ = std::move(s);
    return r;
  }
  static reply make_integer(long long v) noexcept {
    reply r;
    set_integer(r, v);
    return r;
  }
  static reply make_array(std::vector<reply> e) noexcept {
    reply r;
    r.kind_ = reply::kind::array;
    r.elements_ = std::move(e);
    return r;
  }
};

}  // namespace ferry::redis::detail
