// admin_http.hpp — the admin HTTP endpoint: GET /metrics (Prometheus text), GET /health.
//
// Runs cpp-httplib on its own small thread pool, apart from the policy event loop, so a slow
// scraper never delays a Postfix answer. /health answers 200 "ok" while `healthy()` is true,
// else 503 with the reason it returns.
//
// Thread safety: construct, start and stop from one thread.
// Errors: the constructor throws ferry::error(errc::io_error) when it cannot bind.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "log.hpp"
#include "metrics.hpp"

namespace ferry::apps::policy {

class admin_server {
 public:
  /// nullopt: healthy; a string: the reason it is not (served with 503).
  using health_check = std::function<std::optional<std::string>()>;

  /// Binds `listen` ("127.0.0.1:10041"; port 0 picks a free one).
  admin_server(const std::string& listen, metrics& stats, health_check health, logger& log);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// Serves on a background thread; returns once the server accepts connections.
  void start();
  void stop();
  [[nodiscard]] int port() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::apps::policy
