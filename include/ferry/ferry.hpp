// ferry/ferry.hpp — includes every ferry component that is installed.
//
// Components are separate libraries (ferry::core, ferry::redis, ferry::amqp, ...); a project
// may install or link only some of them, so each is included only when its headers exist.
// Including single component headers (<ferry/redis/client.hpp>) keeps builds leaner.
#pragma once

#include "ferry/codec.hpp"
#include "ferry/core/observer.hpp"
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

#if __has_include("ferry/celery/task_request.hpp")
#include "ferry/celery/broker.hpp"
#include "ferry/celery/kombu_redis.hpp"
#include "ferry/celery/task_request.hpp"
#include "ferry/celery/task_result.hpp"
#endif

// Celery over Redis: transport, result backend, client, worker (component celery_redis).
#if __has_include("ferry/celery/worker.hpp") && __has_include("ferry/redis/client.hpp")
#include "ferry/celery/client.hpp"
#include "ferry/celery/redis_broker.hpp"
#include "ferry/celery/worker.hpp"
#endif

// Celery over RabbitMQ, open_broker(url) (component celery_amqp).
#if __has_include("ferry/celery/amqp_broker.hpp") && __has_include("ferry/amqp/connection.hpp")
#include "ferry/celery/amqp_broker.hpp"
#include "ferry/celery/amqp_message.hpp"
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
