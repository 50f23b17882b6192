#include "admin_http.hpp"

#include <httplib.h>

#include <thread>

#include <ferry/error.hpp>

#include "policy_server.hpp"

namespace ferry::apps::policy {

struct admin_server::impl {
  httplib::Server http;
  std::thread thread;
  int port = 0;
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
  if (where.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(where.host);
  } else if (impl_->http.bind_to_port(where.host, where.port)) {
    impl_->port = where.port;
  } else {
    impl_->port = -1;
  }
  if (impl_->port <= 0) throw ferry::error(errc::io_error, "admin endpoint: cannot bind " + listen);
}

admin_server::~admin_server() {
  stop();
}

void admin_server::start() {
  if (impl_->thread.joinable()) return;
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  // httplib's stop() is a no-op until the listener runs: wait for it, so stop() always works.
  for (int i = 0; i < 1000 && !impl_->http.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_->log.info("admin endpoint: http://127.0.0.1:" + std::to_string(impl_->port) +
                  "/metrics and /health");
}

void admin_server::stop() {
  if (!impl_->thread.joinable()) return;
  impl_->http.stop();
  impl_->thread.join();
}

int admin_server::port() const noexcept {
  return impl_->port;
}

}  // namespace ferry::apps::policy
