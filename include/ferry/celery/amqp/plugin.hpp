// ferry/celery/amqp/plugin.hpp — makes open_broker() (ferry/celery/registry.hpp) serve
// amqp://, amqps:// and pyamqp:// URLs with this component's RabbitMQ broker.
//
// Registration is an explicit call rather than a static initializer: a static library's
// object file that nothing references is not linked, and its initializer would never run.
// Results need a result backend of their own (e.g. ferry::celery_redis's; Celery has no
// RabbitMQ result store ferry speaks).
//
//   ferry::celery::amqp::register_plugin({.wait_for_confirm = false});
//   ferry::celery::redis::register_plugin();
//   ferry::celery::client app{"amqp://guest:guest@127.0.0.1//", "redis://127.0.0.1:6379/1"};
//
// Thread safety: thread-safe.
// Errors: none at registration; the factory throws errc::config for a bad URL.
#pragma once

#include "ferry/celery/amqp/broker.hpp"
#include "ferry/export.hpp"

namespace ferry::celery::amqp {

/// Registers the amqp, amqps and pyamqp (Celery's name for amqp) schemes for brokers built
/// with `options`.
FERRY_API void register_plugin(transport_options options = {});

}  // namespace ferry::celery::amqp
