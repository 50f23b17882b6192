// ferry/postfix/listen_address.hpp — where a policy_server listens, in Postfix's own notation.
//
// Postfix names a policy service "inet:host:port" or "unix:/path" in check_policy_service;
// the same forms (and "host:port", "[::1]:port", an absolute path) configure the server, so an
// operator can copy one into the other.
//
//   auto where = ferry::postfix::parse_listen_address("inet:127.0.0.1:10040");
//   where.port;   // 10040
//
// The one rule a reader would get wrong: a name is resolved only when the server binds, so
// "localhost:10040" parses; "localhost" alone is refused (no port).
//
// Thread safety: plain function. Errors: ferry::error(errc::config) naming the bad value.
#pragma once

#include <string>

#include <ferry/export.hpp>

namespace ferry::postfix {

/// Where to listen: "127.0.0.1:10040", "inet:127.0.0.1:10040", "[::1]:10040",
/// "unix:/run/ferry/policy.sock" or an absolute path.
struct listen_address {
  bool is_unix = false;
  std::string host;  ///< Numeric address or name (TCP); "0.0.0.0" when the text has none.
  int port = 0;      ///< 0: any free port (tests).
  std::string path;  ///< Socket path (unix).
};

/// Parses the forms above; throws ferry::error(errc::config) naming the bad value.
[[nodiscard]] FERRY_API listen_address parse_listen_address(const std::string& text);

}  // namespace ferry::postfix
