// ferry/ferry.hpp — includes every ferry component that is installed.
//
// Components are separate libraries (ferry::core, ferry::redis, ferry::amqp, ...); a project
// may install or link only some of them, so each is included only when its headers exist.
// Including single component headers (<ferry/redis/client.hpp>) keeps builds leaner.
#pragma once

#include "ferry/codec.hpp"
#include "ferry/error.hpp"
#include "ferry/retry_policy.hpp"
#include "ferry/url.hpp"
#include "ferry/url_encoding.hpp"
#include "ferry/version.hpp"

#if __has_include("ferry/redis/client.hpp")
#include "ferry/redis/client.hpp"
#include "ferry/redis/keys.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry/redis/script.hpp"
#include "ferry/redis/url.hpp"
#endif

#if __has_include("ferry/cache/cache.hpp")
#include "ferry/cache/cache.hpp"
#include "ferry/cache/report.hpp"
#endif

// Celery protocol (component celery_protocol): messages, kombu envelope, result metas.
#if __has_include("ferry/celery/protocol/task_request.hpp")
#include "ferry/celery/protocol/kombu_redis.hpp"
#include "ferry/celery/protocol/task_request.hpp"
#include "ferry/celery/protocol/task_result.hpp"
#endif

// Celery runtime (component celery): worker, client, open_broker, in-memory broker/backend.
#if __has_include("ferry/celery/worker.hpp")
#include "ferry/celery/client.hpp"
#include "ferry/celery/memory_backend.hpp"
#include "ferry/celery/memory_broker.hpp"
#include "ferry/celery/registry.hpp"
#include "ferry/celery/worker.hpp"
#endif

// Celery over Redis: transport and result backend (component celery_redis).
#if __has_include("ferry/celery/redis/plugin.hpp") && __has_include("ferry/redis/client.hpp")
#include "ferry/celery/redis/plugin.hpp"
#endif

// Celery over RabbitMQ (component celery_amqp).
#if __has_include("ferry/celery/amqp/plugin.hpp") && __has_include("ferry/amqp/connection.hpp")
#include "ferry/celery/amqp/message.hpp"
#include "ferry/celery/amqp/plugin.hpp"
#endif

#if __has_include("ferry/mail/parse.hpp")
#include "ferry/mail/attachment_store.hpp"
#include "ferry/mail/parse.hpp"
#include "ferry/mail/safe_filename.hpp"
#include "ferry/mail/sanitize.hpp"
#endif

#if __has_include("ferry/amqp/consumer.hpp")
#include "ferry/amqp/basic_consumer.hpp"
#include "ferry/amqp/basic_get.hpp"
#include "ferry/amqp/connection.hpp"
#include "ferry/amqp/consumer.hpp"
#include "ferry/amqp/dead_letters.hpp"
#include "ferry/amqp/message.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/table.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/amqp/url.hpp"
#endif

#if __has_include("ferry/queue/queue.hpp")
#include "ferry/queue/queue.hpp"
#include "ferry/queue/scheduler.hpp"
#include "ferry/queue/worker.hpp"
#endif
#if __has_include("ferry/ratelimit/redis_limiter.hpp")
#include "ferry/ratelimit/coalescing_limiter.hpp"
#include "ferry/ratelimit/local_limiter.hpp"
#include "ferry/ratelimit/redis_limiter.hpp"
#endif
