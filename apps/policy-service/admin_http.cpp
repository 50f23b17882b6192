#include "admin_http.hpp"

#include <httplib.h>

#include <optional>

#include <ferry/error.hpp>

#include "common/http_listener.hpp"
#include "policy_server.hpp"

namespace ferry::apps::policy {

struct admin_server::impl {
  httplib::Server http;
  std::optional<http_listener> listener;  // after http: stopped before the server goes
  logger& log;
  explicit impl(logger& l) : log(l) {}
};

admin_server::admin_server(const std::string& listen, metrics& stats, health_check health,
                           logger& log)
    : impl_(std::make_unique<impl>(log)) {
  const auto where = parse_listen_address(listen);
  if (where.is_unix) throw ferry::error(errc::config, "admin listen address must be host:port");
  // Two threads are plenty for a scraper and a load balancer's health probe.
  impl_->http.new_task_queue = [] { return new httplib::ThreadPool(2); };
  impl_->http.Get("/metrics", [&stats](const httplib::Request&, httplib::Response& res) {
    res.set_content(stats.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  impl_->http.Get("/health", [health](const httplib::Request&, httplib::Response& res) {
    const auto problem = health ? health() : std::nullopt;
    if (problem) {
      res.status = 503;
      res.set_content(*problem + "\n", "text/plain");
    } else {
      res.set_content("ok\n", "text/plain");
    }
  });
  impl_->listener.emplace(impl_->http, where.host, where.port, "admin endpoint");
}

admin_server::~admin_server() {
  stop();
}

void admin_server::start() {
  impl_->listener->start();
  impl_->log.info("admin endpoint: http://127.0.0.1:" + std::to_string(port()) +
                  "/metrics and /health");
}

void admin_server::stop() {
  impl_->listener->stop();
}

int admin_server::port() const noexcept {
  return impl_->listener->port();
}

}  // namespace ferry::apps::policy
