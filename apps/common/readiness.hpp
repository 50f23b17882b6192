// readiness.hpp — GET /ready for every app: each dependency the app needs (Redis, RabbitMQ, a
// database) is contacted — connected *and* authenticated — and the answer names the ones that
// are not.
//
// A check is a function that throws when its dependency is not usable; the answer quotes the
// exception's message under the dependency's name (library errors never carry a password).
// A check without a function reports "not_configured" and does not count.
//
//   http_response r = check_readiness({{"redis", [&] { (void)redis.ping(); }},
//                                      {"database", {}}});
//   // 200 {"status":"ready","checks":{"redis":{"status":"ok","latency_ms":0.2},
//   //                                 "database":{"status":"not_configured"}}}
//   // 503 {"status":"not_ready","checks":{"redis":{"status":"down","error":"WRONGPASS ..."}}}
//
// Thread safety: check_readiness is as thread-safe as the checks it runs.
// Errors: none thrown; a failing check is an answer.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/http_route.hpp"

namespace ferry::apps {

struct dependency_check {
  std::string name;            ///< "redis", "rabbitmq", "database": the key in the answer
  std::function<void()> test;  ///< throws when not usable; empty: not configured
};

/// Runs every check in order: 200 when all configured ones pass, else 503.
[[nodiscard]] http_response check_readiness(const std::vector<dependency_check>& checks);

/// GET /health: the process is alive and serving (200 {"status":"ok"}).
[[nodiscard]] http_response liveness();

}  // namespace ferry::apps
