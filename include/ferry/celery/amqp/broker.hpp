// ferry/celery/amqp/broker.hpp — Celery's RabbitMQ transport (kombu's pyamqp, Celery 5.2) on
// ferry::amqp, so ferry and Python Celery processes share one queue.
//
// Conventions, as Celery 5.2.6 declares and publishes them (shared/celery/protocol.md):
//   declare  = exchange `<q>` (direct, durable), queue `<q>` (durable, no arguments unless
//              max_priority is set: x-max-priority, Celery's task_queue_max_priority), and a
//              binding `<q>` -> `<q>` with routing key `<q>`; once per queue per connection;
//   publish  = default exchange "" with routing key `<q>`, persistent (delivery_mode 2),
//              application/json, utf-8, the headers table, correlation_id = task id,
//              priority, expiration when the task has `expires`; confirmed by the broker
//              (each call waits for it, or confirms are pipelined: wait_for_confirm);
//   consume  = one channel, basic.qos(prefetch) for the channel as Celery sets it (global;
//              per consumer when it consumes one queue: the same limit, cheaper for
//              RabbitMQ), manual acks (basic_consumer);
//   requeue  = basic.reject(requeue); dead letter = a confirmed publish of the message, plus
//              headers x-ferry-error / x-ferry-queue / x-ferry-time, to the durable queue
//              `<q><suffix>` (e.g. `celery.dlq`), before the original is acked.
//
// The one behaviour a reader would get wrong: declarations must match what Python declares
// (same flags and arguments), or the later declare fails with 406 PRECONDITION_FAILED; set
// max_priority on both sides or on neither. Delivery tags belong to one connection: after a
// reconnect the broker redelivers whatever was unacked and older tags are void (valid()).
//
//   auto b = std::make_shared<ferry::celery::amqp::broker>("amqp://guest:guest@127.0.0.1/");
//   ferry::celery::client app{b, backend};
//
// register_plugin() (plugin.hpp) makes open_broker() return one for amqp:// URLs.
//
// Thread safety: thread-safe for publish/ack/requeue; fetch/flush/set_prefetch on one
// consumer thread (see broker.hpp). Two rabbitmq-c connections: one publishing, one consuming.
// Errors: ferry::error (connection_failed and timeout are transient; server_error 406 for a
// conflicting declaration; publish_nacked).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/amqp/url.hpp"
#include "ferry/celery/broker.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::amqp {

/// RabbitMQ transport settings; every field has a default matching Celery's.
struct transport_options {
  /// x-max-priority on the queues ferry declares (Celery's task_queue_max_priority); nullopt
  /// = no argument, as Celery's default. Must equal the Python side's setting.
  std::optional<std::uint8_t> max_priority{};
  /// Declare exchange/queue/binding before the first publish or consume on a queue (Celery
  /// does). false: the queues must exist.
  bool declare = true;
  /// Longest wait for the broker's publish confirm.
  std::chrono::milliseconds confirm_timeout{std::chrono::seconds(30)};
  /// true: publish() (send_task) returns once the broker has confirmed the message, one round
  /// trip per call. false: it returns once the message is written, as Celery's default
  /// (kombu without confirm_publish) does, but the confirms are still tracked: at most 256
  /// messages are unconfirmed, a lost connection re-sends them, and a nacked message makes a
  /// later publish() or wait_confirms() throw publish_nacked. Call wait_confirms() before
  /// relying on every message being with the broker (e.g. before exiting).
  bool wait_for_confirm = true;
};

/// Celery over RabbitMQ. See the file comment.
class FERRY_API broker final : public celery::broker {
 public:
  /// Connects the publishing connection now (a bad URL or credentials fail fast); the
  /// consuming connection opens on the first fetch().
  explicit broker(std::string_view url, transport_options options = {});
  broker(const ferry::amqp::url& url, transport_options options);
  ~broker() override;
  broker(const broker&) = delete;
  broker& operator=(const broker&) = delete;

  void publish(const task_message& message, std::string_view queue, int priority) override;
  /// publish() for many: all sent, then all confirms awaited (pipelined, still confirmed).
  void publish_many(std::span<const outgoing_message> messages) override;
  [[nodiscard]] std::optional<broker_delivery> fetch(const std::vector<std::string>& queues,
                                                     std::chrono::milliseconds wait) override;
  /// fetch() for the first, then what is already buffered without waiting, up to `max`.
  [[nodiscard]] std::vector<broker_delivery> fetch_many(
      const std::vector<std::string>& queues, std::size_t max, std::chrono::milliseconds wait,
      std::span<const std::string> ack_first = {}) override;
  void ack(std::string_view delivery_tag) override;
  void requeue(std::string_view delivery_tag) override;
  void dead_letter(const broker_delivery& d, std::string_view error,
                   std::string_view suffix) override;
  void set_prefetch(std::size_t count) override;
  void flush() override;
  /// Waits for every publish's confirm (see wait_for_confirm); throws publish_nacked naming
  /// how many failed since the last check.
  void wait_confirms();
  [[nodiscard]] bool valid(std::string_view delivery_tag) const override;
  [[nodiscard]] std::string_view transport() const noexcept override { return "amqp"; }

  /// Declares Celery's exchange/queue/binding for `queue` now (idempotent).
  void declare_queue(std::string_view queue);
  /// Ready messages in `queue` (not counting unacked ones); 0 if it does not exist.
  [[nodiscard]] std::size_t size(std::string_view queue);
  /// Deletes `queue`, its exchange and `<queue>.dlq` (tests and tools).
  void remove_queue(std::string_view queue);

  [[nodiscard]] const transport_options& options() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> p_;
};

}  // namespace ferry::celery::amqp
