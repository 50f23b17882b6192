// ferry::service::add_probe_routes without a socket: which routes exist, that they are probe
// routes without a body, and what they answer.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "ferry/service/probe_routes.hpp"
#include "ferry/service/prometheus.hpp"
#include "ferry/service/readiness.hpp"

using namespace ferry::service;

namespace {

http_response get(const http_router& routes, const std::string& path) {
  const auto m = routes.match("GET", path);
  if (m.route == nullptr)
    return http_response{.status = 404, .content_type = "", .body = "", .headers = {}};
  CHECK(m.route->access == route_access::probe);
  CHECK(m.route->max_body == 0);
  return m.route->handler(http_request{});
}

}  // namespace

TEST_CASE("probe routes: /health always, /ready and /metrics when given", "[service][probe]") {
  http_router bare;
  add_probe_routes(bare, {});
  CHECK(bare.routes().size() == 1);
  const auto live = get(bare, "/health");
  CHECK(live.status == 200);
  CHECK(live.body.find("\"ok\"") != std::string::npos);  // liveness()
  CHECK(get(bare, "/ready").status == 404);
  CHECK(get(bare, "/metrics").status == 404);

  readiness ready;
  ready.add("backends", [] { throw std::runtime_error("database: unreachable"); });
  metrics_registry metrics;
  metrics.add([](metrics_writer& out) { out.counter("ferry_test_total", "Test.", 7); });
  http_router full;
  add_probe_routes(full, {.health = [](const http_request&) { return plain_ok(); },
                          .ready = ready.handler(),
                          .metrics = metrics.handler()});
  CHECK(full.routes().size() == 3);
  const auto ok = get(full, "/health");
  CHECK(ok.body == "ok\n");
  CHECK(ok.content_type == "text/plain");
  const auto not_ready = get(full, "/ready");
  CHECK(not_ready.status == 503);
  CHECK(not_ready.body.find("database: unreachable") != std::string::npos);
  CHECK(get(full, "/metrics").body.find("ferry_test_total 7\n") != std::string::npos);
  // HEAD is served by the GET routes; nothing else is.
  CHECK(full.match("HEAD", "/health").route != nullptr);
  CHECK(full.match("POST", "/health").route == nullptr);
}
