// ferry/celery/broker.hpp — the transport interface the Celery worker and client run on.
//
// A broker moves task_messages: publish() to a queue, fetch() the next delivery from some
// queues, then exactly one of ack(), requeue() or dead_letter()+ack() per delivery tag.
// Implementations: memory_broker (in-process, for tests; "memory://"), redis::broker (kombu's
// Redis transport, ferry::celery_redis) and amqp::broker (RabbitMQ with Celery's exchange/queue
// conventions, ferry::celery_amqp); open_broker() (registry.hpp) picks one by URL scheme.
// The worker reaches the broker only through fetch_many() and the ack/requeue/dead_letter
// calls, so another fetch source can stand in for it.
//
// The one behaviour a reader would get wrong: a fetched delivery may carry no message
// (`message` is nullopt) when the transport could not even read an envelope; it is still
// dead-lettered, and acked when it has a delivery tag.
//
//   std::shared_ptr<ferry::celery::broker> b = ferry::celery::open_broker(url);
//   b->publish(build_message(request), "celery", 0);
//   if (auto d = b->fetch({"celery"}, 1s)) { ...; b->ack(d->delivery_tag); }
//
// Thread safety: publish(), ack(), requeue() from any thread; fetch(), flush(),
// set_prefetch() and maintain() from one consumer thread (the worker's loop).
// Errors: ferry::error from the transport (connection_failed and timeout are transient).
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/celery/types.hpp"
#include "ferry/export.hpp"

namespace ferry::celery {

/// One fetched message.
struct broker_delivery {
  /// The queue it was consumed from (Redis: without the priority suffix).
  std::string queue{};
  /// Opaque handle for ack()/requeue(); "" = nothing to ack (never recorded as unacked).
  std::string delivery_tag{};
  /// The routing key it was published with ("" if unknown).
  std::string routing_key{};
  /// The decoded message; nullopt when the transport could not read it (see `error`).
  std::optional<task_message> message{};
  /// Why `message` is nullopt.
  std::string error{};
  /// The bytes as they arrived (Redis: the envelope; AMQP: the body), for logs and dead letters.
  std::string raw{};
  /// The broker delivered it before (maybe not processed).
  bool redelivered = false;
};

/// One message of a publish_many() batch (the message must outlive the call).
struct outgoing_message {
  const task_message* message = nullptr;
  std::string_view queue{};
  int priority = 0;
};

/// A Celery transport. See the file comment.
class FERRY_API broker {
 public:
  virtual ~broker() = default;

  /// Publishes `message` so that consumers of `queue` receive it; priority 0..9 as in Celery
  /// (on Redis 0 is served first, on RabbitMQ 9, with x-max-priority only).
  virtual void publish(const task_message& message, std::string_view queue, int priority) = 0;

  /// The next delivery from any of `queues`, waiting up to `wait`; nullopt = none.
  [[nodiscard]] virtual std::optional<broker_delivery> fetch(const std::vector<std::string>& queues,
                                                             std::chrono::milliseconds wait) = 0;

  /// Done with the delivery: it will not be delivered again.
  virtual void ack(std::string_view delivery_tag) = 0;

  /// publish() for many messages, in order. Default: one by one; Redis sends them all in one
  /// pipelined write (one round trip).
  virtual void publish_many(std::span<const outgoing_message> messages);

  /// Acks `ack_first`, then returns up to `max` deliveries, waiting up to `wait` only when
  /// none is there. Default: ack() each, then at most one fetch(); Redis does it all in one
  /// round trip when messages are waiting (the worker's early acks ride along).
  [[nodiscard]] virtual std::vector<broker_delivery> fetch_many(
      const std::vector<std::string>& queues, std::size_t max, std::chrono::milliseconds wait,
      std::span<const std::string> ack_first = {});

  /// ack() for many deliveries. Default: one by one; Redis: one MULTI.
  virtual void ack_many(std::span<const std::string> delivery_tags);

  /// Gives the delivery back to its queue (redelivered next).
  virtual void requeue(std::string_view delivery_tag) = 0;

  /// Keeps a copy of `d` with `error` in the dead-letter destination `<d.queue><suffix>`
  /// (confirmed before it returns). The caller then acks the original.
  virtual void dead_letter(const broker_delivery& d, std::string_view error,
                           std::string_view suffix) = 0;

  /// How many fetched-but-unacked deliveries the broker may hand out (RabbitMQ basic.qos;
  /// raised while eta messages are held). Redis ignores it.
  virtual void set_prefetch(std::size_t count) { (void)count; }

  /// False when the delivery can no longer be acked because the transport took it back (AMQP:
  /// the connection was lost; the broker redelivers it). A held message then must not run.
  [[nodiscard]] virtual bool valid(std::string_view delivery_tag) const {
    (void)delivery_tag;
    return true;
  }

  /// Sends acks queued by other threads now (AMQP); before stopping the consumer thread.
  virtual void flush() {}

  /// Periodic housekeeping on the consumer thread (Redis: restore_visible()); returns how many
  /// messages it gave back to their queues.
  virtual std::size_t maintain() { return 0; }

  /// A short name for logs, e.g. "redis" or "amqp".
  [[nodiscard]] virtual std::string_view transport() const noexcept = 0;
};

}  // namespace ferry::celery
