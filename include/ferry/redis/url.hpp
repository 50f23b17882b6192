// ferry/redis/url.hpp — Redis URLs to `options` and back, with the password never shown.
//
// Grammar (the redis-py / redis-cli conventions):
//
//   redis://[user[:password]@]host[:port][/db][?query]      plain TCP, port 6379 by default
//   rediss://...                                             TLS (see tls_available())
//   unix://[user[:password]@]/path/to.sock[?query]          Unix domain socket
//
//   host     a name, an IPv4 address, or an IPv6 address in brackets: redis://[::1]:6380
//   user, password   percent-encoded (%40 for '@', %3A for ':'); `redis://:pw@host` = password
//   only.
//            Unencoded, the password ends at the URL's last '@' (ferry/url.hpp has the rules)
//   db       a non-negative integer, in the path or as ?db=N (both must agree)
//   query    connect_timeout, timeout (alias command_timeout), client_name, db,
//            max_connections, acquire_timeout. Durations are a number of seconds ("0.5",
//            "2") or milliseconds with an "ms" suffix ("250ms"); "s" is also accepted ("2s").
//            An unknown query key is an error, so typos do not pass silently.
//
// Malformed input throws `ferry::error` with `errc::config` and a message that names the bad
// part and quotes the URL with its password replaced by "***". `rediss://` on a build without
// TLS throws `errc::unsupported`.
//
//   auto o = ferry::redis::parse_url("redis://app:s3cret@cache:6380/2?timeout=250ms");
//   ferry::redis::to_string(o);   // "redis://app:***@cache:6380/2?timeout=250ms"
//
// Thread safety: pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "ferry/core/url.hpp"
#include "ferry/export.hpp"
#include "ferry/redis/options.hpp"

namespace ferry::redis {

/// Parses a Redis URL (see the file comment) into options; pool settings keep their
/// defaults unless given in the query.
/// Errors: `errc::config` for malformed input, `errc::unsupported` for rediss:// without TLS.
[[nodiscard]] FERRY_API options parse_url(std::string_view url);

/// The URL for `o`, with the password shown as "***" (for logs and admin pages). Query keys
/// appear only for settings that differ from the defaults.
[[nodiscard]] FERRY_API std::string to_string(const options& o);

/// `url` with any password (userinfo or ?password=) replaced by "***"; safe for messages
/// even when the URL is malformed: ferry::redact_url (ferry/url.hpp), named here too.
using ferry::redact_url;

}  // namespace ferry::redis
