// ferry/core/dead_letter_catalog.hpp — every dead-letter store of a deployment behind one name
// lookup, for one admin endpoint or CLI command over all of them.
//
// A deployment may keep dead letters in several places at once (the Redis job queues, the
// AMQP consumers' `<queue>.dlq`, Celery on Redis and on RabbitMQ). The catalog lists them all
// and finds the store that holds a queue's letters, by the queue's name alone when one source
// serves it, or by (source, queue) when several do.
//
//   ferry::dead_letter_catalog dlqs;
//   dlqs.add(std::make_shared<ferry::queue::dlq_store>(redis, queue_options));
//   dlqs.add(std::make_shared<ferry::amqp::dlq_store>(broker, amqp_options));
//   for (const auto& q : dlqs.queues()) print(q.source, q.queue, q.count);
//   dlqs.store_for({}, "email_processing").requeue_all("email_processing");
//
// Thread safety: add() before sharing; then the catalog is read-only and safe to share. The
// stores' own rules apply to the calls made on them.
// Errors: store_for() throws ferry::error(errc::not_found) for a queue no store serves and
// std::invalid_argument when several serve it and no source is given; queues() lets the
// stores' errors through (a broker that cannot be reached throws).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "ferry/core/dead_letter.hpp"
#include "ferry/export.hpp"

namespace ferry {

class FERRY_API dead_letter_catalog {
 public:
  /// Adds a store. std::invalid_argument for a null store or a source already added.
  void add(std::shared_ptr<dead_letter_store> store);

  /// The stores, in the order added.
  [[nodiscard]] const std::vector<std::shared_ptr<dead_letter_store>>& stores() const noexcept {
    return stores_;
  }

  /// Every store's queues, in the order the stores were added, each store's sorted by name.
  [[nodiscard]] std::vector<dead_letter_queue_info> queues() const;

  /// The store of `source` (nullptr when none was added).
  [[nodiscard]] dead_letter_store* find_source(std::string_view source) const noexcept;

  /// Deletes the letters dead for longer than `max_age` from every queue of every store (a
  /// deployment's retention); returns how many. The first store error is thrown, after the
  /// stores before it were trimmed.
  std::size_t trim(std::chrono::seconds max_age) const;

  /// The store serving `queue`; see Errors in the file comment.
  [[nodiscard]] dead_letter_store& store_for(std::optional<std::string_view> source,
                                             std::string_view queue) const;

 private:
  std::vector<std::shared_ptr<dead_letter_store>> stores_;
};

}  // namespace ferry
