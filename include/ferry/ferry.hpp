// ferry/ferry.hpp — includes every ferry component that is installed; link ferry::ferry.
//
// Components are separate libraries (ferry::core, ferry::redis, ferry::cache, ferry::amqp, ...).
// core, postfix, redis, cache, queue, ratelimit and postfix_redis are always built, so their
// headers are always there. An optional component (amqp, celery, mail, sql) is installed only
// when it was built, so its headers are included only when the installed package has them.
// Including single component headers (<ferry/cache/cache.hpp>) and linking only those
// components keeps builds leaner.
#pragma once

#include "ferry/core/codec.hpp"
#include "ferry/core/error.hpp"
#include "ferry/core/failure_throttle.hpp"
#include "ferry/core/observer.hpp"
#include "ferry/core/retry_policy.hpp"
#include "ferry/core/url.hpp"
#include "ferry/core/url_encoding.hpp"
#include "ferry/core/version.hpp"

#include "ferry/core/circuit_breaker.hpp"
#include "ferry/core/dead_letter.hpp"
#include "ferry/core/dead_letter_catalog.hpp"
#include "ferry/core/delivery.hpp"
#include "ferry/core/worker_runtime.hpp"

// The Postfix policy protocol and server (component postfix).
#include "ferry/postfix/action.hpp"
#include "ferry/postfix/listen_address.hpp"
#include "ferry/postfix/policy_request.hpp"
#include "ferry/postfix/policy_server.hpp"
#include "ferry/postfix/recipient_handler.hpp"
#include "ferry/postfix/recipient_metrics.hpp"

#include "ferry/redis/client.hpp"
#include "ferry/redis/keys.hpp"
#include "ferry/redis/pipeline.hpp"
#include "ferry/redis/scan.hpp"
#include "ferry/redis/script.hpp"
#include "ferry/redis/url.hpp"

#include "ferry/cache/cache.hpp"
#include "ferry/cache/report.hpp"

#include "ferry/queue/dlq_store.hpp"
#include "ferry/queue/queue.hpp"
#include "ferry/queue/scheduler.hpp"
#include "ferry/queue/worker.hpp"

#include "ferry/ratelimit/coalescing_limiter.hpp"
#include "ferry/ratelimit/limit_list.hpp"
#include "ferry/ratelimit/local_limiter.hpp"
#include "ferry/ratelimit/redis_limiter.hpp"

// The Postfix policy's Redis plug-in (component postfix_redis): cached directory, rate limits.
#include "ferry/postfix/redis/cached_directory.hpp"
#include "ferry/postfix/redis/metrics.hpp"
#include "ferry/postfix/redis/rate_limits.hpp"

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
#if __has_include("ferry/celery/redis/plugin.hpp")
#include "ferry/celery/redis/plugin.hpp"
#endif

// Celery over RabbitMQ (component celery_amqp).
#if __has_include("ferry/celery/amqp/plugin.hpp")
#include "ferry/celery/amqp/message.hpp"
#include "ferry/celery/amqp/plugin.hpp"
#endif

#if __has_include("ferry/service/admin_http_server.hpp")
#include "ferry/service/admin_http_server.hpp"
#include "ferry/service/admission.hpp"
#include "ferry/service/auth_lockout.hpp"
#include "ferry/service/http_route.hpp"
#include "ferry/service/prometheus.hpp"
#include "ferry/service/readiness.hpp"
#include "ferry/service/stop_signals.hpp"
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
#include "ferry/amqp/dlq_store.hpp"
#include "ferry/amqp/message.hpp"
#include "ferry/amqp/publisher.hpp"
#include "ferry/amqp/table.hpp"
#include "ferry/amqp/topology.hpp"
#include "ferry/amqp/url.hpp"
#endif

#if __has_include("ferry/sql/session.hpp")
#include "ferry/sql/database_url.hpp"
#include "ferry/sql/pool.hpp"
#include "ferry/sql/session.hpp"
#include "ferry/sql/value.hpp"
#endif
