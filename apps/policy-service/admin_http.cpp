#include "admin_http.hpp"

#include <stdexcept>

#include <ferry/error.hpp>
#include <ferry/postfix/listen_address.hpp>

#include <ferry/service/readiness.hpp>

namespace ferry::apps::policy {

using service::http_request;
using service::http_response;
using service::route_access;

admin_server::admin_server(const std::string& listen, metrics& stats, health_check ready,
                           logger& log)
    : log_(log) {
  const auto where = postfix::parse_listen_address(listen);
  if (where.is_unix) throw ferry::error(errc::config, "admin listen address must be host:port");
  service::http_router routes;
  routes.add("GET", "/health", route_access::probe, 0, [](const http_request&) {
    return http_response{
        .status = 200, .content_type = "text/plain", .body = "ok\n", .headers = {}};
  });
  service::readiness readiness;
  readiness.add("backends", [ready] {
    if (auto problem = ready ? ready() : std::nullopt) throw std::runtime_error(*problem);
  });
  routes.add("GET", "/ready", route_access::probe, 0, readiness.handler());
  registry_.add([&stats](service::metrics_writer& out) { stats.collect(out); });
  routes.add("GET", "/metrics", route_access::probe, 0, registry_.handler());
  // Two threads are plenty for a scraper and a load balancer's probes.
  service::admin_http_options o;
  o.probe_listen = where.host + ":" + std::to_string(where.port);
  o.realm = "ferry-policyd";
  o.threads = 2;
  http_ = std::make_unique<service::admin_http_server>(std::move(o), std::move(routes));
}

admin_server::~admin_server() = default;

void admin_server::start() {
  http_->start();
  log_.info("admin endpoint: http://127.0.0.1:" + std::to_string(port()) +
            "/health, /ready and /metrics");
}

void admin_server::stop() {
  http_->stop();
}

int admin_server::port() const noexcept {
  return http_->probe_port();
}

}  // namespace ferry::apps::policy
