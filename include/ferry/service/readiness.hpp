// ferry/service/readiness.hpp — GET /ready and GET /health: a registry of named readiness checks
// (each dependency a service needs: Redis, RabbitMQ, a database, a backend pool), run on every
// request, whose answer names the ones that are not usable.
//
// A check is a function that throws when its dependency is not usable; the answer quotes the
// exception's message under the check's name (ferry's errors never carry a password). A check
// without a function reports "not_configured" and does not count. ferry::service knows no
// dependency itself: the check is yours (`[&] { (void)redis.ping(); }`), so it links nothing
// of Redis, AMQP or SQL.
//
//   ferry::service::readiness ready;
//   ready.add("redis", [&] { (void)redis.ping(); });
//   ready.add("database", {});  // not configured in this deployment
//   routes.add("GET", "/ready", route_access::probe, 0, ready.handler());
//   // 200 {"checks":{"database":{"status":"not_configured"},
//   //                "redis":{"latency_ms":0.2,"status":"ok"}},"status":"ready"}
//   // 503 {"checks":{"redis":{"error":"WRONGPASS ...","status":"down"}},"status":"not_ready"}
//
// The rule a reader would get wrong: checks run on the request's thread, one after the other,
// each time /ready is asked; a check must bound its own time (a connect timeout), or the probe
// times out instead of answering 503.
//
// Thread safety: add() before serving; check() and handler() from any thread, concurrently —
// as thread-safe as the checks themselves.
// Errors: none thrown by check(); a failing check is an answer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

struct readiness_check {
  std::string name;            ///< "redis", "rabbitmq", "database": the key in the answer
  std::function<void()> test;  ///< throws when not usable; empty: not configured
};

/// Runs every check in order: 200 when all configured ones pass, else 503.
[[nodiscard]] FERRY_API http_response check_readiness(const std::vector<readiness_check>& checks);

/// GET /health: the process is alive and serving (200 {"status":"ok"}).
[[nodiscard]] FERRY_API http_response liveness();

/// Named checks collected as the service is composed, answered as check_readiness does.
class FERRY_API readiness {
 public:
  /// Adds a check; names should be unique (a repeated name overwrites the earlier answer).
  void add(std::string name, std::function<void()> test);
  void add(readiness_check check);

  /// Runs every check now.
  [[nodiscard]] http_response check() const { return check_readiness(checks_); }
  /// A route handler answering check(); it holds a copy of the checks added so far.
  [[nodiscard]] http_handler handler() const;

 private:
  std::vector<readiness_check> checks_;
};

}  // namespace ferry::service
