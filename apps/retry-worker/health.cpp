#include "health.hpp"

#include <chrono>
#include <functional>

#include <ferry/amqp/connection.hpp>
#include <ferry/sql/session.hpp>

namespace ferry::apps::retry {
namespace {

// Runs one probe; a throw is "down" with its message.
nlohmann::json probe(const std::function<void()>& fn) {
  const auto start = std::chrono::steady_clock::now();
  try {
    fn();
  } catch (const std::exception& e) {
    return {{"status", "down"}, {"error", e.what()}};
  }
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::steady_clock::now() - start);
  return {{"status", "ok"}, {"latency_ms", static_cast<double>(us.count()) / 1000.0}};
}

}  // namespace

health_result check_health(const health_targets& t) {
  health_result r;
  nlohmann::json checks = nlohmann::json::object();
  const nlohmann::json not_configured{{"status", "not_configured"}};
  checks["redis"] = t.redis ? probe([&] { (void)t.redis->ping(); }) : not_configured;
  checks["rabbitmq"] = t.amqp ? probe([&] {
    amqp::connection c{*t.amqp};
    c.close();
  })
                              : not_configured;
  checks["database"] = t.db ? probe([&] {
    sql::session_options o;
    o.connect_timeout = std::chrono::seconds(2);
    sql::session s{*t.db, o};
    (void)s.query_value<int>("SELECT 1");
  })
                            : not_configured;
  r.healthy = true;
  for (const auto& [name, c] : checks.items()) {
    if (c["status"] == "down") r.healthy = false;
  }
  r.body = {{"status", r.healthy ? "ok" : "unhealthy"}, {"checks", std::move(checks)}};
  return r;
}

}  // namespace ferry::apps::retry
