// ferry/redis/reply.hpp — one Redis reply as a typed value (RESP2: nil, integer, bulk string,
// status, error, array).
//
// `connection::command()` returns a reply and throws on error replies; `pipeline::exec()`
// returns error replies as values (check `is_error()`), so one failed command does not hide
// the replies of the others. The accessors check the type and throw `errc::decode_error` on a
// mismatch, or `errc::server_error` when the reply is an error reply, so
// `conn.command({"GET", k}).as_optional_string()` is all a caller writes.
//
//   auto r = conn.command({"MGET", "a", "b"});
//   for (const auto& e : r.elements()) {
//     if (auto v = e.as_optional_string()) use(*v);
//   }
//
// Thread safety: value type; thread-compatible.
// Errors: accessors throw ferry::error (decode_error on a type mismatch, server_error when
// the reply is an error reply).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/export.hpp"

namespace ferry::redis {

namespace detail {
struct reply_builder;
}

/// A Redis reply. Bulk strings are binary-safe (`as_string()` may contain NUL bytes).
class FERRY_API reply {
 public:
  /// The RESP2 reply types.
  enum class kind { nil, integer, string, status, error, array };

  /// A nil reply.
  reply() noexcept = default;

  /// Value constructors, mainly for tests and for code that fakes replies.
  [[nodiscard]] static reply make_integer(long long v);
  [[nodiscard]] static reply make_string(std::string s);
  [[nodiscard]] static reply make_status(std::string s);
  [[nodiscard]] static reply make_error(std::string s);
  [[nodiscard]] static reply make_array(std::vector<reply> elements);

  [[nodiscard]] kind type() const noexcept { return kind_; }
  [[nodiscard]] bool is_nil() const noexcept { return kind_ == kind::nil; }
  [[nodiscard]] bool is_integer() const noexcept { return kind_ == kind::integer; }
  [[nodiscard]] bool is_string() const noexcept { return kind_ == kind::string; }
  [[nodiscard]] bool is_status() const noexcept { return kind_ == kind::status; }
  [[nodiscard]] bool is_error() const noexcept { return kind_ == kind::error; }
  [[nodiscard]] bool is_array() const noexcept { return kind_ == kind::array; }

  /// The text of a bulk string or status reply ("OK" for a status).
  [[nodiscard]] const std::string& as_string() const&;
  /// Moves the text out (no copy) when the reply is a temporary.
  [[nodiscard]] std::string as_string() &&;
  /// nullopt for nil, the text for a bulk string or status; other types throw.
  [[nodiscard]] std::optional<std::string> as_optional_string() const&;
  [[nodiscard]] std::optional<std::string> as_optional_string() &&;
  /// An integer reply (":42").
  [[nodiscard]] long long as_integer() const;
  /// nullopt for nil, the value for an integer reply.
  [[nodiscard]] std::optional<long long> as_optional_integer() const;
  /// The elements of an array reply; a nil reply counts as an empty array.
  [[nodiscard]] const std::vector<reply>& elements() const&;
  [[nodiscard]] std::vector<reply> elements() &&;
  /// The text of an error reply, e.g. "WRONGTYPE Operation against a key ...".
  [[nodiscard]] const std::string& error_message() const;

  /// Throws the ferry::error an error reply maps to (server_error, auth_failed for
  /// NOAUTH/WRONGPASS, busy for LOADING/BUSY); does nothing for other replies.
  void throw_if_error() const;

  /// Whether this is an error reply whose code (first word) equals `code`, e.g. "NOSCRIPT".
  [[nodiscard]] bool is_error_code(std::string_view code) const noexcept;

  /// A compact human-readable rendering for logs and test failures.
  [[nodiscard]] std::string debug_string() const;

  friend bool operator==(const reply&, const reply&) = default;

 private:
  friend struct detail::reply_builder;

  kind kind_ = kind::nil;
  long long integer_ = 0;
  std::string str_;
  std::vector<reply> elements_;
};

}  // namespace ferry::redis
