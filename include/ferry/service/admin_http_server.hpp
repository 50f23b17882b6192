// ferry/service/admin_http_server.hpp — the HTTP server for a service's admin API and its probes
// (/health, /ready, /metrics): cpp-httplib behind limits an open network needs. The service
// registers its routes in an http_router (http_route.hpp) and hands it over.
//
// A request's head (request line and headers) must arrive within `max_head_bytes` and
// `read_timeout` (else 431 or 408), and is judged on it first (admission.hpp): route, token,
// announced size and encoding. Only then is the body read — counted as it arrives, so a
// chunked body, one without a length and a decompressed gzip body stop at the route's
// `max_body` too (413) — and must be complete within `body_timeout` (408). Every connection carries
// one request (no keep-alive): a refused body is never read, and the connection closing is what
// discards it.
//
// Two listeners: `listen` serves every route; `probe_listen` (optional) serves only the probe
// routes and never asks for the token — the address to give Kubernetes' httpGet probes and
// Prometheus. On `listen`, probes need the token unless `probes` says open (by default: open
// exactly when `listen` is a loopback address).
//
//   http_router routes;
//   routes.add("GET", "/health", route_access::probe, 0, live);
//   admin_http_server http{{.listen = "0.0.0.0:8090", .probe_listen = "0.0.0.0:8091",
//                           .token = token}, std::move(routes)};
//   http.start();  // background threads; stop() or the destructor ends them
//
// Thread safety: construct, start and stop from one thread; requests are served on a small
// thread pool per listener, and handlers may run concurrently.
// Errors: the constructor throws ferry::error(errc::io_error) when an address cannot be bound,
// and std::invalid_argument for a malformed address or option.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

/// Whether the probe routes on the main listener answer without the token (always, when no
/// token is configured).
enum class probe_exposure {
  automatic,  ///< open when the main listener is on a loopback address, else token
  open,
  token,
};

/// "auto", "open" or "token" (also "yes"/"no", "true"/"false", "on"/"off"); throws
/// std::invalid_argument naming `what` otherwise.
[[nodiscard]] FERRY_API probe_exposure parse_probe_exposure(std::string_view text,
                                                            std::string_view what);

/// "host:port" or "[v6]:port" split; port 0-65535. Throws std::invalid_argument naming `what`.
[[nodiscard]] FERRY_API std::pair<std::string, int> split_host_port(std::string_view listen,
                                                                    std::string_view what);

/// 127.0.0.0/8, ::1 and "localhost".
[[nodiscard]] FERRY_API bool is_loopback_host(std::string_view host) noexcept;

/// One answered request, for metrics and logs.
struct http_event {
  int status = 0;
  bool auth_failed = false;  ///< wrong or missing token
  bool locked_out = false;   ///< ... answered 429
  bool probe_listener = false;
};

struct admin_http_options {
  std::string listen;        ///< "host:port" serving every route; "" = none. Port 0: any free
  std::string probe_listen;  ///< "host:port" serving probe routes without token; "" = none
  std::string token;         ///< bearer token of route_access::token routes ("" = refused)
  probe_exposure probes = probe_exposure::automatic;
  int auth_failures_per_minute = 5;        ///< per client address, then 429 for failing requests
  std::string realm = "ferry";             ///< WWW-Authenticate realm
  std::chrono::seconds read_timeout{10};   ///< for the whole head, then per read of the body
  std::size_t max_head_bytes = 16 * 1024;  ///< request line and headers together; else 431
  /// The whole body must have arrived within this (408 otherwise); each read also has
  /// `read_timeout`.
  std::chrono::seconds body_timeout{60};
  std::chrono::seconds write_timeout{10};
  std::size_t threads = 4;  ///< per listener
  /// Told about every answer; must not throw.
  std::function<void(const http_event&)> observe;
  /// Its error hook is told about handler exceptions (answered 500): component
  /// "service.admin_http", operation "handler", message "<method> <path>".
  ferry::observer observer{};
};

class FERRY_API admin_http_server {
 public:
  admin_http_server(admin_http_options options, http_router routes);
  ~admin_http_server();
  admin_http_server(const admin_http_server&) = delete;
  admin_http_server& operator=(const admin_http_server&) = delete;

  /// Serves on background threads; returns once every listener accepts connections.
  void start();
  /// Stops listening and joins the threads (no-op when not started).
  void stop();
  /// The main listener's port (the bound one when 0 was asked), or -1 without one.
  [[nodiscard]] int port() const noexcept;
  /// The probe listener's port, or -1 without one.
  [[nodiscard]] int probe_port() const noexcept;
  /// Whether probes on the main listener answer without the token (probe_exposure resolved).
  [[nodiscard]] bool probes_open() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace ferry::service
