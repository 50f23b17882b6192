// admin_http.hpp — the retry worker's admin HTTP API (cpp-httplib): DLQs of Redis and RabbitMQ
// queues, cache stats and clear, health and metrics. See docs/retry-worker.md for the
// endpoints and their JSON.
//
// Every request needs `Authorization: Bearer <token>` (compared in constant time); without it
// the answer is 401. An address that keeps failing is refused with 429 + Retry-After for a
// while — even with the right token, so guessing cannot go on at a slower pace — after
// `auth_failures_per_minute` failures in a sliding minute. Errors are JSON {"error": "..."}:
// 400 malformed name/id/offset/limit, 404 unknown queue, id or endpoint, 503 when Redis or
// RabbitMQ cannot be reached, 500 otherwise.
//
//   admin_server http{{.listen = "127.0.0.1:0", .token = "s3cret"}, deps};
//   http.start();   // background threads; stop() or the destructor ends them
//
// Thread safety: construct, start and stop from one thread; requests are served on a small
// thread pool.
// Errors: the constructor throws ferry::error(errc::io_error) when it cannot bind, and
// std::invalid_argument for an empty token or a bad listen address.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/redis/client.hpp>

#include "common/dlq_admin.hpp"
#include "health.hpp"
#include "metrics.hpp"

namespace ferry::apps::retry {

struct admin_options {
  std::string listen = "127.0.0.1:8090";  ///< host:port; port 0 picks a free one
  std::string token;                      ///< the bearer token (required)
  int auth_failures_per_minute = 5;
  /// Key prefixes DELETE /admin/cache/clear?namespace= accepts.
  std::vector<std::string> cache_namespaces;
  /// Told about 5xx answers (with the reason); must not throw.
  std::function<void(std::string_view)> log;
};

/// What the handlers work on; all must outlive the server.
struct admin_deps {
  dlq_admin* dlq = nullptr;
  redis::client* redis = nullptr;  ///< for cache stats/clear
  worker_metrics* metrics = nullptr;
  health_targets health;
};

class admin_server {
 public:
  admin_server(admin_options options, admin_deps deps);
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

}  // namespace ferry::apps::retry
