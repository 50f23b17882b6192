// ferry/service/probe_routes.hpp — the probe routes every service serves the same way: GET
// /health (liveness), GET /ready (readiness), GET /metrics (Prometheus text), each as
// route_access::probe with no body, so they answer without a token on a probe listener.
//
//   ferry::service::readiness ready;
//   ready.add("redis", [&] { (void)redis.ping(); });
//   ferry::service::metrics_registry metrics;
//   ferry::service::http_router routes;
//   ferry::service::add_probe_routes(routes, {.ready = ready.handler(),
//                                             .metrics = metrics.handler()});
//   ferry::service::admin_http_server http{{.probe_listen = "127.0.0.1:10041"}, std::move(routes)};
//
// The rule a reader would get wrong: routes match in the order added, so add the probes
// before a catch-all route of your own; a handler left empty adds no route (404), except
// /health, which always answers (liveness() unless you give one).
//
// Thread safety: a plain function; the handlers run on the server's threads, concurrently.
// Errors: none of its own (http_router::add's std::regex cannot fail on these paths).
#pragma once

#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

struct probe_handlers {
  http_handler health{};   ///< GET /health; empty: liveness(), 200 {"status":"ok"}
  http_handler ready{};    ///< GET /ready, e.g. readiness::handler(); empty: no route
  http_handler metrics{};  ///< GET /metrics, e.g. metrics_registry::handler(); empty: no route
};

/// Adds GET /health, and /ready and /metrics when given, as probe routes without a body.
FERRY_API void add_probe_routes(http_router& routes, probe_handlers handlers);

/// 200 text/plain "ok\n": a /health answer for services whose probes expect plain text.
[[nodiscard]] FERRY_API http_response plain_ok();

}  // namespace ferry::service
