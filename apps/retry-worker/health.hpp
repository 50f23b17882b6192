// health.hpp — GET /health: can the worker reach Redis, RabbitMQ and the database?
//
// Each configured dependency is contacted (Redis PING, an AMQP connection, SELECT 1); one that
// is not configured reports "not_configured" and does not count. healthy == every configured
// one answered.
//
// Thread safety: check_health is thread-safe (each call opens its own AMQP/SQL connections).
// Errors: none thrown; failures become {"status":"down","error":...}.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include <ferry/amqp/url.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/sql/database_url.hpp>

namespace ferry::apps::retry {

struct health_targets {
  redis::client* redis = nullptr;
  std::optional<amqp::url> amqp;
  std::optional<sql::database_url> db;
};

struct health_result {
  bool healthy = false;
  /// {"status":"ok"|"unhealthy","checks":{"redis":{...},"rabbitmq":{...},"database":{...}}}
  nlohmann::json body;
};

[[nodiscard]] health_result check_health(const health_targets& targets);

}  // namespace ferry::apps::retry
