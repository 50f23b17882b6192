// ferry/amqp/publisher.hpp — durable publishing with publisher confirms.
//
// Every message goes out on a channel in confirm mode. `publish()` returns only after the
// broker confirmed the message (for a persistent message to a durable queue: after it was
// written to disk); a nack throws errc::publish_nacked. With `mandatory`, a message no queue
// is bound for comes back (basic.return) and `publish()` throws publish_nacked ("unroutable").
//
// For throughput, `publish_async()` keeps up to `window` messages unconfirmed and
// `wait_confirms()` blocks until all are confirmed, throwing for any that failed.
//
// The one behaviour a reader would get wrong: delivery is at-least-once. When the connection
// drops, the publisher reconnects with backoff (options.reconnect) and re-sends everything not
// yet confirmed, within options.reconnect_deadline; a message the broker had already stored
// may then arrive twice. Give messages a message_id if consumers must deduplicate.
//
//   ferry::amqp::publisher pub(ferry::amqp::url::parse(env_url));
//   ferry::amqp::message m;
//   m.body = payload;
//   pub.publish("", "email_processing", m);   // confirmed when this returns
//
// Thread safety: one per thread (it owns one rabbitmq-c connection).
// Errors: ferry::error — publish_nacked (nack or unroutable), timeout (no confirm within
// confirm_timeout), connection_failed (could not reconnect before reconnect_deadline), and
// channel errors such as not_found (exchange does not exist; unconfirmed messages then fail).
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string_view>

#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/message.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/amqp/url.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/core/retry_policy.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

/// Per-message publish flags.
struct publish_options {
  /// Ask the broker to return the message if no queue is bound for it (→ publish_nacked).
  bool mandatory = false;
};

/// Publisher settings; every field has a default.
struct publisher_options {
  /// Most unconfirmed messages publish_async() keeps in flight before it waits.
  std::size_t window = 256;
  /// Longest wait for outstanding confirms in publish() / wait_confirms().
  std::chrono::milliseconds confirm_timeout{30'000};
  /// After a dropped connection: give up reconnecting + re-sending after this long.
  std::chrono::milliseconds reconnect_deadline{30'000};
  /// Backoff between reconnect attempts (max_attempts is ignored: the deadline bounds it).
  retry_policy reconnect{.max_attempts = 1,
                         .base = std::chrono::milliseconds(100),
                         .cap = std::chrono::seconds(5),
                         .multiplier = 2.0,
                         .jitter = jitter_mode::equal};
  /// Declared after every (re)connect, e.g. the exchange the publisher writes to.
  topology declare;
  /// Told about connection losses the publisher recovers from (component "amqp.publisher",
  /// operation "reconnect"; never about errors it throws).
  ferry::observer observer{};
};

/// A confirming, reconnecting AMQP publisher. See the file comment.
class FERRY_API publisher {
 public:
  /// Connects (once, no retry: a bad URL or credentials fail fast) and declares the topology.
  explicit publisher(const url& address, publisher_options options = {});
  ~publisher();
  publisher(publisher&&) noexcept;
  publisher& operator=(publisher&&) noexcept;

  /// Publishes and waits for the broker's confirm. An empty exchange is the default exchange
  /// (routing_key = queue name).
  void publish(std::string_view exchange, std::string_view routing_key, const message& msg,
               publish_options flags = {});

  /// Publishes without waiting (beyond keeping at most `window` unconfirmed).
  void publish_async(std::string_view exchange, std::string_view routing_key, const message& msg,
                     publish_options flags = {});

  /// Waits until every message published so far is confirmed; throws publish_nacked naming
  /// how many failed (and the first reason) if any was nacked or returned since the last call.
  void wait_confirms();

  /// wait_confirms() without the wait: settles the confirms that have already arrived and
  /// throws, as wait_confirms() does, for messages that failed since the last call.
  void check_confirms();

  /// Messages sent but not yet confirmed.
  [[nodiscard]] std::size_t unconfirmed() const noexcept;

  /// The underlying connection, e.g. for topology calls (same thread only).
  [[nodiscard]] connection& conn() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::amqp
