// ferry/amqp/consumer.hpp — a durable, self-healing consumer with retries and a dead-letter queue.
//
// `run(handler)` consumes one queue with manual acks and `prefetch` unacked deliveries at most,
// calling the handler on `concurrency` handler threads (one by default, so deliveries are
// handled in order). It is ferry's worker_runtime (core/worker_runtime.hpp) with the
// connection as its source: the runtime's fetch thread owns the connection, settles outcomes
// and services heartbeats while handlers run. The handler's verdict:
//   outcome::ack          — done; the message is acked.
//   outcome::reject       — basic.reject without requeue: the queue's own DLX if it has one,
//                           otherwise the broker drops it.
//   outcome::retry_later  — retried after a delay (see below); after the last attempt it goes
//                           to the dead-letter queue.
// A handler exception never loses the message: a transient ferry::error counts as retry_later,
// anything else goes straight to the dead-letter queue; both are reported to the `observer`.
// A handler may instead take a ferry::delivery and return a ferry::outcome (run's second form):
// it sees the attempt number and whether it is the last, with no x-ferry-* header to read.
//
// Retries (options.retry, on by default): the message is re-published to `<queue>.retry.<ms>`,
// a durable queue with x-message-ttl = ms that dead-letters back to `<queue>` through the
// default exchange. RabbitMQ expires messages only at a queue's head, so every delay has its
// own queue; delays are the policy's nominal (un-jittered) delays, so there are at most
// max_attempts-1 of them. The attempt count travels in the `x-ferry-attempts` header and
// survives redelivery. After the last attempt the message is published to `<queue>.dlq` with
// `x-ferry-error`, `x-ferry-attempts`, `x-ferry-first-failure` and `x-ferry-last-failure`
// (timestamps). Every copy is confirmed by the broker before the original is acked.
//
// Heartbeats are serviced by the fetch thread at least every poll_interval (capped at
// heartbeat/2), also while every handler is busy. After a connection loss (broker restart) the
// consumer reconnects with backoff, re-declares options.declare plus its retry/DLQ queues, and
// resumes by itself; outcomes of deliveries from the lost connection are dropped (the broker
// redelivers those messages). `stop()` is graceful: the running handlers finish and their
// messages are settled, the consumer is cancelled, prefetched-but-unhandled deliveries go back
// to the queue, the connection closes.
//
//   ferry::amqp::consumer_options o;
//   o.queue = "email_processing";
//   o.declare.queues.emplace_back().name = o.queue;   // durable classic queue
//   ferry::amqp::consumer c(url, o);   // on SIGTERM, call c.stop()
//   c.run([](const ferry::amqp::delivery& d) { process(d.msg.body); return outcome::ack; });
//
// Thread safety: run() from one thread at a time (it owns one rabbitmq-c connection), stop()
// from any thread or a signal handler (it only sets a lock-free atomic flag); the handler must
// be thread-safe when concurrency > 1. run() notices stop() within about 50 ms.
// Errors: run() throws ferry::error for non-transient setup failures (auth_failed, 406
// server_error when a declaration conflicts, not_found when the queue is missing, config);
// transient failures are reported to the observer and retried forever until stop().
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "ferry/amqp/message.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/amqp/url.hpp"
#include "ferry/core/delivery.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/core/retry_policy.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

/// A handler's verdict on one delivery.
enum class outcome { ack, reject, retry_later };

/// The handler: called once per delivery on the thread running run().
using handler = std::function<outcome(const delivery&)>;

/// Delayed retries and the dead-letter queue.
struct retry_options {
  /// false: retry_later and transient exceptions requeue at once (basic.nack requeue) and
  /// non-transient ones are rejected without requeue; no retry/DLQ queues are declared.
  bool enabled = true;
  /// Attempts (total handler calls) and nominal delays between them.
  retry_policy policy{};
};

/// Consumer settings; only `queue` is required.
struct consumer_options {
  std::string queue;           ///< Queue to consume (must exist or be in `declare`).
  std::uint16_t prefetch = 1;  ///< basic.qos prefetch count: unacked deliveries at most.
  /// Handler threads: deliveries handled at the same time (basic.qos is at least this).
  std::size_t concurrency = 1;
  topology declare;  ///< Declared on every (re)connect, before consuming.
  retry_options retry;
  /// Longest wait for a delivery before checking stop(); also capped at heartbeat/2.
  std::chrono::milliseconds poll_interval{200};
  /// Backoff between reconnect attempts; max_attempts is ignored (retries until stop()).
  retry_policy reconnect{.max_attempts = 1,
                         .base = std::chrono::milliseconds(200),
                         .cap = std::chrono::seconds(10),
                         .multiplier = 2.0,
                         .jitter = jitter_mode::equal};
  /// Told about handler exceptions (component "amqp.consumer", operation "handler", the
  /// delivery's id) and the connection losses it recovered from (operation "fetch"). Called
  /// on the consumer's threads.
  ferry::observer observer{};
};

/// A manual-ack consumer with retries, a DLQ and automatic reconnects. See the file comment.
class FERRY_API consumer {
 public:
  /// Validates options (std::invalid_argument); does not connect yet.
  consumer(url address, consumer_options options);
  ~consumer();
  consumer(const consumer&) = delete;
  consumer& operator=(const consumer&) = delete;

  /// Connects and consumes until stop(); see the file comment for errors.
  void run(const handler& h);
  /// The same with a handler that returns ferry's outcome (core/delivery.hpp): it sees the
  /// attempt number and whether it is the last, so it never reads x-ferry-* headers.
  /// `delivery::native` is the amqp::delivery without its body.
  void run(const delivery_handler& h);

  /// Asks run() to finish gracefully. Async-signal-safe; may be called before run().
  void stop() noexcept { stop_.store(true, std::memory_order_relaxed); }

  /// Whether stop() was called.
  [[nodiscard]] bool stopping() const noexcept { return stop_.load(std::memory_order_relaxed); }

  /// Name of the retry queue for `delay`: "<queue>.retry.<ms>".
  [[nodiscard]] std::string retry_queue_name(std::chrono::milliseconds delay) const;
  /// Name of the dead-letter queue: "<queue>.dlq".
  [[nodiscard]] std::string dead_letter_queue_name() const;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
  std::atomic<bool> stop_{false};
  static_assert(std::atomic<bool>::is_always_lock_free);
};

}  // namespace ferry::amqp
