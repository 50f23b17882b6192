// ferry/service/admission.hpp — decides, from the request line and headers alone, whether the
// admin server reads a request's body and runs its handler, or refuses it at once.
//
// The server calls admit() before a single body byte is read (and before it answers
// `Expect: 100-continue`), so an unauthenticated or oversized request costs no memory
// proportional to what it announces. In order:
//   1. routing: on a probe listener only probe routes exist (404); a route with another method
//      is 405;
//   2. the token, where the route and listener need one: right → go on, never locked out;
//      wrong or missing → 401, or 429 + Retry-After once the address has failed too often;
//   3. the body: an invalid Content-Length or Transfer-Encoding 400, Content-Length above the
//      route's limit 413, a Content-Encoding other than gzip/deflate or a multipart body 415.
// An admitted body is still counted while it is read (chunked, no length, decompressed).
//
// Thread safety: admit() is thread-safe (the lockout is); the values are thread-compatible.
// Errors: none thrown; every refusal is a response.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/export.hpp"
#include "ferry/service/auth_lockout.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

/// What the server knows about a request before reading its body.
struct request_head {
  std::string_view method;
  std::string path;
  std::string_view remote_addr;
  std::string_view authorization;                  ///< the Authorization header, or ""
  std::optional<std::string_view> content_length;  ///< nullopt: no Content-Length header
  std::string_view transfer_encoding;              ///< "" when absent
  std::string_view content_encoding;               ///< "" when absent
  std::string_view content_type;
};

/// Which listener the request arrived on.
enum class listener_kind {
  main,   ///< every route; probes without the token only when `probes_open`
  probe,  ///< probe routes only, never a token
};

struct admission_policy {
  std::string_view token;  ///< "": token routes are refused (401) to everyone
  listener_kind listener = listener_kind::main;
  bool probes_open = false;  ///< probe routes on the main listener skip the token
  std::string_view realm = "ferry";
};

struct admission {
  const http_route* route = nullptr;  ///< set when admitted
  std::vector<std::string> params;
  std::optional<http_response> refusal;  ///< set when refused
  bool auth_failed = false;              ///< a wrong or missing token (401 or 429)
  bool locked_out = false;               ///< ... answered 429
};

/// Constant-time check of an `Authorization: Bearer <token>` header value against `token`.
[[nodiscard]] FERRY_API bool bearer_matches(std::string_view authorization,
                                            std::string_view token) noexcept;

/// The decision for one request; `now` feeds the lockout.
[[nodiscard]] FERRY_API admission admit(const http_router& routes, const request_head& head,
                                        const admission_policy& policy, auth_lockout& lockout,
                                        auth_lockout::clock::time_point now);

}  // namespace ferry::service
