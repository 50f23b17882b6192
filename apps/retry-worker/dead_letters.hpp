// dead_letters.hpp — the deployment's dead-letter stores, as the configuration names them, in
// one ferry::dead_letter_catalog for the admin API and the `dlq` command: the Redis job
// queues' DLQs (always; QUEUES, or every known queue), the RabbitMQ consumers' `<queue>.dlq`
// (RABBITMQ_URL with RABBITMQ_QUEUES), and Celery's dead letters on each broker of
// CELERY_BROKER_URL / --celery-broker-url (redis://, rediss://, unix:// → the `<queue>.dlq`
// lists; amqp://, amqps:// → the `<queue>.dlq` queues) for the CELERY_QUEUES.
//
// Thread safety: the catalog is shared read-only; its stores are thread-safe.
// Errors: ferry::error(errc::config) for a bad broker URL (named, never with its password);
// nothing connects here.
#pragma once

#include <memory>

#include <ferry/core/dead_letter_catalog.hpp>
#include <ferry/redis/client.hpp>

#include "config.hpp"

namespace ferry::apps::retry {

/// `redis` (REDIS_URL's client) must outlive the catalog.
[[nodiscard]] std::shared_ptr<dead_letter_catalog> open_dead_letters(const config& cfg,
                                                                     redis::client& redis);

}  // namespace ferry::apps::retry
