// ferry/core/error.hpp — the one exception type ferry throws, and its error codes.
//
// Every failure in ferry is a `ferry::error`: a `std::system_error` whose code belongs to
// `ferry::error_category()` and whose value is a `ferry::errc`. Callers branch on `code()`
// (compare with `ferry::errc::timeout`) or on `is_transient()`, which says whether trying the
// same operation again later can succeed (a dropped connection) or never will (a bad URL).
//
// Expected outcomes are not errors: a cache miss is `std::nullopt`, a denied request is a
// decision value. Misuse of an API (an empty key, a negative TTL) is `std::invalid_argument`.
//
//   try {
//     client.command({"GET", "k"});
//   } catch (const ferry::error& e) {
//     if (e.is_transient()) retry_later();
//     else throw;
//   }
//
// Thread safety: value types; thread-compatible.
#pragma once

#include <string>
#include <system_error>
#include <type_traits>

#include "ferry/export.hpp"

namespace ferry {

/// What went wrong. Values are stable: they may be logged and compared across versions.
enum class errc {
  timeout = 1,        ///< An operation exceeded its deadline (transient).
  connection_failed,  ///< Could not connect, or the connection broke (transient).
  server_error,       ///< The server answered with an error reply (not transient).
  pool_exhausted,     ///< No pooled connection became free in time (transient).
  protocol_error,     ///< The peer sent something the protocol does not allow.
  publish_nacked,     ///< A broker refused or could not route a published message.
  decode_error,       ///< Bytes could not be decoded into the requested type.
  config,             ///< A URL, option or setting is invalid; the message names it.
  unsupported,        ///< The feature is not available in this build or on this server.
  auth_failed,        ///< Credentials were rejected.
  not_found,          ///< A named thing (job, queue, script) does not exist.
  io_error,           ///< A local I/O operation (file, socket) failed.
  busy,    ///< The server is loading or otherwise temporarily unable to serve (transient).
  closed,  ///< The handle was closed or is shutting down.
};

/// The category of ferry's error codes; its name is "ferry".
[[nodiscard]] FERRY_API const std::error_category& error_category() noexcept;

/// Builds an error_code in ferry's category (also found by ADL from `errc` values).
[[nodiscard]] FERRY_API std::error_code make_error_code(errc e) noexcept;

/// True for codes where the same operation may succeed if tried again later.
[[nodiscard]] FERRY_API bool is_transient(errc e) noexcept;

/// The exception type of ferry. See the file comment.
class FERRY_API error : public std::system_error {
 public:
  error(errc code, const std::string& what) : std::system_error(make_error_code(code), what) {}

  /// The ferry code; equal to `static_cast<errc>(code().value())`.
  [[nodiscard]] errc kind() const noexcept { return static_cast<errc>(code().value()); }

  /// Whether retrying later can succeed (timeouts, lost connections, exhausted pools).
  [[nodiscard]] bool is_transient() const noexcept { return ferry::is_transient(kind()); }
};

}  // namespace ferry

template <>
struct std::is_error_code_enum<ferry::errc> : std::true_type {};
