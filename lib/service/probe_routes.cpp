#include "ferry/service/probe_routes.hpp"

#include <utility>

#include "ferry/service/readiness.hpp"

namespace ferry::service {

void add_probe_routes(http_router& routes, probe_handlers handlers) {
  if (!handlers.health) handlers.health = [](const http_request&) { return liveness(); };
  routes.add("GET", "/health", route_access::probe, 0, std::move(handlers.health));
  if (handlers.ready) {
    routes.add("GET", "/ready", route_access::probe, 0, std::move(handlers.ready));
  }
  if (handlers.metrics) {
    routes.add("GET", "/metrics", route_access::probe, 0, std::move(handlers.metrics));
  }
}

http_response plain_ok() {
  return http_response{.status = 200, .content_type = "text/plain", .body = "ok\n", .headers = {}};
}

}  // namespace ferry::service
