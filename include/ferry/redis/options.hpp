// ferry/redis/options.hpp — everything needed to reach one Redis server, as a plain aggregate.
//
// Fill `options` by hand or get one from `parse_url()` (ferry/redis/url.hpp). Every field has a
// default, so `options{}` reaches redis on 127.0.0.1:6379, db 0, without auth. The same struct
// configures a single `connection` and the pooled `client`; the `pool` part is only read by the
// client.
//
//   ferry::redis::options o;
//   o.host = "cache.internal";
//   o.password = "s3cret";
//   o.command_timeout = std::chrono::milliseconds{250};
//   ferry::redis::client c{o};
//
// Thread safety: value type; thread-compatible.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace ferry::redis {

/// Settings of the connection pool in `client`.
struct pool_options {
  /// Upper bound on open connections (idle + leased). Must be >= 1.
  std::size_t max_connections = 10;
  /// How long `client::acquire()` waits for a connection to become free before it throws
  /// `errc::pool_exhausted`.
  std::chrono::milliseconds acquire_timeout{1000};
  /// After a failed connect the pool refuses new connects for a backoff delay that doubles
  /// with every consecutive failure, from `reconnect_backoff_base` up to `reconnect_backoff_max`.
  std::chrono::milliseconds reconnect_backoff_base{100};
  std::chrono::milliseconds reconnect_backoff_max{5000};
  /// Fraction of each backoff delay that is randomised (0 = none, 1 = anywhere in [0, delay]),
  /// so many clients of one dead server do not reconnect in lockstep.
  double reconnect_jitter = 0.5;
};

/// How to reach and log in to one Redis server.
struct options {
  /// TCP host name or address (IPv6 without brackets). Ignored when `unix_socket` is set.
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  /// Path of a Unix domain socket; when set it is used instead of host/port.
  std::optional<std::string> unix_socket;
  /// ACL user name (Redis >= 6). With a password but no user, AUTH uses the password alone.
  std::optional<std::string> user;
  std::optional<std::string> password;
  /// Logical database selected with SELECT after connecting (0..N, server-configured).
  int db = 0;
  /// Bound on establishing the TCP/Unix connection.
  std::chrono::milliseconds connect_timeout{2000};
  /// Bound on each socket read or write of a command. A command that times out breaks its
  /// connection (the reply may still arrive later and would desynchronise it). Blocking
  /// commands (BLPOP ...) pass their own bound to `connection::command(args, timeout)`.
  std::chrono::milliseconds command_timeout{5000};
  /// Sent as CLIENT SETNAME after connecting, so the connection shows up in CLIENT LIST.
  std::optional<std::string> client_name;
  /// TLS (rediss://). Only available when `tls_available()` is true; otherwise connecting
  /// throws `errc::unsupported`.
  bool tls = false;
  /// Pool settings, read by `client` only.
  pool_options pool;
};

/// Whether this build of ferry can speak TLS to Redis. False in every build for now: ferry
/// does its own socket I/O, which has no TLS layer yet, whichever hiredis it was built with
/// (Debian 12's 0.14 has no TLS; a hiredis 1.x with hiredis_ssl is detected, not yet used).
[[nodiscard]] bool tls_available() noexcept;

}  // namespace ferry::redis
