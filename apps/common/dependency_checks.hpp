// dependency_checks.hpp — the readiness checks (common/readiness.hpp) of the deployment's
// dependencies: Redis, RabbitMQ, a SQL database. Each connects and authenticates with the
// app's own settings, so a wrong password makes the app "not ready" under the dependency's name.
//
//   check_readiness({redis_check(&client), amqp_check(amqp_url), database_check(db_url)});
//
// Thread safety: the checks are thread-safe (AMQP and SQL open their own connection per call;
// the Redis client is thread-safe). Errors: a check throws what the library throws.
#pragma once

#include <optional>

#include <ferry/amqp/url.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/sql/database_url.hpp>

#include "common/readiness.hpp"

namespace ferry::apps {

/// "redis": PING through `client` (which authenticates); nullptr: not configured.
[[nodiscard]] dependency_check redis_check(redis::client* client);
/// "rabbitmq": opens and closes a connection; nullopt: not configured.
[[nodiscard]] dependency_check amqp_check(const std::optional<amqp::url>& url);
/// "database": connects (2 s timeout) and runs SELECT 1; nullopt: not configured.
[[nodiscard]] dependency_check database_check(const std::optional<sql::database_url>& url);

}  // namespace ferry::apps
