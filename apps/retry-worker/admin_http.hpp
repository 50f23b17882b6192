// admin_http.hpp — the retry worker's admin HTTP API: the dead letters of every source
// (ferry::service's dead-letter routes over the deployment's catalog), cache stats and clear
// under /admin (bearer token), and the probes /health, /ready, /metrics. See
// docs/retry-worker.md for the endpoints and their JSON.
//
// Served by ferry::service's hardened server (ferry/service/admin_http_server.hpp): the token is
// checked before a body is read; /admin bodies are limited to `max_body` bytes; an address that
// keeps failing gets 429 on its failing requests only — the valid token is always served. The
// probes answer without the token on `probe_listen` and, by default, on a loopback `listen`.
// Errors are JSON {"error": "..."}: 400 malformed name/id/offset/limit, 404 unknown queue, id
// or endpoint, 503 when Redis or RabbitMQ cannot be reached, 500 otherwise.
//
//   admin_server http{{.listen = "127.0.0.1:0", .token = "s3cret"}, deps};
//   http.start();   // background threads; stop() or the destructor ends them
//
// Thread safety: construct, start and stop from one thread; requests are served on a small
// thread pool. admin_routes() builds routes that may be called from any thread.
// Errors: the constructor throws ferry::error(errc::io_error) when it cannot bind, and
// std::invalid_argument for an empty token or a bad listen address.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <ferry/amqp/url.hpp>
#include <ferry/core/dead_letter_catalog.hpp>
#include <ferry/core/observer.hpp>
#include <ferry/redis/client.hpp>
#include <ferry/service/admin_http_server.hpp>
#include <ferry/service/http_route.hpp>
#include <ferry/sql/database_url.hpp>

#include "metrics.hpp"

namespace ferry::apps::retry {

struct admin_options {
  std::string listen = "127.0.0.1:8090";  ///< host:port; port 0 picks a free one
  std::string token;                      ///< the bearer token (required)
  int auth_failures_per_minute = 5;
  /// Key prefixes DELETE /admin/cache/clear?namespace= accepts.
  std::vector<std::string> cache_namespaces;
  /// Its error hook is told about 5xx answers (component "retry.admin", operation
  /// "<method> <path>") and handler exceptions.
  ferry::observer observer{};
  std::string probe_listen;  ///< host:port of the token-free probe listener; "" = none
  service::probe_exposure probes =
      service::probe_exposure::automatic;  ///< probes on `listen` without token?
  std::size_t max_body = 4096;  ///< bytes an /admin request body may have (none needs one)
};

/// What GET /ready checks.
struct health_targets {
  redis::client* redis = nullptr;
  std::optional<amqp::url> amqp;
  std::optional<sql::database_url> db;
};

/// What the handlers work on; all must outlive the server.
struct admin_deps {
  std::shared_ptr<const dead_letter_catalog> dead_letters;
  redis::client* redis = nullptr;  ///< for cache stats/clear
  worker_metrics* metrics = nullptr;
  health_targets health;
};

/// The API's routes, callable without a socket (tests, fuzzing).
[[nodiscard]] service::http_router admin_routes(const admin_options& options,
                                                const admin_deps& deps);

class admin_server {
 public:
  admin_server(admin_options options, admin_deps deps);
  ~admin_server();
  admin_server(const admin_server&) = delete;
  admin_server& operator=(const admin_server&) = delete;

  /// Serves on background threads; returns once the server accepts connections.
  void start();
  void stop();
  [[nodiscard]] int port() const noexcept;
  /// The probe listener's port, or -1 without one.
  [[nodiscard]] int probe_port() const noexcept;

 private:
  std::unique_ptr<service::admin_http_server> http_;
};

}  // namespace ferry::apps::retry
