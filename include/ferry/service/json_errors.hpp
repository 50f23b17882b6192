// ferry/service/json_errors.hpp — turns what an admin route's handler throws into the JSON
// error answer an operator's tooling expects, so handlers are written for the good path only.
//
//   router.add("GET", "/admin/things/([^/]+)", route_access::token, 0,
//              with_json_errors([&](const http_request& r) { return show(r); }, obs, "app.admin"));
//
// The mapping: std::invalid_argument → 400 (a malformed name, id or number: the client's
// mistake); ferry::error(errc::not_found) → 404; another ferry::error → 503 when transient (a
// server that cannot be reached: try again), else 500; any other exception → 500. The body is
// {"error": what()}. 5xx answers are reported to the observer (component, "<METHOD> <path>");
// 4xx are the client's business and are not.
//
// Thread safety: the returned handler is as thread-safe as `inner`. Errors: none thrown.
#pragma once

#include <string>

#include "ferry/core/observer.hpp"
#include "ferry/export.hpp"
#include "ferry/service/http_route.hpp"

namespace ferry::service {

/// `inner`, answering what it throws as described in the file comment.
[[nodiscard]] FERRY_API http_handler with_json_errors(http_handler inner, ferry::observer observer,
                                                      std::string component);

}  // namespace ferry::service
