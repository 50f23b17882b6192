// policy_server.hpp — the Postfix policy protocol server: sockets, event loop, worker pool.
//
// One epoll thread accepts connections, reads and parses requests, and writes answers. A
// lookup that cannot block (in-memory directory, or an answer the near cache holds) is decided
// inline on that thread; a lookup that may block (Redis, the database), and the rate-limit
// check of an accepted recipient (Redis), go to a worker pool, under a deadline:
// if no verdict arrives within `decision_timeout`, the connection is answered DEFER_IF_PERMIT
// at once and the late verdict is dropped. Requests on one connection are answered in order.
//
//   policy_server server({.listen = "127.0.0.1:0"}, engine, stats, log);
//   server.start();                  // threads run until stop() or destruction
//   int port = server.port();        // the bound port (0 asked for a free one)
//
// Hostile peers cost one connection, never the service: a line over `max_line_bytes`, an
// oversized request, or bytes that are not `name=value` lines close that connection (logged);
// so does a request not complete within `request_timeout` of its first byte, however steadily
// its bytes trickle in. Between requests a connection may stay idle for `idle_timeout`.
// Beyond `max_connections` new connections are accepted and closed at once (Postfix then
// retries, and applies smtpd_policy_service_default_action), never left waiting; the same
// when descriptors run out. The constructor lowers `max_connections` to what the open-files
// limit (RLIMIT_NOFILE) leaves room for, with a warning.
//
// Thread safety: construct, start and stop from one thread; `port()` and `address()` are
// thread-safe. Errors: the constructor throws `ferry::error` (errc::config for a bad listen
// address or an open-files limit too low for any connection, errc::io_error when binding
// fails); the running loop logs and never throws.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "decision.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "policy_request.hpp"

namespace ferry::apps::policy {

/// Where to listen: "127.0.0.1:10040", "inet:127.0.0.1:10040", "[::1]:10040",
/// "unix:/run/ferry/policy.sock" or an absolute path.
struct listen_address {
  bool is_unix = false;
  std::string host;  ///< Numeric address or name (TCP).
  int port = 0;      ///< 0: any free port (tests).
  std::string path;  ///< Socket path (unix).
};

/// Parses the forms above; throws ferry::error(errc::config) naming the bad value.
[[nodiscard]] listen_address parse_listen_address(const std::string& text);

struct policy_server_options {
  std::string listen = "127.0.0.1:10040";
  /// Longest wait for a directory lookup before answering DEFER_IF_PERMIT.
  std::chrono::milliseconds decision_timeout{1000};
  /// How long a connection may wait between requests (after an answer, or after connecting).
  /// Postfix closes idle policy connections after smtpd_policy_service_max_idle (300 s);
  /// a little more here means Postfix, not us, normally ends them.
  std::chrono::seconds idle_timeout{330};
  /// Longest time from a request's first byte to its empty line. Postfix writes a request in
  /// one go (a few hundred bytes), so only a peer holding the connection open byte by byte
  /// ever takes this long; it is closed. Checked once a second.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::size_t max_connections = 4096;
  parser_limits limits;
  /// Threads for lookups that may block (database round trips).
  unsigned workers = 16;
  /// Lookups waiting for a worker beyond this are answered DEFER_IF_PERMIT at once.
  std::size_t max_queued_lookups = 10000;
  /// Permissions of a unix socket (Postfix's smtpd runs as the postfix user).
  unsigned unix_socket_mode = 0666;
};

class policy_server {
 public:
  /// Binds and listens (so `port()` is known before `start()`).
  policy_server(policy_server_options options, const policy_engine& engine, metrics& stats,
                logger& log);
  ~policy_server();
  policy_server(const policy_server&) = delete;
  policy_server& operator=(const policy_server&) = delete;

  /// Starts the event loop thread and the workers.
  void start();
  /// Stops accepting, closes every connection, joins all threads (waits for a worker that is
  /// inside a slow lookup). Idempotent.
  void stop();

  /// The bound TCP port (0 for a unix socket).
  [[nodiscard]] int port() const noexcept;
  /// "127.0.0.1:10040" or "unix:/path", for logs.
  [[nodiscard]] std::string address() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::apps::policy
