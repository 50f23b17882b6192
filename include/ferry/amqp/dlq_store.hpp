// ferry/amqp/dlq_store.hpp — the AMQP consumers' dead-letter queues as a dead_letter_store.
//
// Serves the `<queue>.dlq` of each configured work queue (consumer.hpp writes them; the
// x-ferry-* headers give the record's error, attempts and failure times), through
// dead_letter_queue.hpp, for ferry::dead_letter_catalog and the tools built on it.
//
//   ferry::amqp::dlq_store dlqs{{.broker = ferry::amqp::url::parse(env_url),
//                                .queues = {"email_processing"}}};
//   for (const auto& d : dlqs.page("email_processing", 0, 20)) log(d.id, d.error);
//
// The behaviour a reader would otherwise get wrong: RabbitMQ cannot discover these queues
// (without its management plugin) and cannot look without taking, so only the configured
// queues are served, and page(), find() and trim() take messages and give them back (see
// dead_letter_queue.hpp: they come back marked redelivered, in order on classic queues).
// A DLQ that does not exist yet holds nothing: it is listed with exists = false.
//
// Thread safety: thread-safe: each call opens its own connection (admin traffic is rare, and a
// rabbitmq-c connection belongs to one thread).
// Errors: as dead_letter.hpp says; std::invalid_argument for an id that is not 1-255
// printable ASCII characters or a window beyond max_scan.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "ferry/amqp/dead_letters.hpp"
#include "ferry/amqp/url.hpp"
#include "ferry/core/dead_letter.hpp"
#include "ferry/export.hpp"

namespace ferry::amqp {

struct dlq_store_options {
  url broker;
  /// dead_letter_record::source of its records: "amqp" for the consumer's DLQs,
  /// "celery-amqp" for Celery on RabbitMQ (its worker writes the same x-ferry-* headers).
  std::string source = "amqp";
  /// Work queues whose `<queue>.dlq` is served.
  std::vector<std::string> queues{};
  /// Deepest a page, a search for one id or a trim reaches (messages taken at once).
  std::size_t max_scan = 10000;
  /// For the publisher that writes requeued messages.
  publisher_options publisher{};
};

class FERRY_API dlq_store final : public dead_letter_store {
 public:
  /// Does not connect. std::invalid_argument for an empty queue name or max_scan 0.
  explicit dlq_store(dlq_store_options options);

  [[nodiscard]] std::string_view source() const noexcept override { return opts_.source; }
  [[nodiscard]] std::vector<dead_letter_queue_info> queues() override;
  [[nodiscard]] bool serves(std::string_view queue) override;
  [[nodiscard]] std::int64_t count(std::string_view queue) override;
  [[nodiscard]] std::vector<dead_letter_record> page(std::string_view queue, std::size_t offset,
                                                     std::size_t limit) override;
  [[nodiscard]] std::optional<dead_letter_record> find(std::string_view queue,
                                                       std::string_view id) override;
  bool requeue(std::string_view queue, std::string_view id) override;
  std::size_t requeue_all(std::string_view queue) override;
  bool remove(std::string_view queue, std::string_view id) override;
  std::size_t purge(std::string_view queue) override;
  std::size_t trim(std::string_view queue, std::chrono::seconds max_age) override;

  /// std::invalid_argument unless `id` is 1-255 printable ASCII characters without spaces.
  static void check_id(std::string_view id);

 private:
  dead_letter_queue open(std::string_view queue);

  dlq_store_options opts_;
};

/// The record of a message taken from `<queue>.dlq`.
[[nodiscard]] FERRY_API dead_letter_record to_record(std::string_view queue, dead_message m,
                                                     std::string_view source = "amqp");

}  // namespace ferry::amqp
