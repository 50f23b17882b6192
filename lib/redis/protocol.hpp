// Private helpers shared by the Redis sources: RESP encoding, error-reply classification and
// the builder that fills `reply` values.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/error.hpp"
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
  static void set_array(reply& r, std::size_t n) {
    r.kind_ = reply::kind::array;
    r.elements_.resize(n);
  }
  static reply* element(reply& r, std::size_t i) noexcept { return &r.elements_[i]; }
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
