// admin_http.hpp — the policy service's probe endpoint: GET /health (liveness), GET /ready
// (readiness), GET /metrics (Prometheus text).
//
// Served by ferry::service's hardened server (ferry/service/admin_http_server.hpp) as a probe
// listener: no
// token, nothing but these three routes, no request body (413 before a byte of it is read),
// one request per connection. It runs on its own small thread pool, apart from the policy
// event loop, so a slow scraper never delays a Postfix answer. /health answers 200 "ok" while
// the process serves; /ready answers 200 while `ready()` returns nullopt, else 503 with the
// reason it returns (which names the backend, never a secret).
//
// Thread safety: construct, start and stop from one thread; `ready` is called from the HTTP
// threads.
// Errors: the constructor throws ferry::error(errc::io_error) when it cannot bind.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <ferry/service/admin_http_server.hpp>
#include <ferry/service/prometheus.hpp>

#include "log.hpp"
#include "metrics.hpp"

namespace ferry::apps::policy {

class admin_server {
 public:
  /// nullopt: ready; a string: the reason it is not (served by /ready with 503).
  using health_check = std::function<std::optional<std::string>()>;

  /// Binds `listen` ("127.0.0.1:10041"; port 0 picks a free one).
  admin_server(const std::string& listen, metrics& stats, health_check ready, logger& log);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// Serves on a background thread; returns once the server accepts connections.
  void start();
  void stop();
  [[nodiscard]] int port() const noexcept;

 private:
  service::metrics_registry registry_;  // before http_: its handler serves the registry
  std::unique_ptr<service::admin_http_server> http_;
  logger& log_;
};

}  // namespace ferry::apps::policy
