// ferry/service/http_route.hpp — the admin HTTP server's routes as plain values: a request, a
// response, and a route table that says for each route who may call it and how large its body
// may be.
//
// Nothing here touches a socket or cpp-httplib, so a handler (and a fuzz target) can be called
// with a hand-made `http_request`. The one thing a reader gets wrong: a route's `max_body` is
// enforced by the server *before* the handler runs — and for an encoded body (gzip) on the
// decoded bytes — so a handler never sees more.
//
//   http_router r;
//   r.add("GET", "/health", route_access::probe, 0, [](const http_request&) {
//     return http_response{.body = "{\"status\":\"ok\"}\n"};
//   });
//   r.add("POST", R"(/admin/dlq/([^/]+)/requeue-all)", route_access::token, 1024, requeue_all);
//
// Thread safety: http_router is immutable once the server starts (add() before, match() from
// any thread); the value types are thread-compatible.
// Errors: add() throws std::regex_error for a malformed pattern.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/export.hpp"

namespace ferry::service {

/// Who may call a route.
enum class route_access {
  open,   ///< anyone who reaches the listener (an ingest endpoint without a token)
  probe,  ///< /health, /ready, /metrics: no token on a probe listener or when probes are open
  token,  ///< only with `Authorization: Bearer <token>`
};

/// A request as the handlers see it: the body is complete and within the route's limit.
struct FERRY_API http_request {
  std::string method;
  std::string path;
  std::vector<std::string> path_params;                    ///< the pattern's capture groups
  std::vector<std::pair<std::string, std::string>> query;  ///< decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_addr;

  /// The first query parameter `name`, or nullopt.
  [[nodiscard]] std::optional<std::string> param(std::string_view name) const;
  /// The first header `name` (case-insensitive), or "".
  [[nodiscard]] std::string header(std::string_view name) const;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// `s` with ASCII letters in lower case: HTTP's names and tokens compare case-insensitively.
[[nodiscard]] FERRY_API std::string ascii_lower(std::string_view s);

/// {"error": "<message>"} with `status` — the shape of every error answer.
[[nodiscard]] FERRY_API http_response json_error(int status, std::string_view message);

using http_handler = std::function<http_response(const http_request&)>;

struct http_route {
  std::string method;
  std::regex pattern;  ///< matches the whole path
  route_access access = route_access::token;
  std::size_t max_body = 0;  ///< bytes, after decoding; 0: no body allowed
  http_handler handler;
};

class FERRY_API http_router {
 public:
  /// Routes match in the order added: add "/admin/dlq/stats" before "/admin/dlq/([^/]+)".
  void add(std::string method, const std::string& pattern, route_access access,
           std::size_t max_body, http_handler handler);

  struct match_result {
    const http_route* route = nullptr;  ///< nullptr: no route for this method and path
    std::vector<std::string> params;
    std::vector<std::string> allowed;  ///< methods the path has (for 405), when route is null
  };
  /// The route for `method` and `path`; HEAD matches GET routes.
  [[nodiscard]] match_result match(std::string_view method, const std::string& path) const;

  [[nodiscard]] const std::vector<http_route>& routes() const noexcept { return routes_; }

 private:
  std::vector<http_route> routes_;
};

}  // namespace ferry::service
