// ferry/core/url.hpp — splitting a URL into its parts, and printing it without its password. Every
// URL parser in ferry (Redis, AMQP, SQL, Celery broker URLs) splits with split_url() and quotes
// its input only through redact_url(), so the rules below hold for all of them.
//
// Where the password ends. Passwords should be percent-encoded (%40 '@', %3A ':', %2F '/',
// %3F '?', %23 '#', %25 '%'), as Python's urllib, redis-py, kombu and libpq expect; those tools
// end the host at the first '/', '?' or '#', so an unencoded one leaves the rest of the password
// in the path or the query. ferry instead reads the userinfo up to the LAST '@' of the URL, so
// a password may hold unencoded '@', ':', '/', '?' and '#' — except where that is ambiguous:
//
//   redis://:s3c?ret@cache:6379/0        password "s3c?ret"
//   postgresql://app:Pg/Slash88@db/mail  password "Pg/Slash88"
//   postgresql://user:PW:179/0@h/mail    password "PW:179/0" (the user ends at the first ':')
//   amqp://h/prod?connection_name=a@b    no userinfo: with no ':' before the '@', there is no
//                                        password, so the '@' belongs to the query
//   redis://u:6379/x@h                   refused: password "6379/x", or port 6379 and a path
//                                        "x@h"? Encode the password's '/' (%2F) or the '@' (%40)
//
// Precisely: with text R after "scheme://" and U the part of R before its last '@', U is the
// userinfo when it holds no '/', '?' or '#'. When it does: without any ':' in U there is no
// password and R splits as RFC 3986 says; with a ':' before the first of those characters, U is
// the userinfo if the text before that character cannot be an authority by itself
// ([user@]host[:digits], or empty for a path-only URL); anything else is refused. A '#'
// fragment is refused (no ferry URL has one): write '#' as %23.
//
// Errors never show a password: they quote the URL through redact_url(), which cuts from the
// first ':' after "://" to the last '@' — more than the password when an '@' follows the host,
// never less — and the value of every `...password=` query key.
//
//   auto p = ferry::split_url("redis://:s3c?ret@cache:6380/2?timeout=1", "Redis");
//   // p.password == "s3c?ret", p.host == "cache", p.port == 6380, p.path == "/2",
//   // p.query == "timeout=1"
//   ferry::redact_url("redis://:s3c?ret@cache:6380/2");   // "redis://:***@cache:6380/2"
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ferry/export.hpp"

namespace ferry {

/// What a password prints as.
inline constexpr std::string_view redacted_password = "***";

/// A URL cut into its parts. Views into the string given to split_url(); nothing is
/// percent-decoded (each parser decodes the parts it uses and names them in its errors).
struct url_parts {
  std::string_view scheme;                   ///< As written, without "://".
  std::optional<std::string_view> user;      ///< nullopt: no '@' userinfo.
  std::optional<std::string_view> password;  ///< nullopt: no ':' in the userinfo.
  std::string_view host;                     ///< IPv6 without its brackets; may be empty.
  std::optional<std::uint16_t> port;         ///< 1..65535; nullopt when not written.
  std::string_view path;                     ///< From the '/' after the authority; may be empty.
  std::string_view query;                    ///< After '?', without it; empty when none.
};

/// The shape of the authority a scheme expects: a host (network URLs), or nothing at all
/// (unix:///path/to.sock, whose path is the address).
enum class url_authority { host, none };

/// The scheme of `url` (letters, digits, '+', '-', '.' before "://"); nullopt when there is none.
[[nodiscard]] FERRY_API std::optional<std::string_view> url_scheme(std::string_view url) noexcept;

/// Splits `url` ("scheme://[user[:password]@]host[:port][/path][?query]") by the rules in the
/// file comment. `kind` names the URL in errors ("Redis", "AMQP", "database").
/// Errors: `errc::config` with a redacted message for a missing scheme, an ambiguous userinfo,
/// a fragment, a bad port or a malformed IPv6 host.
[[nodiscard]] FERRY_API url_parts split_url(std::string_view url, std::string_view kind,
                                            url_authority authority = url_authority::host);

/// Throws `errc::config`: "invalid <kind> URL '<redact_url(url)>': <problem>". `problem` must not
/// quote the password: values from the host, port, path or query are safe to quote.
[[noreturn]] FERRY_API void throw_url_error(std::string_view kind, std::string_view url,
                                            std::string_view problem);

/// `url` (one URL, possibly malformed) with its password and `...password=` query values
/// replaced by "***".
[[nodiscard]] FERRY_API std::string redact_url(std::string_view url);

/// redact_url() applied to every "scheme://..." in free text; a URL there ends at whitespace.
[[nodiscard]] FERRY_API std::string redact_urls_in(std::string_view text);

/// "user:***@", "user@", ":***@" or "" — the userinfo of a URL printed for logs.
[[nodiscard]] FERRY_API std::string redacted_userinfo(std::string_view encoded_user,
                                                      bool has_password);

}  // namespace ferry
