// dependency_checks.hpp — the readiness checks (ferry/service/readiness.hpp) of the deployment's
// dependencies: Redis, RabbitMQ, a SQL database. Each connects and authenticates with the
// app's own settings, so a wrong password makes the app "not ready" under the dependency's name.
//
//   ferry::service::readiness ready;
//   ready.add(redis_check(&client));
//   ready.add(database_check(db_url));
//
// Thread safety: the checks are thread-safe (AMQP and SQL open their own connection per call;
// the Redis client is thread-safe). Errors: a check throws what the library throws.
#pragma once

#include <optional>

#include <ferry/amqp/url.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/service/readiness.hpp>
#include <ferry/sql/database_url.hpp>

namespace ferry::apps {

/// "redis": PING through `client` (which authenticates); nullptr: not configured.
[[nodiscard]] service::readiness_check redis_check(redis::client* client);
/// "rabbitmq": opens and closes a connection; nullopt: not configured.
[[nodiscard]] service::readiness_check amqp_check(const std::optional<amqp::url>& url);
/// "database": connects (2 s timeout) and runs SELECT 1; nullopt: not configured.
[[nodiscard]] service::readiness_check database_check(const std::optional<sql::database_url>& url);

}  // namespace ferry::apps
