// ferry/amqp/connection.hpp — one AMQP connection with one channel.
//
// A `connection` owns a rabbitmq-c connection state and its socket (TCP, or TLS for amqps://),
// logs in, sends the `connection_name` client property and opens one channel. Publishers and
// consumers own their own connection; use a bare `connection` for topology work (declare,
// bind, purge, delete; see topology.hpp).
//
// Heartbeats: rabbitmq-c sends and checks heartbeats only while ferry is inside a library call.
// ferry's consumer waits for frames with a timeout shorter than heartbeat/2, so an idle
// consumer stays alive; a handler that blocks for more than two heartbeat intervals lets the
// broker drop the connection (its message is then redelivered — nothing is lost).
//
// A channel-level error (e.g. declaring an existing queue with other arguments) closes only the
// channel; ferry reopens it on the next call, so the connection stays usable.
//
//   ferry::amqp::connection c(ferry::amqp::url::parse("amqp://guest:guest@localhost/"));
//   ferry::amqp::queue_spec q;
//   q.name = "email_processing";
//   ferry::amqp::declare_queue(c, q);
//
// Thread safety: one per thread. rabbitmq-c connections are not thread-safe; never share a
// connection (or a publisher/consumer) between threads without external locking.
// Errors: ferry::error — connection_failed (socket/TLS/broker closed), timeout, auth_failed
// (login refused), not_found (404), server_error (e.g. 406 PRECONDITION_FAILED), with the
// broker's reply text and a password-free endpoint in the message.
#pragma once

#include <memory>

#include "ferry/amqp/url.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

namespace detail {
class session;
}

/// An open AMQP connection + channel. Move-only; the destructor closes politely, never throws.
class FERRY_API connection {
 public:
  /// Connects, logs in and opens a channel; throws ferry::error on failure.
  explicit connection(const url& address);
  ~connection();
  connection(connection&&) noexcept;
  connection& operator=(connection&&) noexcept;
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  /// False once the connection broke or was closed; such a handle only throws errc::closed.
  [[nodiscard]] bool is_open() const noexcept;
  /// The heartbeat interval the broker agreed to (0 = off).
  [[nodiscard]] std::chrono::seconds heartbeat() const noexcept;
  /// The URL this connection was opened with (print it with to_string()).
  [[nodiscard]] const url& address() const noexcept;
  /// Closes the channel and connection (best effort); idempotent.
  void close() noexcept;

  /// ferry-internal: the protocol session.
  [[nodiscard]] detail::session& session_() const;

 private:
  std::unique_ptr<detail::session> s_;
};

}  // namespace ferry::amqp
