// ferry/amqp/basic_consumer.hpp — a manual-ack consumer over several queues whose deliveries
// are acked later, out of order, and from any thread.
//
// Use it when the message is handed to other threads and acked when they finish (a worker
// pool, messages held until an eta): `consumer` (consumer.hpp) acks on its own thread right
// after the handler returns and is the better choice otherwise. The consumer thread calls
// next(); ack()/reject()/set_prefetch() may be called from any thread. An ack is written at
// once by the calling thread (the connection's calls are serialised by a lock that is never
// held while next() waits), so a consumer blocked waiting for the delivery that ack lets the
// broker send is not woken for it; reject/qos (and an ack that could not be written) are
// queued and sent by the consumer thread, which next() wakes at once (an eventfd beside the
// socket), or by flush(). basic.qos is `prefetch` unacked deliveries at most: for the whole
// channel (global_qos, as Celery's worker sets it), or per consumer, which RabbitMQ enforces at
// less cost. RabbitMQ applies a per-consumer count only to consumers started after it, so the
// first set_prefetch() of a per-consumer channel makes the count the channel's and restarts the
// consumers under it.
//
// The one behaviour a reader would get wrong: delivery tags belong to one connection. When the
// connection breaks next() throws (connection_failed, transient) and the broker requeues every
// unacked delivery; build a new basic_consumer — acks for the old one's tags are then void.
//
//   ferry::amqp::basic_consumer c(url, {.queues = {"celery"}, .prefetch = 8});
//   while (!stop)
//     if (auto d = c.next(1s)) pool.submit([&c, t = d->delivery_tag] { ...; c.ack(t); });
//
// Thread safety: next() and flush() on one thread (the consumer thread); ack(), reject(),
// set_prefetch() and wake() from any thread.
// Errors: ferry::error from next()/flush() (connection_failed, not_found for a missing queue,
// server_error for a conflicting declaration, auth_failed); ack()/reject() never throw.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/amqp/message.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/amqp/url.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

/// basic_consumer settings; `queues` is required.
struct basic_consumer_options {
  /// Queues consumed on the one channel (each must exist or be in `declare`).
  std::vector<std::string> queues{};
  /// basic.qos prefetch count (0 = unlimited).
  std::uint16_t prefetch = 1;
  /// true: the count is shared by all consumers of the channel (Celery's choice); false: each
  /// queue's consumer has its own (cheaper for RabbitMQ; the same limit for one queue) until
  /// the first set_prefetch(), which moves it to the channel (see the file comment).
  bool global_qos = true;
  /// Declared after connecting, before consuming.
  topology declare{};
};

/// basic.consume with deferred, cross-thread acks. See the file comment.
class FERRY_API basic_consumer {
 public:
  /// Connects, declares, sets basic.qos and starts consuming every queue.
  basic_consumer(const url& address, basic_consumer_options options);
  ~basic_consumer();
  basic_consumer(const basic_consumer&) = delete;
  basic_consumer& operator=(const basic_consumer&) = delete;

  /// Sends queued acks/rejects/qos, then returns the next delivery, waiting up to `wait`
  /// (returns early, with nullopt, when wake() is called). nullopt = nothing arrived.
  [[nodiscard]] std::optional<delivery> next(std::chrono::milliseconds wait);

  /// Writes basic.ack for `tag` from the calling thread (see the file comment); one that
  /// cannot be written is queued for the consumer thread, whose next()/flush() sends it or
  /// reports the broken connection.
  void ack(std::uint64_t tag) noexcept;
  /// Queues basic.reject for `tag`; requeue=true puts it back in its queue.
  void reject(std::uint64_t tag, bool requeue) noexcept;
  /// Queues a new basic.qos prefetch count (e.g. raised while messages are held).
  void set_prefetch(std::uint16_t prefetch) noexcept;
  /// Makes a waiting next() return now.
  void wake() noexcept;
  /// Sends the queued acks/rejects/qos now (consumer thread).
  void flush();

  /// False once the connection broke.
  [[nodiscard]] bool is_open() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::amqp
