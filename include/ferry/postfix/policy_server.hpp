// ferry/postfix/policy_server.hpp — a Postfix policy service: sockets, event loop, worker pool.
//
// The server speaks the protocol (policy_request.hpp, action.hpp); what to answer is the
// application's: a `decide` callback, called on the event-loop thread for every complete
// request, returns either a `decision` at once (it knows without blocking) or a
// `blocking_decision`, a function a worker thread runs (a database or Redis round trip). A
// blocking decision runs under a deadline: if it has not returned within `decision_timeout`,
// the connection is answered `options.fallback` (DEFER_IF_PERMIT by default) at once and the
// late decision is dropped. Requests on one connection are answered in order.
//
//   ferry::postfix::policy_handler handler;
//   handler.decide = [&](const ferry::postfix::policy_request& r) -> ferry::postfix::first_decision
//   {
//     if (r.protocol_state != "RCPT") return ferry::postfix::decision{};  // DUNNO, on the loop
//     return [&db, rcpt = r.recipient] { return db.decide(rcpt); };       // on a worker
//   };
//   ferry::postfix::policy_server server({.listen = "127.0.0.1:10040"}, std::move(handler));
//   server.start();   // threads run until stop() or destruction
//
// Hostile peers cost one connection, never the service: a line over `max_line_bytes`, an
// oversized request, or bytes that are not `name=value` lines close that connection (logged);
// so does a request not complete within `request_timeout` of its first byte, however steadily
// its bytes trickle in. Between requests a connection may stay idle for `idle_timeout`.
// Beyond `max_connections` new connections are accepted and closed at once (Postfix then
// retries, and applies smtpd_policy_service_default_action), never left waiting; the same
// when descriptors run out (one descriptor is held in reserve for that). The constructor
// lowers `max_connections` to what the open-files limit (RLIMIT_NOFILE) leaves room for, with
// a warning.
//
// The one behaviour to know: `decide`, `on_answer` and `on_event` run on the event-loop
// thread, which serves every connection: they must not block. Anything that may block belongs
// in the `blocking_decision` they return.
//
// Thread safety: construct, start and stop from one thread; `port()` and `address()` are
// thread-safe. A `blocking_decision` runs on one of `workers` threads, several at once.
// Errors: the constructor throws `ferry::error` (errc::config for a bad listen address or an
// open-files limit too low for any connection, errc::io_error when binding fails) and
// std::invalid_argument for a handler without `decide`; the running loop logs and never
// throws. An exception from `decide` or a blocking decision is answered with `fallback`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include <ferry/export.hpp>
#include <ferry/postfix/action.hpp>
#include <ferry/postfix/listen_address.hpp>
#include <ferry/postfix/log_hook.hpp>
#include <ferry/postfix/policy_request.hpp>

namespace ferry::postfix {

/// The answer to one request, and the application's own label for it.
struct decision {
  action answer = action::dunno();
  /// The application's classification (an enum's value, say), handed back in `answered` for
  /// metrics and logs; the server never reads it.
  unsigned kind = 0;
};

/// A decision that may block; runs on a worker thread.
using blocking_decision = std::function<decision()>;

/// What `decide` returns: the decision now, or the work that finds it.
using first_decision = std::variant<decision, blocking_decision>;

/// One answer written, for `on_answer`.
struct answered {
  const policy_request& request;
  const decision& made;
  /// From the request's last byte to the answer (queueing, the decision, a timeout included).
  std::chrono::microseconds latency;
  /// True when `made` is the fallback: the decision failed, timed out or found no worker.
  bool fallback = false;
};

/// What happened on the server, for counters. Log lines about them go to the log hook.
enum class server_event : unsigned char {
  connection_opened,
  connection_closed,
  connection_refused,  ///< Accepted and closed at once: max_connections or no descriptors.
  protocol_error,      ///< Closed for a bad line, an oversized request or too much input.
  idle_timeout,        ///< Closed after `idle_timeout` without a request.
  request_timeout,     ///< Closed: a request not complete within `request_timeout`.
  decision_timeout,    ///< Answered `fallback`: no decision within `decision_timeout`.
};

struct policy_handler {
  /// Required. Called on the event-loop thread for each complete request; must not block.
  std::function<first_decision(const policy_request&)> decide;
  /// Optional. Called on the event-loop thread after each answer is queued for writing.
  std::function<void(const answered&)> on_answer;
  /// Optional. Called on the event-loop thread (connection_refused also from accept paths).
  std::function<void(server_event)> on_event;
};

struct policy_server_options {
  /// See listen_address.hpp for the forms.
  std::string listen = "127.0.0.1:10040";
  /// Longest wait for a blocking decision before answering `fallback`.
  std::chrono::milliseconds decision_timeout{1000};
  /// How long a connection may wait between requests (after an answer, or after connecting).
  /// Postfix closes idle policy connections after smtpd_policy_service_max_idle (300 s);
  /// a little more here means Postfix, not us, normally ends them.
  std::chrono::seconds idle_timeout{330};
  /// Longest time from a request's first byte to its empty line. Postfix writes a request in
  /// one go (a few hundred bytes), so only a peer holding the connection open byte by byte
  /// ever takes this long; it is closed. Checked at least once a second.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  std::size_t max_connections = 4096;
  parser_limits limits;
  /// Threads running blocking decisions. 0: none are started and a blocking decision runs on
  /// the event loop (for deciders that never block, such as tests with an in-memory table).
  unsigned workers = 16;
  /// Blocking decisions waiting for a worker beyond this are answered `fallback` at once.
  std::size_t max_queued_decisions = 10000;
  /// Permissions of a unix socket (Postfix's smtpd runs as the postfix user).
  unsigned unix_socket_mode = 0666;
  /// The answer when a decision fails, times out or finds the queue full: a 4xx, so the
  /// client's MTA retries and nothing is accepted unchecked.
  decision fallback{action::defer_if_permit("Service temporarily unavailable"), 0};
};

class FERRY_API policy_server {
 public:
  /// Binds and listens (so `port()` is known before `start()`). The server's log lines go to
  /// `log` without a component name: each already starts with "policy_server: ". `log` is
  /// called from the event-loop thread and from the thread that starts and stops the server.
  policy_server(policy_server_options options, policy_handler handler, ferry::observer log = {});
  /// The same, logging through a log_hook (kept for one release; pass an observer).
  [[deprecated("pass a ferry::observer")]] policy_server(policy_server_options options,
                                                         policy_handler handler, log_hook log);
  ~policy_server();
  policy_server(const policy_server&) = delete;
  policy_server& operator=(const policy_server&) = delete;

  /// Starts the event loop thread and the workers.
  void start();
  /// Stops accepting, closes every connection, joins all threads (waits for a worker that is
  /// inside a slow decision). Idempotent.
  void stop();

  /// The bound TCP port (0 for a unix socket).
  [[nodiscard]] int port() const noexcept;
  /// "127.0.0.1:10040" or "unix:/path", for logs.
  [[nodiscard]] std::string address() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::postfix
